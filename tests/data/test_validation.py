"""The shared checks and the frequency helpers, one function at a time."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from benchlab.data.frequency import (
    date_grid,
    infer_freq,
    infer_panel_freq,
    parse_freq,
    season_length,
)
from benchlab.data.validation import (
    check_finite,
    check_id_columns,
    check_regular,
    check_sku_tuples,
    check_unique,
    normalise_sku_tuples,
    parse_date_column,
    require_columns,
    require_numeric,
    sku_filter,
)
from benchlab.errors import InputError

# --------------------------------------------------------------------------------------------
# frequency
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("D", "1d"),
        ("1D", "1d"),
        ("daily", "1d"),
        ("W", "1w"),
        ("W-SUN", "1w"),
        ("W-MON", "1w"),
        ("MS", "1mo"),
        ("M", "1mo"),
        ("ME", "1mo"),
        ("Q", "1q"),
        ("QS", "1q"),
        ("Q-DEC", "1q"),
        ("H", "1h"),
        ("h", "1h"),
        ("Y", "1y"),
        ("1d", "1d"),
        ("1w", "1w"),
        ("1mo", "1mo"),
        ("1q", "1q"),
        ("1h", "1h"),
        ("Monthly", "1mo"),
    ],
)
def test_parse_freq(alias, expected):
    assert parse_freq(alias) == expected


@pytest.mark.parametrize("bad", ["fortnightly", "2w", "B", "1m", "", None, 7])
def test_parse_freq_refuses_unknown(bad):
    with pytest.raises(InputError, match="frequency"):
        parse_freq(bad)


def test_season_length():
    assert [season_length(f) for f in ("1d", "1w", "1mo", "1q", "1h", "1y", "W-SUN")] == [
        7,
        52,
        12,
        4,
        24,
        1,
        52,
    ]


@pytest.mark.parametrize(
    ("interval", "expected"), [("1d", "1d"), ("1w", "1w"), ("1mo", "1mo"), ("1q", "1q")]
)
def test_infer_freq_from_dates(interval, expected):
    dates = pl.date_range(dt.date(2019, 1, 31), dt.date(2022, 12, 31), interval, eager=True)
    assert infer_freq(dates.sample(fraction=1.0, shuffle=True, seed=1)) == expected


def test_infer_freq_hourly_and_errors():
    start = dt.datetime(2020, 1, 1)
    hours = pl.datetime_range(start, start + dt.timedelta(hours=30), "1h", eager=True)
    assert infer_freq(hours) == "1h"
    with pytest.raises(InputError, match="fewer than two dates"):
        infer_freq(pl.Series([dt.date(2020, 1, 1)] * 3))
    with pytest.raises(InputError, match="is 2 days"):
        infer_freq(pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 1, 9), "2d", eager=True))
    with pytest.raises(InputError, match="need dates"):
        infer_freq(pl.Series([1, 2, 3]))


def test_infer_panel_freq_within_series():
    frame = pl.DataFrame(
        {
            "id": ["a", "a", "a", "b", "b", "b"],
            "date": [dt.date(2020, 1, d) for d in (6, 13, 20, 7, 14, 21)],  # Mon vs Tue weeks
        }
    )
    assert infer_freq(frame["date"]) == "1d"  # all dates pooled look daily
    assert infer_panel_freq(frame, ["id"]) == "1w"


def test_date_grid():
    grid = date_grid(dt.date(2020, 1, 31), dt.date(2020, 4, 30), "ME")
    assert grid.to_list() == [dt.date(2020, m, d) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30))]
    hours = date_grid(dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1, 3), "H")
    assert hours.len() == 4 and hours.dtype == pl.Datetime("us")
    with pytest.raises(InputError, match="hourly frequency needs datetime"):
        date_grid(dt.date(2020, 1, 1), dt.date(2020, 1, 2), "1h")


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
# SKU tuples
# --------------------------------------------------------------------------------------------


def test_normalise_sku_tuples_casts_and_dedupes():
    schema = {"p": pl.Int32, "s": pl.Int64}
    out = normalise_sku_tuples([(1, 2), [1, 2], (3, 4)], ["p", "s"], schema, source="f")
    assert out.rows() == [(1, 2), (3, 4)] and out.schema["p"] == pl.Int32
    text = normalise_sku_tuples([("3", "4")], ["p", "s"], schema, source="f")
    assert text.rows() == [(3, 4)]
    with pytest.raises(InputError, match=r"mix value types for column 'p' \(1, '3'\)"):
        normalise_sku_tuples([(1, 2), ("3", 4)], ["p", "s"], schema, source="f")
    single = normalise_sku_tuples(["a", ("b",)], ["u"], {"u": pl.String}, source="f")
    assert single.rows() == [("a",), ("b",)]
    with pytest.raises(InputError, match="empty SKU selection"):
        normalise_sku_tuples([], ["p"], schema, source="f")
    with pytest.raises(InputError, match="sku_tuples must be a list"):
        normalise_sku_tuples("abc", ["p"], schema, source="f")
    with pytest.raises(InputError, match=r"value\(s\) 'x' do not fit column 'p' \(Int32\)"):
        normalise_sku_tuples([("x", 1)], ["p", "s"], schema, source="f")


def test_sku_filter_matches_exact_tuples_only():
    frame = pl.DataFrame({"p": [1, 1, 2, 2], "s": [1, 2, 1, 2], "v": [0, 1, 2, 3]})
    requested = pl.DataFrame({"p": [1, 2], "s": [2, 1]})
    assert frame.filter(sku_filter(requested))["v"].to_list() == [1, 2]


def test_check_sku_tuples_names_missing_and_examples():
    available = pl.LazyFrame({"p": [1, 1, 2], "s": [1, 2, 1], "x": [0, 0, 0]})
    check_sku_tuples(available, pl.DataFrame({"p": [1], "s": [2]}), source="f")
    with pytest.raises(InputError) as info:
        check_sku_tuples(available, pl.DataFrame({"p": [1, 7], "s": [2, 7]}), source="f")
    assert str(info.value) == (
        "f: 1 unknown SKU tuple(s) requested, not in the data: (p, s) (7, 7); the data has 3 "
        "series, e.g. (p, s) (1, 1), (1, 2), (2, 1)"
    )


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
