"""The weighted composite score: min–max normalisation in each metric's direction, weights
renormalised, ties, constant metrics, missing values and bad weights."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchlab.errors import InputError
from benchlab.evaluation.composite import (
    DEFAULT_WEIGHTS,
    composite_scores,
    normalise,
    resolve_weights,
)

TEXT_RESULTS = pl.DataFrame(
    {
        "model": ["minilm", "tfidf_logreg", "majority", "tiny_bert"],
        "accuracy": [0.71, 0.64, 0.40, 0.52],
        "f1_macro": [0.70, 0.62, 0.19, 0.50],
        "throughput_samples_per_sec": [310.0, 9000.0, 50000.0, 2500.0],
        "latency_median_ms": [9.5, 0.4, 0.01, 2.1],
        "memory_allocated_mb": [350.0, 40.0, 1.0, 60.0],
    }
)


def scores(ranking) -> dict[str, float]:
    return dict(ranking.frame.select("model", "composite_score").iter_rows())


def ranks(ranking) -> dict[str, int | None]:
    return dict(ranking.frame.select("model", "composite_rank").iter_rows())


def test_default_weights_are_the_seeds_and_apply_to_the_text_metrics() -> None:
    ranking = composite_scores(TEXT_RESULTS)
    assert ranking.weights == pytest.approx(
        {"accuracy": 0.3, "f1_macro": 0.3, "throughput_samples_per_sec": 0.2,
         "latency_median_ms": 0.2}
    )  # fmt: skip
    assert sum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    frame = ranking.frame
    assert frame["composite_rank"].to_list() == sorted(frame["composite_rank"].to_list())
    # the score is the weighted sum of the normalised columns shown beside it
    expected = sum(w * frame[f"{m}_norm"] for m, w in ranking.weights.items())
    assert frame["composite_score"].to_list() == pytest.approx(expected.to_list())
    assert ranking.weights_frame().rows() == [
        ("accuracy", pytest.approx(0.3), "higher is better"),
        ("f1_macro", pytest.approx(0.3), "higher is better"),
        ("throughput_samples_per_sec", pytest.approx(0.2), "higher is better"),
        ("latency_median_ms", pytest.approx(0.2), "lower is better"),
    ]
    assert ranking.describe_weights() == (
        "accuracy 30%, f1_macro 30%, throughput_samples_per_sec 20%, latency_median_ms 20%"
    )


def test_a_model_best_on_every_metric_scores_1_and_the_worst_scores_0() -> None:
    results = pl.DataFrame(
        {
            "model": ["best", "middle", "worst"],
            "accuracy": [0.9, 0.8, 0.5],
            "f1": [0.88, 0.7, 0.3],
            "throughput_tokens_per_sec": [2000.0, 900.0, 100.0],
            "latency_median_ms": [1.0, 5.0, 30.0],
        }
    )
    ranking = composite_scores(results)
    assert scores(ranking)["best"] == 1.0
    assert scores(ranking)["worst"] == 0.0
    assert 0.0 < scores(ranking)["middle"] < 1.0
    assert ranks(ranking) == {"best": 1, "middle": 2, "worst": 3}
    assert ranking.frame["model"].to_list() == ["best", "middle", "worst"]


def test_direction_follows_the_engine_ranking_rules() -> None:
    # latency and memory: lower is better; throughput (a rate): higher is better
    assert normalise([10.0, 30.0], "latency_median_ms").tolist() == [1.0, 0.0]
    assert normalise([100.0, 400.0], "memory_allocated_mb").tolist() == [1.0, 0.0]
    assert normalise([100.0, 400.0], "throughput_samples_per_sec").tolist() == [0.0, 1.0]
    assert normalise([100.0, 400.0], "images_per_second").tolist() == [0.0, 1.0]
    # a split before the name keeps the direction of the name
    assert normalise([0.7, 0.9], "test_f1_macro").tolist() == [0.0, 1.0]
    assert normalise([0.7, 0.9], "best_val_accuracy").tolist() == [0.0, 1.0]
    assert normalise([0.7, 0.9], "val_loss").tolist() == [1.0, 0.0]
    # targets: |bias| and the distance of a coverage to its level
    assert normalise([-0.1, 0.5, 0.2], "bias").tolist() == pytest.approx([1.0, 0.0, 0.75])
    assert normalise([0.95, 0.8, 0.7], "coverage_80").tolist() == pytest.approx([0.0, 1.0, 1 / 3])
    # a caller's override wins
    assert normalise([10.0, 30.0], "latency_median_ms", lower_is_better={
        "latency_median_ms": False}).tolist() == [0.0, 1.0]  # fmt: skip


def test_ties_share_the_best_rank_of_their_group() -> None:
    results = pl.DataFrame(
        {
            "model": ["a", "b", "c", "d"],
            "accuracy": [0.9, 0.7, 0.9, 0.5],
            "f1": [0.8, 0.6, 0.8, 0.4],
        }
    )
    ranking = composite_scores(results)
    assert ranks(ranking) == {"a": 1, "c": 1, "b": 3, "d": 4}
    assert scores(ranking)["a"] == scores(ranking)["c"] == 1.0


def test_a_constant_metric_gives_every_model_1_and_changes_no_rank() -> None:
    varying = pl.DataFrame({"model": ["a", "b", "c"], "accuracy": [0.9, 0.6, 0.75]})
    constant = varying.with_columns(latency_median_ms=pl.lit(3.0))
    weights = {"accuracy": 0.6, "latency": 0.4}
    ranking = composite_scores(constant, weights)
    assert ranking.frame["latency_median_ms_norm"].to_list() == [1.0, 1.0, 1.0]
    assert ranking.weights == pytest.approx({"accuracy": 0.6, "latency_median_ms": 0.4})
    assert ranks(ranking) == ranks(composite_scores(varying, {"accuracy": 1}))
    # every model better by the same 0.4
    alone = scores(composite_scores(varying, {"accuracy": 1}))
    assert scores(ranking) == pytest.approx({m: 0.6 * s + 0.4 for m, s in alone.items()})


def test_a_single_model_scores_1() -> None:
    ranking = composite_scores(TEXT_RESULTS.head(1))
    assert scores(ranking) == {"minilm": 1.0}
    assert ranks(ranking) == {"minilm": 1}


def test_a_model_missing_a_weighted_metric_gets_no_score_and_comes_last() -> None:
    results = pl.DataFrame(
        {
            "model": ["a", "b", "c"],
            "accuracy": [0.9, 0.5, 0.7],
            "latency_median_ms": [None, 4.0, 2.0],
        }
    )
    ranking = composite_scores(results)
    assert ranking.frame["model"].to_list() == ["c", "b", "a"]
    assert ranks(ranking) == {"c": 1, "b": 2, "a": None}
    assert scores(ranking)["a"] is None
    # the others are normalised among themselves: c is best on latency
    assert ranking.frame.filter(model="c")["latency_median_ms_norm"].item() == 1.0


def test_weights_are_renormalised_and_resolve_concepts_to_columns() -> None:
    assert composite_scores(TEXT_RESULTS, {"accuracy": 3, "f1": 3, "throughput": 2,
        "latency": 2}).frame.equals(composite_scores(TEXT_RESULTS).frame)  # fmt: skip
    # default weights over the metrics present only: a vision run has accuracy and F1
    vision = pl.DataFrame(
        {"model": ["resnet18", "simple_cnn"], "trainer": ["standard", "standard"],
         "test_accuracy": [0.93, 0.81], "test_f1_macro": [0.92, 0.80]}
    )  # fmt: skip
    ranking = composite_scores(vision)
    assert ranking.weights == pytest.approx({"test_accuracy": 0.5, "test_f1_macro": 0.5})
    assert ranking.frame.columns[:2] == ["model", "trainer"]
    # a weight may name any metric column
    memory = composite_scores(TEXT_RESULTS, {"memory_allocated_mb": 1.0})
    assert memory.frame["model"][0] == "majority"
    # a zero weight is ignored, even on a metric no model has
    assert resolve_weights(["accuracy"], {"accuracy": 1.0, "latency": 0.0}) == {"accuracy": 1.0}


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"accuracy": 0.5, "bleu": 0.5}, "weight on 'bleu', a metric no model has"),
        ({"accuracy": -1.0}, "weight of 'accuracy' must be a finite number >= 0"),
        ({"accuracy": math.nan}, "weight of 'accuracy' must be a finite number >= 0"),
        ({"accuracy": "high"}, "weight of 'accuracy' is not a number"),
        ({"accuracy": 0.0}, "none of the weighted metrics (accuracy) is in the results"),
        ({}, "no weights given"),
        ({"f1": 0.5, "f1_macro": 0.5}, "two weights apply to the metric 'f1_macro'"),
    ],
)
def test_bad_weights_are_one_clear_error(weights, message: str) -> None:
    with pytest.raises(InputError, match="^composite score: ") as caught:
        composite_scores(TEXT_RESULTS, weights)
    assert message in str(caught.value)


def test_results_without_any_default_metric_name_the_metrics_they_have() -> None:
    forecast = pl.DataFrame({"model": ["lightgbm"], "rmsse": [0.7], "mase": [0.8]})
    with pytest.raises(InputError, match=r"none of the weighted metrics .*metrics: mase, rmsse"):
        composite_scores(forecast)
    with pytest.raises(InputError, match="no results to rank"):
        composite_scores(forecast.clear())


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(finite, finite), min_size=1, max_size=8),
    st.floats(min_value=0.01, max_value=1e3),
    finite,
)
def test_scores_lie_in_0_1_and_ranks_ignore_the_metrics_units(rows, scale, shift) -> None:
    accuracy, latency = (np.array(column) for column in zip(*rows, strict=True))
    frame = pl.DataFrame(
        {"model": [f"m{i}" for i in range(len(rows))], "accuracy": accuracy,
         "latency_median_ms": latency}
    )  # fmt: skip
    ranking = composite_scores(frame)
    values = ranking.frame["composite_score"].to_numpy()
    assert ((values >= -1e-12) & (values <= 1 + 1e-12)).all()
    rescaled = frame.with_columns(pl.col("latency_median_ms") * scale + shift)
    assert ranks(composite_scores(rescaled)) == ranks(ranking)
