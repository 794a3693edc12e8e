"""ProjectLayout: seed 003's paths under a project root."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.basket.layout import SPLITS, ProjectLayout


def test_paths_follow_the_seed_layout(tmp_path: Path) -> None:
    layout = ProjectLayout(tmp_path)
    assert layout.raw_csv == tmp_path / "raw_data" / "transactions.csv"
    assert layout.raw_parquet == tmp_path / "raw_data" / "transactions.parquet"
    assert layout.prepared == tmp_path / "data" / "prepared"
    assert layout.tensor_cache == tmp_path / "data" / "prepared" / "tensor_cache"
    assert [layout.samples(s).name for s in SPLITS] == [
        "train_samples.parquet",
        "validation_samples.parquet",
        "test_samples.parquet",
    ]


def test_unknown_split_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'dev'"):
        ProjectLayout(tmp_path).samples("dev")


def test_layout_takes_text_and_is_hashable() -> None:
    assert ProjectLayout("a") == ProjectLayout(Path("a"))
    assert len({ProjectLayout("a"), ProjectLayout("a")}) == 1
