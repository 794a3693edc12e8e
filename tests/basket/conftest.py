"""Shared basket fixtures: one tiny generated project (150 customers, 60 products, 3 stores,
20 weeks, seed 0), built once per session.

- ``basket_raw_root``: ``raw_data/transactions.csv`` only. Read-only: run stages on
  ``basket_root`` (a copy) instead.
- ``basket_root``: a writable copy of it per test.
- ``basket_prepared_root``: stage 1 and stage 2 done (read-only).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TINY = {"customers": 150, "products": 60, "stores": 3, "weeks": 20, "seed": 0}


@pytest.fixture(scope="session")
def basket_raw_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root holding the tiny generated ``raw_data/transactions.csv``."""
    from benchlab.basket.synthetic import write_transactions

    root = tmp_path_factory.mktemp("basket_raw")
    write_transactions(root, **TINY)
    return root


@pytest.fixture()
def basket_root(basket_raw_root: Path, tmp_path: Path) -> Path:
    """A writable copy of ``basket_raw_root`` (CSV only, nothing prepared)."""
    root = tmp_path / "basket"
    shutil.copytree(basket_raw_root, root)
    return root


@pytest.fixture(scope="session")
def basket_prepared_root(basket_raw_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny project with stage 1 (samples) and stage 2 (tensor cache) done; read-only."""
    from benchlab.basket.cache import prepare_tensor_cache
    from benchlab.basket.samples import enhance_temporal_metadata

    root = tmp_path_factory.mktemp("basket_prepared") / "project"
    shutil.copytree(basket_raw_root, root)
    enhance_temporal_metadata(root)
    prepare_tensor_cache(root)
    return root
