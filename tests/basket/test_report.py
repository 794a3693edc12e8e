"""A basket run on the stand-in baskets (two seeds): run folder files, records, report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from rich.console import Console

from benchlab.basket.config import BasketRunConfig

from .test_training import VOCAB, PlantedBaskets


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from benchlab.basket.baselines import (
        CustomerFrequencyBaseline,
        MajorityClassBaseline,
        PopularityBaseline,
    )
    from benchlab.basket.pipeline import Baselines, BasketPrepared, run_basket
    from benchlab.basket.report import basket_report_sections
    from benchlab.reports.markdown import write_sections
    from benchlab.runs import RunFolder

    train, validation, test = PlantedBaskets(256, 0), PlantedBaskets(64, 1), PlantedBaskets(96, 2)
    items = np.concatenate([train.items[i, :n] for i, n in enumerate(train.lengths)])
    owners = np.repeat(train.customer, train.lengths)
    segment = {"mission_type": train.segment, "basket_size": np.digitize(train.lengths, [4, 7])}
    baselines = Baselines(
        PopularityBaseline.fit(items, VOCAB),
        CustomerFrequencyBaseline.fit(owners, items, n_customers=5, vocab_size=VOCAB),
        MajorityClassBaseline.fit(segment),
    )
    from benchlab.basket.model import PurchaseHistory

    history = PurchaseHistory.fit(
        train.customer_idx, train.lengths, train.item_product, train.basket_ids, n_customers=5
    )
    prepared = BasketPrepared(
        Path("planted"), train, validation, test, VOCAB, baselines, history=history
    )
    config = BasketRunConfig.model_validate(
        {
            "task": "basket",
            "data": {"batch_size": 64},
            "model": {
                "d_model": 32,
                "n_layers": 1,
                "n_heads": 2,
                "dim_feedforward": 64,
                "auxiliary_tasks": {
                    "mission_type": {"weight": 0.5},
                    "mission_focus": {"enabled": False},
                    "price_sensitivity": {"enabled": False},
                    "basket_size": {"weight": 0.5},
                },
            },
            "training": {
                "max_epochs": 2,
                "learning_rate": 3e-3,
                "accelerator": "cpu",
                "num_threads": 1,
                "validate_every_n_steps": 2,
                "quick_validation_batches": 1,
            },
            "evaluation": {"seeds": [0, 1], "k": [5], "group_by": ["hour", "week"]},
        }
    )
    root = tmp_path_factory.mktemp("runs")
    with RunFolder(root, task="basket", dataset="planted", name="report") as run:
        outcome = run_basket(config, prepared, run, progress=False, console=Console())
        sections = basket_report_sections(config, outcome, run)
        write_sections(run.file("report.md"), "basket", sections)
    return run.final_path, outcome


def test_the_run_folder_holds_weights_metrics_breakdowns_and_figures(finished_run) -> None:  # noqa: ANN001
    path, _ = finished_run
    for name in (
        "models/world_model_seed0.pt",
        "models/world_model_seed1.pt",
        "models/world_model.json",
        "per_seed_metrics.csv",
        "intervals.csv",
        "paired.csv",
        "breakdown_hour.csv",
        "breakdown_week.csv",
        "training_history.csv",
        "quick_validation.csv",
        "figures/breakdown_hour.png",
        "figures/breakdown_week.png",
        "figures/training_curves.png",
    ):
        assert (path / name).is_file(), name
    assert not (path / "breakdown_date.csv").exists()
    per_seed = pl.read_csv(path / "per_seed_metrics.csv")
    assert sorted(per_seed["seed"].unique().to_list()) == [0, 1]
    quick = pl.read_csv(path / "quick_validation.csv")
    assert quick.height > 0 and set(quick["seed"].to_list()) == {0, 1}


def test_records_are_means_over_seeds_for_every_method(finished_run) -> None:  # noqa: ANN001
    path, outcome = finished_run
    by_model = {r.model: r for r in outcome.records}
    assert set(by_model) == {"world_model", "popularity", "customer_frequency", "majority_class"}
    model = by_model["world_model"].metrics
    assert set(model) == {
        "recall_at_5",
        "recall_at_10",
        "ndcg_at_10",
        "mission_type_accuracy",
        "mission_type_f1_macro",
        "basket_size_accuracy",
        "basket_size_f1_macro",
    }  # 10 is always evaluated: the primary metric
    per_seed = pl.read_csv(path / "per_seed_metrics.csv")
    values = per_seed.filter(
        (pl.col("method") == "popularity") & (pl.col("metric") == "recall_at_10")
    )["value"]
    assert by_model["popularity"].metrics["recall_at_10"] == pytest.approx(values.mean())
    assert "recall_at_10" not in by_model["majority_class"].metrics
    assert outcome.leaderboard["model"][-1] == "majority_class"  # no ranking metric: last
    assert by_model["world_model"].info["seeds"] == 2


def test_the_report_says_the_ranking_is_unsampled_and_shows_intervals(finished_run) -> None:  # noqa: ANN001
    path, _ = finished_run
    text = (path / "report.md").read_text()
    assert "full catalogue of 40 products" in text
    assert "unsampled" in text
    assert "recall_at_10** (higher is better)" in text
    assert "## Metrics over seeds" in text and "Student-t" in text
    assert "## World model against each baseline" in text
    assert "figures/breakdown_hour.png" in text
    assert "figures/training_curves.png" in text
