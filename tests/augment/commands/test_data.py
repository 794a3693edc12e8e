"""``benchlab data olist``: the four Olist CSVs, sized by the options."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from benchlab.augment.data.olist import OLIST_FILES
from benchlab.cli import app

runner = CliRunner()


def test_data_olist_writes_the_four_files(tmp_path: Path) -> None:
    args = ["data", "olist", "--out", str(tmp_path), "--products", "7", "--days", "50"]
    result = runner.invoke(app, [*args, "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(OLIST_FILES.values())
    assert pl.read_csv(tmp_path / OLIST_FILES["products"]).height == 7
    for name in OLIST_FILES.values():
        assert name in result.stdout


def test_data_olist_refuses_zero_products(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "olist", "--out", str(tmp_path), "--products", "0"])
    assert result.exit_code == 2
    assert not any(tmp_path.iterdir())
