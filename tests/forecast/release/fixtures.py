"""Shared release fixtures (a plugin of tests/conftest.py): a small run on the tiny data, released
by the tests; new data after its test period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from benchlab.forecast.config import ForecastRunConfig
from benchlab.forecast.data.synthetic import SynthPaths
from benchlab.forecast.runner import run_forecast

SKUS = [[80558, 2], [80651, 2], [80558, 1]]
TEST_END = dt.date(2020, 2, 11)  # split 2020-01-15 + 28 days: later rows are "new" data


@dataclass
class NewData:
    features: Path  # productID, storeID, date, feature_* after the release's test period
    actuals: Path  # the same with target
    history: Path  # productID, storeID, date, target up to TEST_END (for series models)
    test_features: Path  # the run's own test period, features only


@pytest.fixture(scope="session")
def run_dir(tiny_paths: SynthPaths, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lightgbm_quantile and statquant under both strategies, 3 SKUs, one run folder."""
    config = ForecastRunConfig.model_validate(
        {
            "name": "release_test",
            "seed": 3,
            "n_workers": 1,
            "data": {
                "features_path": str(tiny_paths.features),
                "target_path": str(tiny_paths.target),
                "mapping_path": str(tiny_paths.mapping_json),
                "split_date": "2020-01-15",
                "horizon": 28,
                "sku_tuples": SKUS,
            },
            "strategy": ["combined", "individual"],
            "models": [
                {
                    "type": "lightgbm_quantile",
                    "quantile_alphas": [0.1, 0.5, 0.9],
                    "n_estimators": 20,
                },
                {"type": "statquant", "quantile_alphas": [0.1, 0.9]},
            ],
            "output_dir": str(tmp_path_factory.mktemp("runs")),
            "report": {"fan_charts": 0},
            "tracking": {"enabled": False},
        }
    )
    return run_forecast(config, progress=False).run_dir


@pytest.fixture(scope="session")
def new_data(tiny_paths: SynthPaths, tmp_path_factory: pytest.TempPathFactory) -> NewData:
    folder = tmp_path_factory.mktemp("new_data")
    keys = pl.DataFrame(SKUS, schema=["productID", "storeID"], orient="row")
    rows = (
        pl.read_ipc(tiny_paths.features)
        .join(pl.read_ipc(tiny_paths.target), on="bdID")
        .join(keys, on=["productID", "storeID"], how="semi")
        .drop("bdID")
    )
    later = rows.filter(pl.col("date") > TEST_END)
    paths = NewData(
        features=folder / "new_features.parquet",
        actuals=folder / "actuals.parquet",
        history=folder / "history.csv",
        test_features=folder / "test_features.parquet",
    )
    later.drop("target").write_parquet(paths.features)
    later.write_parquet(paths.actuals)
    rows.filter(pl.col("date") <= TEST_END).select(
        "productID", "storeID", "date", "target"
    ).write_csv(paths.history)
    rows.filter(pl.col("date").is_between(dt.date(2020, 1, 15), TEST_END)).drop(
        "target"
    ).write_parquet(paths.test_features)
    return paths
