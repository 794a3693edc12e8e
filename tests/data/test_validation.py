"""The shared input checks, one function at a time."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from benchlab.data.validation import (
    check_finite,
    check_id_columns,
    check_regular,
    check_unique,
    format_for_message,
    parse_date_column,
    require_columns,
    require_numeric,
)
from benchlab.errors import InputError

# --------------------------------------------------------------------------------------------
# schema checks
# --------------------------------------------------------------------------------------------


def test_require_columns_on_lazy_frames_schemas_and_names():
    lf = pl.LazyFrame({"bdID": [1], "productID": [2], "date": [dt.date(2020, 1, 1)]})
    with pytest.raises(InputError) as info:
        require_columns(lf, ["bdID", "storeID"], source="f.feather")
    assert str(info.value) == "f.feather: missing column 'storeID' (has: bdID, productID, date)"
    require_columns(lf.collect_schema(), ["bdID"], source="f.feather")
    require_columns(["a", "b"], ["b"], source="x")


def test_require_columns_cuts_long_column_lists():
    names = [f"feature_{i}" for i in range(40)]
    with pytest.raises(InputError, match=r"feature_11, … \(40 in all\)"):
        require_columns(names, ["bdID"], source="f")


def test_require_numeric():
    schema = {"a": pl.Float32, "b": pl.String, "c": pl.Boolean}
    require_numeric(schema, ["a", "c"], source="f", allow_bool=True)
    with pytest.raises(InputError, match=r"f: columns 'b' \(String\), 'c' \(Boolean\) must be"):
        require_numeric(schema, ["a", "b", "c"], source="f")


def test_check_id_columns():
    lf = pl.LazyFrame({"i": [1.0, 2.0], "s": ["a", "b"], "b": [True, False]})
    out = check_id_columns(lf, ["i", "s"], source="f").collect()
    assert out.schema["i"] == pl.Int64
    with pytest.raises(InputError, match="column 'b' must hold integer or string ids"):
        check_id_columns(lf, ["b"], source="f")
    with pytest.raises(InputError, match=r"non-integer values \(2.5, nan\)"):
        check_id_columns(pl.LazyFrame({"i": [1.0, 2.5, float("nan")]}), ["i"], source="f")


# --------------------------------------------------------------------------------------------
# value checks
# --------------------------------------------------------------------------------------------


def test_check_unique_lists_few_examples():
    frame = pl.DataFrame({"bdID": [1, 1, 2, 3, 3, 3] + list(range(10, 20)) * 2})
    with pytest.raises(InputError) as info:
        check_unique(frame, ["bdID"], source="t.feather")
    message = str(info.value)
    assert message.startswith("t.feather: 12 duplicated 'bdID' values (13 extra rows): 1, 3, 10")
    assert message.endswith(", …")
    check_unique(pl.DataFrame({"a": [1, 2]}), ["a"], source="t")


def test_check_finite_counts_kinds():
    frame = pl.DataFrame({"bdID": [4, 17, 90, 5], "target": [float("inf"), None, float("nan"), 1]})
    with pytest.raises(InputError) as info:
        check_finite(frame, "target", source="t.feather", id_column="bdID")
    assert str(info.value) == (
        "t.feather: column 'target' has 3 non-finite values (1 missing, 1 NaN, 1 inf) at "
        "bdID 4, 17, 90"
    )


def test_parse_date_column():
    frame = pl.DataFrame({"d": ["2020-01-02", "2020-01-01"]})
    assert parse_date_column(frame, "d", source="f")["d"].dtype == pl.Date
    frame = pl.DataFrame({"d": ["2020-01-02T10:00:00", "2020-01-01T11:00:00"]})
    assert parse_date_column(frame, "d", source="f")["d"].dtype == pl.Datetime("us")
    frame = pl.DataFrame({"d": ["2020-01-02", "yesterday", "2020-02-30"]})
    with pytest.raises(InputError, match=r"2 values not in ISO date form \('yesterday', '2020"):
        parse_date_column(frame, "d", source="f")
    with pytest.raises(InputError, match="must hold dates"):
        parse_date_column(pl.DataFrame({"d": [1.5]}), "d", source="f")


# --------------------------------------------------------------------------------------------
# regularity
# --------------------------------------------------------------------------------------------


def regular_frame(dates_by_id: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [k for k, v in dates_by_id.items() for _ in v],
            "date": [d for v in dates_by_id.values() for d in v],
        }
    )


def test_check_regular_accepts_series_with_different_spans_and_phases():
    frame = regular_frame(
        {
            "a": [dt.date(2020, 1, d) for d in (6, 13, 20)],
            "b": [dt.date(2020, 1, d) for d in (14, 21)],  # starts later, other weekday
        }
    )
    check_regular(frame, ["id"], "1w", source="f")


def test_check_regular_month_end_and_clamped_months():
    ends = [dt.date(2020, 1, 31), dt.date(2020, 2, 29), dt.date(2020, 3, 31), dt.date(2020, 4, 30)]
    thirtieths = [dt.date(2021, 1, 30), dt.date(2021, 2, 28), dt.date(2021, 3, 30)]
    check_regular(regular_frame({"a": ends, "b": thirtieths}), ["id"], "1mo", source="f")
    feb_start = [dt.date(2021, 2, 28), dt.date(2021, 3, 31), dt.date(2021, 4, 30)]
    check_regular(regular_frame({"a": feb_start}), ["id"], "ME", source="f")


def test_check_regular_reports_off_grid_then_gaps():
    off = regular_frame({"a": [dt.date(2020, 1, 1), dt.date(2020, 2, 1), dt.date(2020, 3, 15)]})
    with pytest.raises(InputError, match=r"starts 2020-01-01 but has 2020-03-15"):
        check_regular(off, ["id"], "MS", source="f")
    gap = regular_frame(
        {"a": [dt.date(2020, 1, 1), dt.date(2020, 7, 1)], "b": [dt.date(2020, 1, 1)]}
    )
    with pytest.raises(InputError) as info:
        check_regular(gap, ["id"], "QS", source="f")
    assert str(info.value) == (
        "f: 1 series has gaps at frequency 1q (1 missing period inside their spans), "
        "e.g. (id='a') misses 2020-04-01"
    )


def test_check_regular_hourly_gap_examples_are_capped():
    start = dt.datetime(2020, 1, 1)
    times = [start, start + dt.timedelta(hours=10)]
    with pytest.raises(InputError, match=r"misses 2020-01-01 01:00:00, .*05:00:00, …$"):
        check_regular(regular_frame({"a": times}), ["id"], "1h", source="f")


def test_format_for_message_quotes_strings_and_writes_dates_in_iso_form():
    assert format_for_message("CA_1") == "'CA_1'"
    assert format_for_message(dt.datetime(2020, 1, 31, 6)) == "2020-01-31 06:00:00"
    assert format_for_message((80558, "CA_1")) == "(80558, 'CA_1')"
    assert format_for_message(2.5) == "2.5"
