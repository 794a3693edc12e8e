"""``benchlab data baskets``: a project root with raw_data/transactions.csv."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from benchlab.basket.schema import COLUMNS
from benchlab.cli import app

runner = CliRunner()


def test_data_baskets_writes_the_transactions(tmp_path: Path) -> None:
    args = ["data", "baskets", "--out", str(tmp_path), "--customers", "30", "--products", "40"]
    result = runner.invoke(app, [*args, "--stores", "2", "--weeks", "3", "--seed", "4"])
    assert result.exit_code == 0, result.output
    csv = tmp_path / "raw_data" / "transactions.csv"
    frame = pl.read_csv(csv, schema_overrides=COLUMNS)
    assert frame.columns == list(COLUMNS)
    assert frame["SHOP_WEEK"].unique().sort().to_list() == [200607, 200608, 200609]
    assert frame["STORE_CODE"].n_unique() <= 2 and frame["PROD_CODE"].n_unique() <= 40
    assert f"wrote {frame.height:,} transactions" in result.stdout
    assert "benchlab basket prepare-samples --project-root" in result.stdout


def test_data_baskets_refuses_a_tiny_catalogue(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "baskets", "--out", str(tmp_path), "--products", "5"])
    assert result.exit_code == 2
    assert not any(tmp_path.iterdir())


def test_data_baskets_refuses_an_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["data", "baskets", "--out", str(blocker / "sub"), "--weeks", "1"])
    assert result.exit_code == 2
    assert "error:" in result.output and len(result.output.strip().splitlines()) == 1
