"""Shared fixtures: the tiny synthetic data set, generated once per test session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab import tasks
from benchlab.forecast.config import DataConfig
from benchlab.forecast.data.synthetic import SynthPaths, generate_synthetic

TINY_SPLIT = dt.date(2020, 3, 1)

# the released run and its new data, shared by the engine and forecast release tests
pytest_plugins = ("tests.forecast.release.fixtures",)


@pytest.fixture(scope="session")
def tiny_paths(tmp_path_factory: pytest.TempPathFactory) -> SynthPaths:
    """The ``tiny`` generator output (10 SKUs × 2 years, last date 2020-03-28)."""
    return generate_synthetic("tiny", seed=7, out_dir=tmp_path_factory.mktemp("tiny"))


@pytest.fixture()
def tiny_data_config(tiny_paths: SynthPaths) -> DataConfig:
    return DataConfig(
        features_path=tiny_paths.features,
        target_path=tiny_paths.target,
        mapping_path=tiny_paths.mapping_json,
        split_date=TINY_SPLIT,
        horizon=28,
    )


@pytest.fixture(scope="session")
def tiny_panel(tiny_paths: SynthPaths, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same sales as a long panel (product_id, store_id, date, sales, price) in Parquet."""
    features = pl.read_ipc(tiny_paths.features, columns=["bdID", "productID", "storeID", "date"])
    target = pl.read_ipc(tiny_paths.target)
    panel = features.join(target, on="bdID").select(
        pl.col("productID").alias("product_id"),
        pl.col("storeID").alias("store_id"),
        "date",
        pl.col("target").alias("sales"),
    )
    path = tmp_path_factory.mktemp("panel") / "tiny_panel.parquet"
    panel.write_parquet(path)
    return path


def weekly_panel(n_series: int = 4, n_weeks: int = 120, seed: int = 0) -> pl.DataFrame:
    """A small weekly panel with a yearly pattern, one id column ``unique_id``."""
    rng = np.random.default_rng(seed)
    start = dt.date(2018, 1, 7)
    frames = []
    for i in range(n_series):
        t = np.arange(n_weeks)
        level = 20 + 5 * i + 6 * np.sin(2 * np.pi * t / 52)
        frames.append(
            pl.DataFrame(
                {
                    "unique_id": f"item_{i}",
                    "week": [start + dt.timedelta(weeks=int(k)) for k in t],
                    "units": rng.poisson(level).astype(float),
                }
            )
        )
    return pl.concat(frames)


@pytest.fixture()
def register_task(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    """``register_task(name, "module:TASK")`` adds an entry point beside the real ones, as a
    package declaring a task would; the task registry is rebuilt around the test."""
    real = list(tasks.entry_points(group=tasks.ENTRY_POINT_GROUP))
    added: list[EntryPoint] = []
    monkeypatch.setattr(tasks, "entry_points", lambda *, group: [*real, *added])
    tasks._discovered.cache_clear()

    def register(name: str, value: str) -> None:
        added.append(EntryPoint(name=name, value=value, group=tasks.ENTRY_POINT_GROUP))

    yield register
    tasks._discovered.cache_clear()
