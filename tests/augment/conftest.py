"""Shared augment fixtures: a small Olist-shaped raw folder and its preprocessed panel, built once
per test session (20 products × 120 days)."""

from __future__ import annotations

from pathlib import Path

import pytest

OLIST_PRODUCTS = 20
OLIST_DAYS = 120
OLIST_MIN_ACTIVE_DAYS = 10


@pytest.fixture(scope="session")
def olist_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the four Olist CSVs from ``write_olist`` (small, seeded)."""
    from benchlab.augment.data.olist import write_olist

    raw = tmp_path_factory.mktemp("olist_raw")
    write_olist(raw, products=OLIST_PRODUCTS, days=OLIST_DAYS, seed=0)
    return raw


@pytest.fixture(scope="session")
def olist_processed(olist_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The processed folder (``product_daily_panel.parquet`` + ``scalers.json``) of ``olist_raw``;
    use it as ``AugmentDataConfig(processed_dir=...)``."""
    from benchlab.augment.data.preprocess import preprocess_olist

    out = tmp_path_factory.mktemp("olist_processed")
    preprocess_olist(olist_raw, out, min_active_days=OLIST_MIN_ACTIVE_DAYS)
    return out


@pytest.fixture(scope="session")
def quick_gan_run(olist_processed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny quick-mode GAN run (1 epoch) on ``olist_processed``, shared by the tests that
    only read it (generation, evaluation, the commands); copy it before changing it."""
    from .gan_run import train_tiny_gan

    out = tmp_path_factory.mktemp("gan_runs")
    return train_tiny_gan(
        olist_processed, out, quick_run={"enabled": True, "max_epochs": 1}
    ).run_dir
