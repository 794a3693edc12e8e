"""``stage: evaluate`` through the engine runner on the tiny panel: the three variants per seed,
statistics consistent with the per-seed results, the files and report; bad GAN runs refused
before any run folder exists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.augment.evaluation import (
    EVALUATION_FILE,
    PER_SEED_FILE,
    PRIMARY_METRIC,
    VARIANTS,
    check_gan_run,
    resolve_gan_run,
)
from benchlab.augment.task import AugmentTask
from benchlab.errors import InputError
from benchlab.runner import RunSummary, run_task

from .evaluation_run import evaluation_config
from .gan_run import tiny_config

PERIOD_DAYS = 9


@pytest.fixture(scope="module")
def gan_run(quick_gan_run: Path) -> Path:
    return quick_gan_run


@pytest.fixture(scope="module")
def evaluated(
    olist_processed: Path, gan_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> RunSummary:
    out = tmp_path_factory.mktemp("evaluation_runs")
    panel = pl.read_parquet(olist_processed / "product_daily_panel.parquet")
    start = panel.filter(pl.col("split") == "test")["date"].min()
    period = {"start": str(start), "days": PERIOD_DAYS}
    config = evaluation_config(
        olist_processed, out, gan_run, evaluation={"forecast_period": period}
    )
    return run_task(config, progress=False)


def test_the_evaluate_stage_ranks_the_three_variants_by_test_mae(evaluated: RunSummary) -> None:
    board = evaluated.outcome.leaderboard
    assert evaluated.outcome.primary_metric == PRIMARY_METRIC == "test_mae"
    assert sorted(board["model"].to_list()) == sorted(VARIANTS)
    assert board[PRIMARY_METRIC].is_sorted()
    assert dict(zip(board["model"], board["trained_on"], strict=True)) == VARIANTS
    run_dir = evaluated.run_dir
    for name in (EVALUATION_FILE, PER_SEED_FILE, "leaderboard.csv", "metrics.json", "report.md"):
        assert (run_dir / name).is_file(), name
    for name in ("real_vs_synthetic", "distributions", "test_mae_per_seed"):
        assert (run_dir / "figures" / f"{name}.png").stat().st_size > 0
    assert (run_dir / "synthetic" / "train.parquet").is_file()
    logs = sorted(p.name for p in (run_dir / "logs").iterdir())
    assert logs == sorted(f"lstm_{v}_seed{s}" for v in VARIANTS for s in (0, 1))


def test_leaderboard_and_comparisons_follow_from_the_per_seed_results(
    evaluated: RunSummary,
) -> None:
    run_dir = evaluated.run_dir
    per_seed = pl.read_csv(run_dir / PER_SEED_FILE)
    assert per_seed.height == 2 * len(VARIANTS)
    board = evaluated.outcome.leaderboard
    for variant in VARIANTS:
        rows = per_seed.filter(pl.col("variant") == variant).sort("seed")
        (value,) = board.filter(pl.col("model") == variant)[PRIMARY_METRIC]
        assert value == pytest.approx(rows["test_mae"].mean())
    payload = json.loads((run_dir / EVALUATION_FILE).read_text())
    base = per_seed.filter(pl.col("variant") == "real_only").sort("seed")["test_mae"].to_numpy()
    aug = per_seed.filter(pl.col("variant") == "augmented").sort("seed")["test_mae"].to_numpy()
    found = payload["comparisons"]["units"]["augmented"]
    assert found["difference"] == pytest.approx(np.mean(aug - base))
    assert found["improvement"] == pytest.approx(1 - aug.mean() / base.mean())
    assert found["seeds"] is None and found["improvement_seeds_ci"] is None  # 2 seeds < 5
    assert payload["verdict"] == evaluated.details.verdict
    assert payload["helps"] == (found["improvement_windows_ci"]["low"] > 0)
    assert payload["windows"]["synthetic_train"] == 2 * payload["windows"]["real_train"]


def test_every_forecaster_forecasts_the_period(evaluated: RunSummary) -> None:
    path = evaluated.outcome.files["forecast_period"]
    assert path.name == "forecast_period.parquet"
    rows = pl.read_parquet(evaluated.run_dir / "forecast_period.parquet")
    products = rows["product_id"].n_unique()
    assert rows.height == len(VARIANTS) * 2 * products * PERIOD_DAYS
    assert rows["date"].n_unique() == PERIOD_DAYS
    assert sorted(rows["variant"].unique()) == sorted(VARIANTS)
    per_fit = rows.group_by("variant", "seed").agg(pl.col("y_pred").std())
    assert per_fit.height == 2 * len(VARIANTS) and (per_fit["y_pred"] > 0).all()
    assert evaluated.details.forecast_period.height == rows.height


def test_the_synthetic_checks_are_in_range(evaluated: RunSummary) -> None:
    fidelity = evaluated.details.fidelity
    assert 0.0 <= fidelity.discriminative.score <= 0.5
    assert fidelity.lags == tuple(range(1, 8))
    assert np.all(np.abs(fidelity.acf_real) <= 1.0)
    assert fidelity.marginal_scaled.wasserstein >= 0.0
    assert 0.0 <= fidelity.marginal_units.ks_statistic <= 1.0


def test_the_report_leads_with_the_verdict(evaluated: RunSummary) -> None:
    report = (evaluated.run_dir / "report.md").read_text()
    assert report.startswith("# benchlab augment evaluation: tiny_gan")
    assert evaluated.details.verdict in report
    verdict_at = report.index("## Does augmentation help?")
    assert verdict_at < report.index("## Leaderboard") < report.index("## Paired comparison")
    assert "Discriminative score" in report and "TSTR" in report
    assert "![Real and synthetic training sequences" in report


def test_the_primary_metric_depends_on_the_stage(olist_processed: Path, tmp_path: Path) -> None:
    task = AugmentTask()
    gan = tiny_config(olist_processed, tmp_path)
    assert task.primary_metric_of(gan) == "val_wasserstein_gap"
    evaluation = evaluation_config(olist_processed, tmp_path, None)
    assert task.primary_metric_of(evaluation) == "test_mae"


def test_a_missing_gan_run_fails_before_any_run_folder(
    olist_processed: Path, tmp_path: Path
) -> None:
    config = evaluation_config(olist_processed, tmp_path / "runs", tmp_path / "no-such-run")
    with pytest.raises(InputError, match="no-such-run does not exist"):
        run_task(config, progress=False)
    assert not (tmp_path / "runs").exists()


def test_a_gan_run_with_a_foreign_generator_is_refused(
    olist_processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    import torch

    copy = tmp_path / "gan"
    shutil.copytree(gan_run, copy)
    torch.save({"state_dict": torch.nn.Linear(3, 1).state_dict()}, copy / "models/generator.pt")
    config = evaluation_config(olist_processed, tmp_path / "runs", copy)
    with pytest.raises(InputError, match="checkpoint from another model"):
        run_task(config, progress=False)
    assert not (tmp_path / "runs").exists()


def test_a_gan_run_of_other_windows_is_refused(
    olist_processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    longer = evaluation_config(olist_processed, tmp_path, gan_run, data={"forecast_horizon": 5})
    with pytest.raises(InputError, match="data.forecast_horizon=7; this config has"):
        check_gan_run(longer, gan_run)
    moved = tmp_path / "processed"
    shutil.copytree(olist_processed, moved)
    elsewhere = evaluation_config(moved, tmp_path, gan_run)
    with pytest.raises(InputError, match="was trained on"):
        check_gan_run(elsewhere, gan_run)


def test_without_a_gan_run_one_is_trained_first(olist_processed: Path, tmp_path: Path) -> None:
    config = evaluation_config(
        olist_processed, tmp_path / "runs", None, quick_run={"enabled": True, "max_epochs": 1}
    )
    resolved = resolve_gan_run(config)
    gan_run = resolved.evaluation.gan_run
    assert gan_run is not None and resolved.stage == "evaluate"
    assert (gan_run / "models" / "generator.pt").is_file()
    saved = (gan_run / "config.yaml").read_text()
    assert "stage: train_gan" in saved
    assert check_gan_run(resolved, gan_run)["history_window"] == 30
