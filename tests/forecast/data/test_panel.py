"""Loading long panels from CSV, Parquet and Feather, and every bad-input message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.data.panel import load_panel

WRITERS = {
    "csv": lambda frame, path: frame.write_csv(path),
    "parquet": lambda frame, path: frame.write_parquet(path),
    "feather": lambda frame, path: frame.write_ipc(path),
}
ONE_ID = {"unique_id": ["FOODS_1", "FOODS_2", "HOBBIES_1"]}
TWO_IDS = {"product_id": [1, 1, 2, 2, 3], "store_id": [10, 20, 10, 20, 10]}


def make_panel(
    ids: dict[str, list], start: dt.date, periods: int, interval: str, *, seed: int = 0
) -> pl.DataFrame:
    """A shuffled long panel: every key of ``ids`` (columns zipped) x ``periods`` dates."""
    dates = pl.DataFrame({"k": np.arange(periods)}).select(
        pl.lit(start).dt.offset_by(pl.format("{}" + interval[1:], pl.col("k"))).alias("ds")
    )
    frame = pl.DataFrame(ids).join(dates, how="cross")
    rng = np.random.default_rng(seed)
    return frame.with_columns(
        pl.Series("y", rng.poisson(5.0, frame.height).astype(np.int64)),
        pl.Series("promo", rng.integers(0, 2, frame.height).astype(np.int8)),
        pl.Series("sell_price", rng.uniform(1, 3, frame.height)),
    ).sample(fraction=1.0, shuffle=True, seed=seed)


def write(frame: pl.DataFrame, folder: Path, kind: str, name: str = "panel") -> Path:
    path = folder / f"{name}.{kind}"
    WRITERS[kind](frame, path)
    return path


def load_one_id(path: Path, **kwargs):
    return load_panel(path, id_columns="unique_id", date_column="ds", target_column="y", **kwargs)


def load_two_ids(path: Path, **kwargs):
    return load_panel(
        path, id_columns=["product_id", "store_id"], date_column="ds", target_column="y", **kwargs
    )


# --------------------------------------------------------------------------------------------
# happy path
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "parquet", "feather"])
def test_daily_panel_with_one_id_column(tmp_path, kind):
    raw = make_panel(ONE_ID, dt.date(2022, 1, 1), 30, "1d")
    data = load_one_id(write(raw, tmp_path, kind), exogenous_columns=["promo"])
    frame = data.frame
    assert frame.columns == ["unique_id", "date", "target", "promo"]
    assert frame.shape == (3 * 30, 4)
    assert frame.schema["date"] == pl.Date
    assert frame.schema["target"] == pl.Float64
    assert frame.schema["promo"] == pl.Float32
    assert data.id_columns == ("unique_id",)
    assert data.freq == "1d" and data.season_length == 7
    assert data.feature_columns == () and data.exogenous_columns == ("promo",)
    assert frame.equals(frame.sort(["unique_id", "date"]))
    expected = raw.sort("unique_id", "ds")["y"].cast(pl.Float64).to_list()
    assert frame["target"].to_list() == expected


@pytest.mark.parametrize("kind", ["csv", "parquet", "feather"])
def test_weekly_panel_with_two_id_columns_and_price(tmp_path, kind):
    raw = make_panel(TWO_IDS, dt.date(2021, 1, 3), 20, "1w")
    data = load_two_ids(write(raw, tmp_path, kind), price_column="sell_price")
    frame = data.frame
    assert frame.columns == ["product_id", "store_id", "date", "target", "price"]
    assert data.freq == "1w" and data.season_length == 52
    assert data.has_price and not data.has_oracle
    assert data.n_series == 5 and frame.height == 5 * 20
    assert frame.schema["product_id"] == pl.Int64
    assert frame.equals(frame.sort(["product_id", "store_id", "date"]))


@pytest.mark.parametrize("kind", ["csv", "parquet", "feather"])
def test_monthly_panel_month_start_and_month_end(tmp_path, kind):
    starts = make_panel(ONE_ID, dt.date(2019, 1, 1), 24, "1mo")
    data = load_one_id(write(starts, tmp_path, kind, "starts"))
    assert data.freq == "1mo" and data.season_length == 12
    ends = starts.with_columns(pl.col("ds").dt.month_end())
    data = load_one_id(write(ends, tmp_path, kind, "ends"), freq="ME")
    assert data.freq == "1mo" and data.frame.height == 3 * 24


def test_quarterly_panel_with_day_31_anchor(tmp_path):
    raw = make_panel(ONE_ID, dt.date(2019, 1, 31), 8, "1q")
    data = load_one_id(write(raw, tmp_path, "parquet"))
    assert data.freq == "1q" and data.season_length == 4


def test_hourly_datetime_panel(tmp_path):
    start = dt.datetime(2023, 5, 1, 0, 0)
    times = pl.datetime_range(start, start + dt.timedelta(hours=47), "1h", eager=True)
    raw = pl.DataFrame({"unique_id": ["a"] * 48, "ds": times, "y": np.arange(48.0)})
    data = load_one_id(write(raw, tmp_path, "feather"))
    assert data.freq == "1h" and data.season_length == 24
    assert isinstance(data.frame.schema["date"], pl.Datetime)


def test_csv_datetime_strings(tmp_path):
    raw = pl.DataFrame(
        {
            "unique_id": ["a"] * 3,
            "ds": ["2023-05-01 00:00:00", "2023-05-01 01:00:00", "2023-05-01 02:00:00"],
            "y": [1.0, 2.0, 3.0],
        }
    )
    data = load_one_id(write(raw, tmp_path, "csv"))
    assert isinstance(data.frame.schema["date"], pl.Datetime) and data.freq == "1h"


def test_sku_filter_with_scalars_and_tuples(tmp_path):
    raw = make_panel(ONE_ID, dt.date(2022, 1, 1), 10, "1d")
    data = load_one_id(write(raw, tmp_path, "parquet"), sku_tuples=["HOBBIES_1", ("FOODS_1",)])
    assert data.sku_tuples() == [("FOODS_1",), ("HOBBIES_1",)]
    raw = make_panel(TWO_IDS, dt.date(2022, 1, 1), 10, "1d")
    data = load_two_ids(write(raw, tmp_path, "csv"), sku_tuples=[(2, 20), [1, 10]])
    assert data.sku_tuples() == [(1, 10), (2, 20)] and data.frame.height == 20


def test_date_and_target_already_named(tmp_path):
    raw = make_panel(ONE_ID, dt.date(2022, 1, 1), 10, "1d").rename({"ds": "date", "y": "target"})
    data = load_panel(
        write(raw, tmp_path, "parquet"),
        id_columns=("unique_id",),
        date_column="date",
        target_column="target",
        freq="D",
    )
    assert data.frame.columns == ["unique_id", "date", "target"]


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


def panel_error(path: Path, loader=load_one_id, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        loader(path, **kwargs)
    return str(info.value)


def daily(**kwargs) -> pl.DataFrame:
    return make_panel(ONE_ID, dt.date(2022, 1, 1), 10, "1d", **kwargs)


def test_unknown_extension(tmp_path):
    path = tmp_path / "panel.xlsx"
    path.write_bytes(b"")
    message = panel_error(path)
    assert message.startswith("panel.xlsx: unknown table format '.xlsx'")


def test_missing_file(tmp_path):
    assert panel_error(tmp_path / "absent.csv").startswith("absent.csv: file not found")


def test_missing_columns(tmp_path):
    path = write(daily().drop("y"), tmp_path, "parquet")
    message = panel_error(path, exogenous_columns=["holiday"])
    assert message.startswith("panel.parquet: missing columns 'y', 'holiday' (has: unique_id, ds")


def test_non_numeric_target(tmp_path):
    path = write(daily().with_columns(pl.col("y").cast(pl.String)), tmp_path, "parquet")
    assert "panel.parquet: column 'y' (String) must be numeric" in panel_error(path)


def test_non_numeric_exogenous(tmp_path):
    raw = daily().with_columns(pl.lit("yes").alias("holiday"))
    message = panel_error(write(raw, tmp_path, "feather"), exogenous_columns=["holiday"])
    assert "panel.feather: column 'holiday' (String) must be numeric" in message


def test_csv_with_non_numeric_target_cell(tmp_path):
    text = "unique_id,ds,y\na,2022-01-01,1\na,2022-01-02,lots\na,2022-01-03,3\n"
    (tmp_path / "panel.csv").write_text(text)
    assert "column 'y' (String) must be numeric" in panel_error(tmp_path / "panel.csv")


def test_unparsable_dates(tmp_path):
    raw = daily().with_columns(pl.col("ds").dt.strftime("%Y-%m-%d"))
    raw = raw.with_columns(
        pl.when(pl.col("ds") == "2022-01-05").then(pl.lit("5 Jan 2022")).otherwise("ds").alias("ds")
    )
    message = panel_error(write(raw, tmp_path, "csv"))
    assert "panel.csv: column 'ds' has 3 values not in ISO date form ('5 Jan 2022')" in message


def test_duplicate_rows(tmp_path):
    raw = make_panel(TWO_IDS, dt.date(2022, 1, 1), 10, "1d")
    dup = raw.filter((pl.col("product_id") == 2) & (pl.col("ds") == dt.date(2022, 1, 4)))
    message = panel_error(write(pl.concat([raw, dup]), tmp_path, "parquet"), load_two_ids)
    assert "panel.parquet: 2 duplicated (product_id, store_id, ds) keys (2 extra rows)" in message
    assert "(2, 10, 2022-01-04), (2, 20, 2022-01-04)" in message


def test_non_finite_target(tmp_path):
    raw = daily().with_columns(pl.col("y").cast(pl.Float64))
    raw = raw.with_columns(
        pl.when((pl.col("unique_id") == "FOODS_2") & (pl.col("ds") == dt.date(2022, 1, 3)))
        .then(None)
        .when((pl.col("unique_id") == "FOODS_1") & (pl.col("ds") == dt.date(2022, 1, 7)))
        .then(float("nan"))
        .otherwise("y")
        .alias("y")
    )
    message = panel_error(write(raw, tmp_path, "parquet"))
    assert "panel.parquet: column 'y' has 2 non-finite values (1 missing, 1 NaN)" in message
    assert "('FOODS_1', 2022-01-07), ('FOODS_2', 2022-01-03)" in message


def test_gaps_name_the_series_and_missing_dates(tmp_path):
    raw = make_panel(TWO_IDS, dt.date(2022, 1, 2), 12, "1w")
    holed = raw.filter(
        ~(
            (pl.col("product_id") == 3)
            & pl.col("ds").is_in([dt.date(2022, 1, 16), dt.date(2022, 1, 23)])
        )
    )
    message = panel_error(write(holed, tmp_path, "parquet"), load_two_ids)
    assert "panel.parquet: 1 series has gaps at frequency 1w (2 missing periods" in message
    assert "(product_id=3, store_id=10) misses 2022-01-16, 2022-01-23" in message


def test_monthly_gap(tmp_path):
    raw = make_panel(ONE_ID, dt.date(2020, 1, 1), 12, "1mo").with_columns(
        pl.col("ds").dt.month_end()
    )
    holed = raw.filter(~((pl.col("unique_id") == "FOODS_2") & (pl.col("ds").dt.month() == 2)))
    message = panel_error(write(holed, tmp_path, "csv"), freq="M")
    assert "(unique_id='FOODS_2') misses 2020-02-29" in message


def test_irregular_timestamps(tmp_path):
    raw = make_panel(ONE_ID, dt.date(2022, 1, 3), 10, "1w")
    shifted = raw.with_columns(
        pl.when((pl.col("unique_id") == "FOODS_1") & (pl.col("ds") == dt.date(2022, 1, 17)))
        .then(pl.lit(dt.date(2022, 1, 18)))
        .otherwise("ds")
        .alias("ds")
    )
    message = panel_error(write(shifted, tmp_path, "parquet"), freq="W-MON")
    assert "panel.parquet: column 'ds' has 1 value off the 1w grid" in message
    assert "(unique_id='FOODS_1') starts 2022-01-03 but has 2022-01-18" in message


def test_hourly_freq_on_dates(tmp_path):
    message = panel_error(write(daily(), tmp_path, "parquet"), freq="H")
    assert "frequency 1h needs datetimes, but column 'ds' holds dates" in message


def test_uninferable_frequency(tmp_path):
    raw = make_panel(ONE_ID, dt.date(2022, 1, 1), 6, "1d").filter(pl.col("ds").dt.day() % 3 == 1)
    message = panel_error(write(raw, tmp_path, "parquet"))
    assert "panel.parquet: cannot infer the frequency" in message and "is 3 days" in message


def test_unknown_sku_tuples(tmp_path):
    path = write(make_panel(TWO_IDS, dt.date(2022, 1, 1), 5, "1d"), tmp_path, "feather")
    message = panel_error(path, load_two_ids, sku_tuples=[(1, 10), (9, 99)])
    assert (
        "panel.feather: 1 unknown SKU tuple(s) requested, not in the data: "
        "(product_id, store_id) (9, 99)" in message
    )
    assert "the data has 5 series, e.g. (product_id, store_id) (1, 10), (1, 20)" in message
    message = panel_error(write(daily(), tmp_path, "csv"), sku_tuples=["NOPE"])
    assert "panel.csv: 1 unknown SKU id(s) requested, not in the data: unique_id 'NOPE'" in message


def test_empty_selection_and_empty_file(tmp_path):
    assert "empty SKU selection" in panel_error(write(daily(), tmp_path, "csv"), sku_tuples=[])
    message = panel_error(write(daily().clear(), tmp_path, "parquet"))
    assert message == "panel.parquet: the file has no rows"


def test_column_roles_clash(tmp_path):
    raw = daily().with_columns(pl.lit(1.0).alias("target"))
    message = panel_error(write(raw, tmp_path, "parquet"), exogenous_columns=["target"])
    assert "column(s) 'target' would appear twice" in message
    message = panel_error(write(raw, tmp_path, "parquet"), exogenous_columns=["y"])
    assert "column(s) 'y' named more than once" in message


def test_corrupted_parquet(tmp_path):
    (tmp_path / "panel.parquet").write_bytes(b"PAR1 this is not parquet")
    assert panel_error(tmp_path / "panel.parquet").startswith("panel.parquet: cannot read")
