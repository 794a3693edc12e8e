"""The transactions schema: the once-only CSV → Parquet step and one-line errors on bad input."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import polars as pl
import pytest

from benchlab.basket.layout import ProjectLayout
from benchlab.basket.schema import (
    COLUMNS,
    check_required,
    iso_week_start,
    read_transactions,
    sequential_weeks,
)
from benchlab.errors import InputError


def _csv_text(root: Path) -> str:
    return ProjectLayout(root).raw_csv.read_text()


def _rewrite_csv(root: Path, old: str, new: str, count: int = 1) -> None:
    path = ProjectLayout(root).raw_csv
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))


def test_sequential_weeks_count_the_calendar() -> None:
    weeks = sequential_weeks([200701, 200652, 200651, 200703], source="t")
    assert dict(weeks.rows()) == {200651: 1, 200652: 2, 200701: 3, 200703: 5}
    # 2004 has an ISO week 53: 200453 → 200501 is one step too
    assert dict(sequential_weeks([200452, 200453, 200501], source="t").rows()) == {
        200452: 1,
        200453: 2,
        200501: 3,
    }


@pytest.mark.parametrize("week", [200653, 200600, 2006071, 20067, 300001])
def test_a_week_that_is_not_yyyyww_is_named(week: int) -> None:
    assert iso_week_start(week) is None
    with pytest.raises(
        InputError, match=rf"t\.parquet: column SHOP_WEEK .*not YYYYWW.*{week} \(7 rows\)"
    ):
        sequential_weeks([200607, week], source="t.parquet", counts=[10, 7])


def test_the_csv_is_converted_once_then_only_the_parquet_is_read(
    basket_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    layout = ProjectLayout(basket_root)
    assert not layout.raw_parquet.exists()
    first = read_transactions(basket_root).collect()
    assert layout.raw_parquet.exists()
    assert first.schema == pl.Schema(COLUMNS)
    assert first.height == len(_csv_text(basket_root).splitlines()) - 1
    # the CSV turned to nonsense (and newer): nothing reads it, a warning says so
    layout.raw_csv.write_text("not,a,transactions,file\n1,2,3,4\n")
    os.utime(layout.raw_csv, (layout.raw_parquet.stat().st_mtime + 10,) * 2)
    with caplog.at_level(logging.WARNING, logger="benchlab"):
        again = read_transactions(layout).collect()
    assert again.equals(first)
    assert "newer" in caplog.text
    layout.raw_csv.unlink()
    assert read_transactions(layout, columns=["BASKET_ID"]).collect().height == first.height


def test_ids_are_64_bit_and_anonymous_customers_empty(basket_root: Path) -> None:
    frame = read_transactions(basket_root).collect()
    assert frame["BASKET_ID"].dtype == pl.Int64
    assert frame["BASKET_ID"].min() > 2**31
    anonymous = frame.filter(pl.col("CUST_CODE").is_null())
    assert anonymous.height > 0
    assert anonymous["CUST_PRICE_SENSITIVITY"].null_count() == anonymous.height


def test_missing_column_is_named(basket_root: Path) -> None:
    _rewrite_csv(basket_root, "BASKET_TYPE,", "")  # header only: the column is gone
    with pytest.raises(InputError, match=r"transactions\.csv: missing column BASKET_TYPE"):
        read_transactions(basket_root)
    assert not ProjectLayout(basket_root).raw_parquet.exists()


def test_unparseable_value_names_column_and_value_and_writes_nothing(basket_root: Path) -> None:
    _rewrite_csv(basket_root, ",994100100000001,", ",99410010000000x,", count=2)
    with pytest.raises(
        InputError, match=r"transactions\.csv: column BASKET_ID .*'99410010000000x' \(2 rows\)"
    ):
        read_transactions(basket_root)
    assert list(ProjectLayout(basket_root).raw_data.glob("*.parquet")) == []


def test_shop_week_text_is_not_yyyyww(basket_root: Path) -> None:
    _rewrite_csv(basket_root, "\n200607,", "\n2006-07,")
    with pytest.raises(InputError, match=r"column SHOP_WEEK .*not YYYYWW.*'2006-07' \(1 rows\)"):
        read_transactions(basket_root)


def test_no_transactions_at_all(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"raw_data: no transactions"):
        read_transactions(tmp_path)


def test_parquet_only_project_is_conformed_or_refused(
    basket_raw_root: Path, tmp_path: Path
) -> None:
    frame = pl.read_csv(ProjectLayout(basket_raw_root).raw_csv, schema_overrides=COLUMNS)
    layout = ProjectLayout(tmp_path)
    layout.raw_data.mkdir()
    frame.with_columns(pl.col("SHOP_WEEK", "QUANTITY").cast(pl.Int64)).write_parquet(
        layout.raw_parquet
    )
    assert read_transactions(layout).collect_schema() == pl.Schema(COLUMNS)
    frame.with_columns(pl.col("SPEND").cast(pl.String)).write_parquet(layout.raw_parquet)
    with pytest.raises(InputError, match=r"transactions\.parquet: column SPEND is String"):
        read_transactions(layout)


def test_required_values_and_ranges(basket_root: Path) -> None:
    frame = read_transactions(basket_root)
    check_required(frame, "t")  # the generated data passes
    no_product = frame.with_columns(
        pl.when(pl.int_range(pl.len()) < 3)
        .then(None)
        .otherwise(pl.col("PROD_CODE"))
        .alias("PROD_CODE")
    )
    with pytest.raises(InputError, match="t: column PROD_CODE has 3 empty values"):
        check_required(no_product, "t")
    late = frame.with_columns(
        pl.when(pl.int_range(pl.len()) < 2)
        .then(25)
        .otherwise(pl.col("SHOP_HOUR"))
        .cast(pl.Int8)
        .alias("SHOP_HOUR")
    )
    with pytest.raises(
        InputError, match=r"t: column SHOP_HOUR has values outside 0–23: 25 \(2 rows\)"
    ):
        check_required(late, "t")
