from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.release.serving import predict_file
from benchlab.release import ComprehensiveReleaseManager

from .fixtures import TEST_END


@pytest.fixture()
def manager(tmp_path: Path, run_dir: Path) -> ComprehensiveReleaseManager:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    manager.create(run_dir, "trees", "1.0.0", model="lightgbm_quantile", strategy="combined")
    manager.create(run_dir, "trees", "1.1.0", model="lightgbm_quantile", strategy="individual")
    manager.create(run_dir, "base", "1.0.0", model="statquant", strategy="individual")
    return manager


@pytest.mark.parametrize("ref", ["trees@1.0.0", "trees@1.1.0"])
def test_predict_features(manager, new_data, tmp_path: Path, ref: str) -> None:
    out = tmp_path / "out" / "forecasts.parquet"
    predict_file(manager.load(ref), new_data.features, out)
    result = pl.read_parquet(out)
    source = pl.read_parquet(new_data.features)
    assert result.columns == ["productID", "storeID", "date", "y_pred", "q_0.1", "q_0.5", "q_0.9"]
    assert result.height == source.height
    q = result.select("q_0.1", "q_0.5", "q_0.9").to_numpy()
    assert np.all(np.diff(q, axis=1) >= 0) and np.isfinite(q).all()
    assert np.allclose(result["y_pred"], result["q_0.5"])
    assert [p.name for p in out.parent.iterdir()] == ["forecasts.parquet"]  # no temp file left


def test_series_release_forecasts_the_horizon_after_the_history(
    manager, new_data, tmp_path: Path
) -> None:
    out = tmp_path / "base.parquet"
    result = predict_file(manager.load("base@latest"), new_data.history, out)
    assert result.columns == ["productID", "storeID", "date", "y_pred", "q_0.1", "q_0.9"]
    assert result.height == 3 * 28
    assert result["date"].min() == TEST_END + dt.timedelta(days=1)
    assert result["date"].max() == TEST_END + dt.timedelta(days=28)
    # statquant's point forecast repeats the last week of each history.
    history = pl.read_csv(new_data.history, try_parse_dates=True)
    sku = history.filter(pl.col("productID") == 80651, pl.col("storeID") == 2)
    last_week = sku.sort("date").tail(7)["target"].to_list()
    mine = result.filter(pl.col("productID") == 80651, pl.col("storeID") == 2).sort("date")
    assert mine["y_pred"].head(7).to_list() == last_week


def _bad_features(tmp_path: Path, new_data, change) -> Path:
    path = tmp_path / "bad.parquet"
    change(pl.read_parquet(new_data.features)).write_parquet(path)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("feature_lag_28"), "bad.parquet: missing column 'feature_lag_28'"),
        (
            lambda f: f.with_columns(pl.col("feature_promo").cast(pl.String)),
            r"bad.parquet: column 'feature_promo' \(String\) must be numeric",
        ),
        (lambda f: pl.concat([f, f.head(1)]), "duplicate"),
        (lambda f: f.head(0), "bad.parquet: the file has no rows"),
        (
            lambda f: f.with_columns(pl.col("productID").replace(80558, 99999)),
            r"none for 2 SKU\(s\) of the input, e.g. \[\(99999, 1\), \(99999, 2\)\]",
        ),
    ],
)
def test_schema_mismatch_is_one_clear_error(
    manager, new_data, tmp_path: Path, change, message: str
) -> None:
    path = _bad_features(tmp_path, new_data, change)
    out = tmp_path / "never.parquet"
    with pytest.raises(InputError, match=message):
        predict_file(manager.load("trees@1.1.0"), path, out)
    assert not out.exists()


def test_series_release_needs_the_target_history(manager, new_data, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing column 'target'"):
        predict_file(manager.load("base@1.0.0"), new_data.features, tmp_path / "x.parquet")
