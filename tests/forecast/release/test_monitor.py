from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.release.monitor import monitor_release
from benchlab.forecast.release.serving import predict_file
from benchlab.release import ComprehensiveReleaseManager


@pytest.fixture()
def manager(tmp_path: Path, run_dir: Path) -> ComprehensiveReleaseManager:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    manager.create(run_dir, "trees", "1.0.0", model="lightgbm_quantile", strategy="combined")
    manager.create(run_dir, "base", "1.0.0", model="statquant", strategy="combined")
    return manager


def _actuals_from_forecasts(manager, new_data, tmp_path: Path, shift: float) -> Path:
    """Actuals equal to the release's own forecasts plus ``shift``: error is exactly |shift|."""
    forecasts = predict_file(manager.load("trees@1.0.0"), new_data.features, tmp_path / "f.pq")
    features = pl.read_parquet(new_data.features)
    path = tmp_path / f"actuals_{shift}.parquet"
    features.join(
        forecasts.select(
            "productID", "storeID", "date", (pl.col("y_pred") + shift).alias("target")
        ),
        on=["productID", "storeID", "date"],
    ).write_parquet(path)
    return path


def test_monitor_writes_report_and_flags_no_drift_on_perfect_actuals(
    manager, new_data, tmp_path: Path
) -> None:
    actuals = _actuals_from_forecasts(manager, new_data, tmp_path, 0.0)
    result = monitor_release(manager.load("trees@1.0.0"), actuals, output_dir=tmp_path / "runs")
    assert not result.drift
    assert result.periods["mae"].max() < 1e-9
    assert int(result.periods["rows"].sum()) == pl.read_parquet(actuals).height
    for name in (
        "report.md",
        "report.html",
        "error_over_time.png",
        "periods.csv",
        "monitor.json",
        "manifest.json",
    ):
        assert (result.run_dir / name).is_file(), name
    assert "no drift" in (result.run_dir / "report.md").read_text()
    assert result.run_dir.parent.name == "trees"


def test_monitor_flags_drift_beyond_the_margin(manager, new_data, tmp_path: Path) -> None:
    release = manager.load("trees@1.0.0")
    test_mae = release.info["metrics"]["mae"]
    actuals = _actuals_from_forecasts(manager, new_data, tmp_path, 2.0 * test_mae)
    result = monitor_release(release, actuals, margin=0.5, output_dir=tmp_path / "runs")
    assert result.threshold == pytest.approx(1.5 * test_mae)
    assert result.drift and result.periods["drift"].all()
    assert result.periods["mae"].to_numpy() == pytest.approx(2.0 * test_mae)
    report = (result.run_dir / "report.md").read_text()
    assert report.count("| **yes** |") == result.periods.height
    assert "![mae over time](error_over_time.png)" in report
    saved = json.loads((result.run_dir / "monitor.json").read_text())
    assert saved["drift"] is True and len(saved["drifted_periods"]) == result.periods.height
    # A margin wider than the shift: no drift.
    calm = monitor_release(release, actuals, margin=1.5, output_dir=tmp_path / "runs")
    assert not calm.drift


def test_monitor_on_real_actuals_scores_every_row(manager, new_data, tmp_path: Path) -> None:
    result = monitor_release(
        manager.load("trees@1.0.0"),
        new_data.actuals,
        metric="rmse",
        period="2w",
        output_dir=tmp_path / "runs",
    )
    assert int(result.periods["rows"].sum()) == pl.read_parquet(new_data.actuals).height
    assert (result.periods["rmse"] >= result.periods["mae"]).all()


def test_monitor_refuses_bad_requests(manager, new_data, tmp_path: Path) -> None:
    trees = manager.load("trees@1.0.0")
    with pytest.raises(InputError, match="missing column 'target'"):
        monitor_release(trees, new_data.features, output_dir=tmp_path / "runs")
    with pytest.raises(InputError, match="metric must be one of"):
        monitor_release(trees, new_data.actuals, metric="r2", output_dir=tmp_path / "runs")
    with pytest.raises(InputError, match="series model"):
        monitor_release(manager.load("base@1.0.0"), new_data.actuals, output_dir=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()
