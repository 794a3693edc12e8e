"""``benchlab augment preprocess``: the filter table on success; each bad input one ``error:``
line naming the file, column or value, exit status 2, no traceback and nothing in --out."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from benchlab.augment.data.olist import OLIST_FILES, write_olist
from benchlab.augment.data.preprocess import PANEL_FILE
from benchlab.augment.data.scaling import SCALERS_FILE
from benchlab.cli import app
from tests.augment.conftest import OLIST_MIN_ACTIVE_DAYS

runner = CliRunner()


def preprocess(raw: Path, out: Path, *extra: str):
    return runner.invoke(app, ["augment", "preprocess", str(raw), "--out", str(out), *extra])


def edit(role: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> Callable[[Path], None]:
    def apply(raw: Path) -> None:
        path = raw / OLIST_FILES[role]
        change(pl.read_csv(path, infer_schema_length=None)).write_csv(path)

    return apply


def bad_timestamp(orders: pl.DataFrame) -> pl.DataFrame:
    column = "order_purchase_timestamp"
    fifth = pl.int_range(pl.len()) == 4
    return orders.with_columns(
        pl.when(fifth).then(pl.lit("31/12/2017 10:00")).otherwise(pl.col(column)).alias(column)
    )


def too_short(raw: Path) -> None:
    write_olist(raw, products=4, days=30, seed=0)


BAD_INPUTS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "missing file": (
        lambda raw: (raw / OLIST_FILES["reviews"]).unlink(),
        ["olist_order_reviews_dataset.csv", "missing Olist file"],
    ),
    "missing column": (
        edit("items", lambda items: items.drop("price")),
        ["olist_order_items_dataset.csv", "'price'"],
    ),
    "unparseable timestamp": (
        edit("orders", bad_timestamp),
        [
            "olist_orders_dataset.csv",
            "'order_purchase_timestamp' has 1 value",
            "'31/12/2017 10:00'",
        ],
    ),
    "review score off the scale": (
        edit("reviews", lambda r: r.with_columns(pl.lit(7).alias("review_score"))),
        ["olist_order_reviews_dataset.csv", "'review_score'", "7"],
    ),
    "panel too short for one window": (
        too_short,
        ["olist_orders_dataset.csv", "too short for one window", "30 history + 7 target days"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_error_line_and_writes_nothing(
    case: str, olist_raw: Path, tmp_path: Path
) -> None:
    damage, expected = BAD_INPUTS[case]
    raw = tmp_path / "raw"
    shutil.copytree(olist_raw, raw)
    damage(raw)
    out = tmp_path / "out"
    result = preprocess(raw, out, "--min-active-days", "1")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expected:
        assert text in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_preprocess_writes_the_panel_and_prints_what_each_filter_dropped(
    olist_raw: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = preprocess(olist_raw, out, "--min-active-days", str(OLIST_MIN_ACTIVE_DAYS))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([PANEL_FILE, SCALERS_FILE])
    for text in ("order_status is 'delivered'", "order_approved_at is set", "products"):
        assert text in result.stdout
    products = pl.read_parquet(out / PANEL_FILE)["product_id"].n_unique()
    assert f"{products} products" in result.stdout
