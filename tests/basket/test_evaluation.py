"""Evaluation: exclusion of visible items, ranks with ties, metrics, grouping, the passes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import torch

from benchlab.basket.batch import IGNORE_INDEX, MASK_ID
from benchlab.basket.evaluation import (
    EvaluationResult,
    breakdown,
    classification_metrics,
    excluded_products,
    ranking_metrics,
    target_ranks,
)

from .test_model import random_batch

VOCAB = 10


def test_excluded_products_are_specials_and_visible_items_not_the_masked_one() -> None:
    batch = random_batch(batch=1, seq=4, vocab=VOCAB)
    batch.attention_mask[:] = torch.tensor([[True, True, True, False]])
    batch.product_ids[:] = torch.tensor([[5, 7, 9, 0]])
    batch.input_ids[:] = torch.tensor([[5, MASK_ID, 9, 0]])
    batch.masked_positions[:] = torch.tensor([[False, True, False, False]])
    excluded = excluded_products(batch, VOCAB)
    assert torch.nonzero(excluded[0]).view(-1).tolist() == [0, 1, 2, 5, 9]


def test_target_ranks_break_ties_by_the_shared_order_and_miss_excluded_targets() -> None:
    scores = torch.tensor(
        [
            [0.0, 0.0, 0.0, 5.0, 1.0, 1.0, 1.0, 0.5, 0.2, 0.1],
            [0.0, 0.0, 0.0, 5.0, 1.0, 1.0, 1.0, 0.5, 0.2, 0.1],
            [0.0, 0.0, 0.0, 5.0, 1.0, 1.0, 1.0, 0.5, 0.2, 0.1],
        ]
    )
    excluded = torch.zeros(3, VOCAB, dtype=torch.bool)
    excluded[:, :3] = True
    excluded[1, 3] = True  # the best product is visible in basket 1: not ranked there
    excluded[2, 6] = True  # basket 2's target is excluded: never a hit
    tie_break = torch.tensor([0, 1, 2, 3, 6, 4, 5, 7, 8, 9])  # among 4, 5, 6: 5, 6, 4
    targets = torch.tensor([4, 4, 6])
    ranks = target_ranks(scores, targets, excluded, tie_break)
    assert ranks.tolist() == [3, 2, VOCAB]


def test_target_rank_zero_is_the_best_eligible_product() -> None:
    scores = torch.randn(5, VOCAB, generator=torch.Generator().manual_seed(1))
    excluded = torch.zeros(5, VOCAB, dtype=torch.bool)
    excluded[:, :3] = True
    masked = scores.masked_fill(excluded, -1e9)
    best = masked.argmax(dim=1)
    ranks = target_ranks(scores, best, excluded, torch.arange(VOCAB))
    assert ranks.tolist() == [0] * 5
    worst = masked.masked_fill(excluded, 1e9).argmin(dim=1)
    assert target_ranks(scores, worst, excluded, torch.arange(VOCAB)).tolist() == [6] * 5


def test_ranking_metrics() -> None:
    metrics = ranking_metrics(np.array([0, 1, 9, 10, 19, 20]), ks=[10, 20])
    assert metrics["recall_at_10"] == pytest.approx(3 / 6)
    assert metrics["recall_at_20"] == pytest.approx(5 / 6)
    expected = (1 + 1 / np.log2(3) + 1 / np.log2(11)) / 6
    assert metrics["ndcg_at_10"] == pytest.approx(expected)


def test_classification_metrics_match_scikit_learn() -> None:
    from sklearn.metrics import accuracy_score, f1_score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 200)
    predicted = np.where(rng.random(200) < 0.6, labels, rng.integers(0, 5, 200))
    labels[:20] = IGNORE_INDEX
    ours = classification_metrics(labels, predicted)
    known = labels != IGNORE_INDEX
    assert ours["accuracy"] == pytest.approx(accuracy_score(labels[known], predicted[known]))
    assert ours["f1_macro"] == pytest.approx(
        f1_score(labels[known], predicted[known], average="macro")
    )


def test_breakdown_gives_every_method_per_group() -> None:
    ranks = pl.DataFrame(
        {
            "basket_id": [1, 2, 3, 4],
            "date": [None] * 4,
            "hour": [9, 9, 17, 17],
            "week": [1, 1, 1, 2],
            "rank_world_model": [0, 50, 3, 11],
            "rank_popularity": [20, 20, 20, 0],
        }
    )
    auxiliary = ranks.select("basket_id", "date", "hour", "week").with_columns(
        pl.Series("mission_type_label", [0, 1, 1, IGNORE_INDEX]),
        pl.Series("mission_type_world_model", [0, 1, 0, 0]),
        pl.Series("mission_type_majority_class", [1, 1, 1, 1]),
    )
    result = EvaluationResult(
        ranks=ranks,
        auxiliary=auxiliary,
        ranking_methods=["world_model", "popularity"],
        classifying_methods=["world_model", "majority_class"],
        tasks=["mission_type"],
        ks=[10],
        catalogue_size=100,
        seed=0,
    )
    table = breakdown(result, "hour")
    assert table["hour"].to_list() == [9, 17]
    assert table["n_baskets"].to_list() == [2, 2]
    assert table["world_model/recall_at_10"].to_list() == [0.5, 0.5]
    assert table["popularity/recall_at_10"].to_list() == [0.0, 0.5]
    assert table["world_model/mission_type_accuracy"].to_list() == [1.0, 0.0]
    assert table["majority_class/mission_type_accuracy"].to_list() == [0.5, 1.0]
    overall = result.metrics("world_model")
    assert overall["recall_at_10"] == 0.5
    assert overall["mission_type_accuracy"] == pytest.approx(2 / 3)
    assert "recall_at_10" not in result.metrics("majority_class")


def planted_baselines(train) -> tuple[dict, dict]:  # noqa: ANN001
    from benchlab.basket.baselines import (
        CustomerFrequencyBaseline,
        MajorityClassBaseline,
        PopularityBaseline,
    )

    length = train.lengths
    items = np.concatenate([train.items[i, :n] for i, n in enumerate(length)])
    owners = np.repeat(train.customer, length)
    popularity = PopularityBaseline.fit(items, train.vocab)
    frequency = CustomerFrequencyBaseline.fit(owners, items, n_customers=5, vocab_size=train.vocab)
    majority = MajorityClassBaseline.fit({"mission_type": train.segment})
    return (
        {"popularity": popularity.score, "customer_frequency": frequency.score},
        {"majority_class": majority.predict},
    )


def test_evaluate_test_scores_every_method_on_the_same_masked_products() -> None:
    from benchlab.basket.evaluation import evaluate_test

    from .test_model import small_model
    from .test_training import VOCAB as PLANTED_VOCAB
    from .test_training import PlantedBaskets

    test = PlantedBaskets(120, seed=3)
    rankers, classifiers = planted_baselines(PlantedBaskets(400, seed=0))
    model = small_model(vocab_size=PLANTED_VOCAB, auxiliary_weights={"mission_type": 0.1})
    options = {"rankers": rankers, "classifiers": classifiers, "tasks": ["mission_type"]}
    result = evaluate_test(model, test, vocab_size=PLANTED_VOCAB, seed=1, batch_size=32, **options)
    assert result.ranks.height == 120 == result.auxiliary.height
    assert sorted(result.ranks["basket_id"].to_list()) == test.basket_ids.tolist()
    assert result.ranking_methods == ["world_model", "popularity", "customer_frequency"]
    assert result.classifying_methods == ["world_model", "majority_class"]
    for method in result.ranking_methods:
        ranks = result.ranks[f"rank_{method}"].to_numpy()
        assert ((ranks >= 0) & (ranks < PLANTED_VOCAB - 3)).all()
    frequency = result.metrics("customer_frequency")["recall_at_10"]
    assert frequency > result.metrics("popularity")["recall_at_10"]  # the planted segments
    majority = result.metrics("majority_class")["mission_type_accuracy"]
    share = np.mean(test.segment == np.bincount(PlantedBaskets(400, seed=0).segment).argmax())
    assert majority == pytest.approx(share)
    hours = breakdown(result, "hour")
    assert hours["n_baskets"].sum() == 120
    assert hours["hour"].to_list() == sorted(set(test.hour.tolist()))

    again = evaluate_test(model, test, vocab_size=PLANTED_VOCAB, seed=1, batch_size=32, **options)
    assert again.ranks.equals(result.ranks)
    other = evaluate_test(None, test, vocab_size=PLANTED_VOCAB, seed=2, batch_size=32, **options)
    assert other.ranking_methods == ["popularity", "customer_frequency"]
    assert not other.ranks["rank_popularity"].equals(result.ranks["rank_popularity"])


def test_seed_intervals_and_paired_differences() -> None:
    from scipy import stats

    from benchlab.basket.evaluation import paired_differences, seed_intervals

    model = [0.30, 0.34, 0.32]
    base = [0.20, 0.25, 0.21]
    per_seed = pl.DataFrame(
        {
            "seed": [0, 1, 2] * 2 + [0],
            "method": ["world_model"] * 3 + ["popularity"] * 3 + ["majority_class"],
            "metric": ["recall_at_10"] * 6 + ["mission_type_accuracy"],
            "value": model + base + [0.5],
        }
    )
    intervals = seed_intervals(per_seed)
    row = intervals.filter(pl.col("method") == "world_model").row(0, named=True)
    half = stats.t.ppf(0.975, 2) * np.std(model, ddof=1) / np.sqrt(3)
    assert row["n_seeds"] == 3
    assert row["mean"] == pytest.approx(np.mean(model))
    assert (row["low"], row["high"]) == pytest.approx(
        (np.mean(model) - half, np.mean(model) + half)
    )
    single = intervals.filter(pl.col("method") == "majority_class").row(0, named=True)
    assert single["low"] is None and single["high"] is None
    paired = paired_differences(per_seed)
    assert paired["method"].to_list() == ["popularity"]  # no shared metric with majority_class
    diff = paired.row(0, named=True)
    assert diff["mean"] == pytest.approx(np.mean(np.subtract(model, base)))
    assert diff["wins"] == 3
    assert diff["low"] > 0
