"""Input checks for any task's tables, vectorised over Polars frames.

Every check raises :class:`~benchlab.errors.InputError` with one message that names the file
(``source``), the column and at most a few offending values, e.g.
``train_data_target.feather: column 'target' has 3 non-finite values (bdID 4, 17, 90)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from benchlab.data.frequency import (
    CALENDAR_STEP_MONTHS,
    FIXED_STEP_US,
    HOURLY,
    parse_freq,
)
from benchlab.errors import InputError

#: How many offending values a message shows.
MAX_EXAMPLES = 5

FrameLike = pl.DataFrame | pl.LazyFrame | pl.Schema | Mapping[str, Any] | Sequence[str]


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------


def source_name(path: str | Path) -> str:
    """How messages name a file: its base name."""
    return Path(path).name


def format_for_message(value: Any) -> str:
    """One value as an error message shows it: strings quoted, dates in ISO form.

    >>> [format_for_message(v) for v in ("CA_1", dt.date(2020, 1, 31), (1, "a"))]
    ["'CA_1'", '2020-01-31', "(1, 'a')"]
    """
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "(" + ", ".join(format_for_message(v) for v in value) + ")"
    return str(value)


def format_values(values: Iterable[Any], total: int | None = None) -> str:
    """At most :data:`MAX_EXAMPLES` values, comma-separated, with '…' when there are more."""
    values = list(values)
    shown = ", ".join(format_for_message(v) for v in values[:MAX_EXAMPLES])
    total = len(values) if total is None else total
    return shown + (", …" if total > MAX_EXAMPLES else "")


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``1 value``, ``3 values``."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"


def format_columns(columns: Iterable[str], limit: int = 12) -> str:
    """Column names for a message, cut after ``limit`` names."""
    names = list(columns)
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def describe_rows(frame: pl.DataFrame, columns: Sequence[str], total: int | None = None) -> str:
    """``bdID 4, 17, 90`` for one column, ``(product_id, store_id) (1, 2), (3, 4)`` for several.

    Shows the smallest keys, so messages do not depend on row order.
    """
    columns = list(columns)
    head = frame.select(columns).bottom_k(MAX_EXAMPLES + 1, by=columns).sort(columns)
    total = frame.height if total is None else total
    if len(columns) == 1:
        return f"{columns[0]} {format_values(head.to_series().to_list(), total)}"
    rows = [tuple(row) for row in head.iter_rows()]
    return f"({', '.join(columns)}) {format_values(rows, total)}"


def _key_text(columns: Sequence[str], values: Sequence[Any]) -> str:
    """``(product_id=1, store_id=2)``."""
    pairs = ", ".join(f"{c}={format_for_message(v)}" for c, v in zip(columns, values, strict=True))
    return f"({pairs})"


# --------------------------------------------------------------------------------------------
# schema checks
# --------------------------------------------------------------------------------------------


def schema_of(frame_or_schema: FrameLike) -> dict[str, pl.DataType | None]:
    """Column name → dtype (None where only names are known), in column order."""
    if isinstance(frame_or_schema, pl.LazyFrame):
        return dict(frame_or_schema.collect_schema())
    if isinstance(frame_or_schema, pl.DataFrame):
        return dict(frame_or_schema.schema)
    if isinstance(frame_or_schema, Mapping):
        return dict(frame_or_schema)
    return {name: None for name in frame_or_schema}


def require_columns(frame_or_schema: FrameLike, columns: Iterable[str], *, source: str) -> None:
    """Raise when any of ``columns`` is absent, listing the columns that are there."""
    schema = schema_of(frame_or_schema)
    missing = [c for c in dict.fromkeys(columns) if c not in schema]
    if not missing:
        return
    label = "column" if len(missing) == 1 else "columns"
    names = ", ".join(repr(c) for c in missing)
    raise InputError(f"{source}: missing {label} {names} (has: {format_columns(schema)})")


def require_numeric(
    frame_or_schema: FrameLike, columns: Iterable[str], *, source: str, allow_bool: bool = False
) -> None:
    """Raise when any of ``columns`` is not a numeric (or, if allowed, boolean) column."""
    schema = schema_of(frame_or_schema)
    bad = [
        c
        for c in columns
        if not (
            schema[c] is not None
            and (schema[c].is_numeric() or (allow_bool and schema[c] == pl.Boolean))
        )
    ]
    if bad:
        detail = ", ".join(f"'{c}' ({schema[c]})" for c in bad[:MAX_EXAMPLES])
        more = f" and {len(bad) - MAX_EXAMPLES} more" if len(bad) > MAX_EXAMPLES else ""
        label = "column" if len(bad) == 1 else "columns"
        raise InputError(f"{source}: {label} {detail}{more} must be numeric")


def require_dates(frame_or_schema: FrameLike, column: str, *, source: str) -> None:
    """Raise unless ``column`` holds Date, Datetime or strings (parsed later)."""
    dtype = schema_of(frame_or_schema)[column]
    if dtype == pl.Date or isinstance(dtype, pl.Datetime) or dtype == pl.String:
        return
    raise InputError(
        f"{source}: column '{column}' must hold dates (Date, Datetime or ISO date strings), "
        f"found {dtype}"
    )


def check_id_columns(lf: pl.LazyFrame, columns: Sequence[str], *, source: str) -> pl.LazyFrame:
    """Check id columns are integers or strings; float ids holding whole numbers become Int64.

    A float id column is validated by collecting that one column (a rare, slow path).
    """
    schema = lf.collect_schema()
    casts = []
    for column in columns:
        dtype = schema[column]
        if dtype.is_integer() or dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            continue
        if dtype.is_float():
            col = pl.col(column)
            bad = (
                lf.select(col)
                .filter(col.is_not_null() & (~col.is_finite() | (col.round(0) != col)))
                .unique(maintain_order=True)
                .head(MAX_EXAMPLES + 1)
                .collect()
                .to_series()
                .to_list()
            )
            if bad:
                raise InputError(
                    f"{source}: column '{column}' must hold integer ids; found {dtype} with "
                    f"non-integer values ({format_values(bad)})"
                )
            casts.append(col.cast(pl.Int64))
            continue
        raise InputError(
            f"{source}: column '{column}' must hold integer or string ids, found {dtype}"
        )
    return lf.with_columns(casts) if casts else lf


# --------------------------------------------------------------------------------------------
# value checks
# --------------------------------------------------------------------------------------------


def check_not_empty(frame: pl.DataFrame, *, source: str, what: str = "the selection") -> None:
    """Raise when ``frame`` has no rows."""
    if frame.height == 0:
        raise InputError(f"{source}: {what} has no rows")


def check_not_null(
    frame: pl.DataFrame, columns: Iterable[str], *, source: str, id_column: str | Sequence[str]
) -> None:
    """Raise when any of ``columns`` has missing (null) values, naming rows by ``id_column``."""
    ids = [id_column] if isinstance(id_column, str) else list(id_column)
    for column in columns:
        nulls = frame.filter(pl.col(column).is_null())
        if nulls.height:
            rows = describe_rows(nulls, [c for c in ids if c != column] or ids)
            raise InputError(
                f"{source}: column '{column}' has {plural(nulls.height, 'missing value')} ({rows})"
            )


def check_unique(frame: pl.DataFrame | pl.LazyFrame, keys: Sequence[str], *, source: str) -> None:
    """Raise when two rows share the same ``keys``, listing a few duplicated keys."""
    keys = list(keys)
    if isinstance(frame, pl.DataFrame) and is_sorted_by(frame, keys):
        # fast path for sorted frames: a duplicate equals the row before it
        repeated = pl.all_horizontal(pl.col(k) == pl.col(k).shift() for k in keys)
        if not frame.select(repeated.fill_null(False).any()).item():
            return
    elif (
        isinstance(frame, pl.DataFrame)
        and len(keys) == 1
        and frame[keys[0]].n_unique() == frame.height
    ):
        return
    dups = (
        frame.lazy()
        .group_by(keys)
        .agg(pl.len().alias("__n"))
        .filter(pl.col("__n") > 1)
        .sort(keys)
        .collect()
    )
    if dups.height == 0:
        return
    extra = int(dups["__n"].sum()) - dups.height
    rows = dups.select(keys).head(MAX_EXAMPLES + 1)
    if len(keys) == 1:
        what, values = f"'{keys[0]}' values", rows.to_series().to_list()
    else:
        what, values = f"({', '.join(keys)}) keys", [tuple(r) for r in rows.iter_rows()]
    raise InputError(
        f"{source}: {dups.height} duplicated {what} ({plural(extra, 'extra row')}): "
        f"{format_values(values, dups.height)}"
    )


def is_sorted_by(frame: pl.DataFrame, columns: Sequence[str]) -> bool:
    """Whether ``frame`` is sorted ascending by ``columns`` (lexicographically), in one pass."""
    order = None
    for column in reversed(list(columns)):
        col, prev = pl.col(column), pl.col(column).shift()
        order = (col >= prev) if order is None else (col > prev) | ((col == prev) & order)
    if order is None or frame.height < 2:
        return True
    return bool(frame.select(order.fill_null(True).all()).item())


def check_finite(
    frame: pl.DataFrame, column: str, *, source: str, id_column: str | Sequence[str]
) -> None:
    """Raise when ``column`` has NaN, infinite or missing values, naming rows by ``id_column``."""
    values = pl.col(column)
    bad = frame.filter(~values.is_finite().fill_null(False))
    if bad.height == 0:
        return
    ids = [id_column] if isinstance(id_column, str) else list(id_column)
    kinds = bad.select(
        values.is_null().sum().alias("missing"),
        values.is_nan().sum().alias("NaN"),
        values.is_infinite().sum().alias("inf"),
    ).row(0, named=True)
    kind_text = ", ".join(f"{n} {k}" for k, n in kinds.items() if n)
    raise InputError(
        f"{source}: column '{column}' has {plural(bad.height, 'non-finite value')} "
        f"({kind_text}) at {describe_rows(bad, ids)}"
    )


def parse_date_column(frame: pl.DataFrame, column: str, *, source: str) -> pl.DataFrame:
    """Return ``frame`` with a string ``column`` parsed as ISO dates (or datetimes).

    Date and Datetime columns pass unchanged; strings like ``2020-01-31`` become ``pl.Date``,
    strings with a time part ``pl.Datetime``. Unparsable strings raise, with examples.
    """
    dtype = frame.schema[column]
    if dtype != pl.String:
        require_dates(frame, column, source=source)
        return frame
    text = pl.col(column)
    as_date = frame.select(text.str.to_date("%Y-%m-%d", strict=False)).to_series()
    failed = frame[column].is_not_null() & as_date.is_null()
    if not failed.any():
        return frame.with_columns(as_date.alias(column))
    as_datetime = frame.select(text.str.to_datetime(strict=False)).to_series()
    failed = frame[column].is_not_null() & as_datetime.is_null()
    if not failed.any():
        return frame.with_columns(as_datetime.alias(column))
    bad = frame[column].filter(failed).unique(maintain_order=True)
    raise InputError(
        f"{source}: column '{column}' has {plural(int(failed.sum()), 'value')} not in ISO date "
        f"form ({format_values(bad.head(MAX_EXAMPLES + 1).to_list(), bad.len())})"
    )


# --------------------------------------------------------------------------------------------
# regularity: off-grid dates and gaps
# --------------------------------------------------------------------------------------------


def _grid_position(
    date: str, ids: list[str], interval: str, dtype: pl.DataType
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(position of each date in its series' grid, is on the grid, series is month-end based)."""
    d = pl.col(date)
    if interval in FIXED_STEP_US:
        t = (d.cast(pl.Datetime("us")) if dtype == pl.Date else d).dt.epoch("us")
        offset = t - t.min().over(ids)
        step = FIXED_STEP_US[interval]
        return offset // step, (offset % step) == 0, pl.lit(False)
    months = d.dt.year().cast(pl.Int64) * 12 + d.dt.month().cast(pl.Int64)
    offset = months - months.min().over(ids)
    step = CALENDAR_STEP_MONTHS[interval]
    day_part = d.dt.date() if isinstance(dtype, pl.Datetime) else d
    is_month_end = day_part.dt.month_end() == day_part
    all_month_end = is_month_end.all().over(ids)
    day = d.dt.day()
    anchor = d.min().over(ids).dt.day()
    day_ok = all_month_end | (day == anchor) | (is_month_end & (day < anchor))
    if isinstance(dtype, pl.Datetime):
        day_ok = day_ok & (d.dt.time() == d.min().over(ids).dt.time())
    return offset // step, ((offset % step) == 0) & day_ok, all_month_end


def _dates_at(start: Any, positions: Sequence[int], interval: str, month_end: bool) -> list[Any]:
    """The grid dates at ``positions`` of a series that starts at ``start``."""
    frame = pl.DataFrame({"k": list(positions)}, schema={"k": pl.Int64})
    if interval in FIXED_STEP_US:
        step = pl.duration(microseconds=pl.col("k") * FIXED_STEP_US[interval])
        return frame.select(pl.lit(start) + step).to_series().to_list()
    months = CALENDAR_STEP_MONTHS[interval]
    anchor = pl.lit(start).dt.month_start() if month_end else pl.lit(start)
    shifted = anchor.dt.offset_by(pl.format("{}mo", pl.col("k") * months))
    if month_end:
        shifted = shifted.dt.month_end()
    return frame.select(shifted).to_series().to_list()


def check_regular(
    frame: pl.DataFrame,
    id_columns: Sequence[str],
    freq: str,
    *,
    source: str,
    date_column: str = "date",
) -> None:
    """Raise when dates fall off their series' ``freq`` grid or a series has gaps.

    Each series' grid starts at its first date. Monthly, quarterly and yearly grids keep the
    day of month (clamped at short months) or, for series whose dates are all month ends, the
    month end. Call after :func:`check_unique` on ``(*id_columns, date_column)``.
    """
    interval = parse_freq(freq)
    ids = list(id_columns)
    dtype = frame.schema[date_column]
    if interval == HOURLY and dtype == pl.Date:
        raise InputError(
            f"{source}: frequency {interval} needs datetimes, but column '{date_column}' holds "
            "dates"
        )
    if frame.height == 0:
        return
    if interval in FIXED_STEP_US and is_sorted_by(frame, [*ids, date_column]):
        # fast path: every step inside a series is exactly one period
        d = pl.col(date_column)
        t = (d.cast(pl.Datetime("us")) if dtype == pl.Date else d).dt.epoch("us")
        same_series = pl.all_horizontal(pl.col(c) == pl.col(c).shift() for c in ids)
        steps_ok = pl.when(same_series).then(t.diff() == FIXED_STEP_US[interval]).otherwise(True)
        if frame.select(steps_ok.all()).item():
            return
    position, on_grid, month_end = _grid_position(date_column, ids, interval, dtype)
    located = frame.lazy().select(
        *ids,
        pl.col(date_column),
        position.alias("__pos"),
        on_grid.alias("__on_grid"),
        month_end.alias("__month_end"),
    )
    off = located.filter(~pl.col("__on_grid")).sort([*ids, date_column]).collect()
    if off.height:
        first = off.row(0, named=True)
        key = [first[c] for c in ids]
        same = off.filter(pl.all_horizontal(pl.col(c) == first[c] for c in ids))
        start = frame.filter(pl.all_horizontal(pl.col(c) == first[c] for c in ids))[date_column]
        offending = format_values(same[date_column].to_list())
        raise InputError(
            f"{source}: column '{date_column}' has {plural(off.height, 'value')} off the "
            f"{interval} grid of their series, e.g. series {_key_text(ids, key)} starts "
            f"{format_for_message(start.min())} but has {offending}"
        )
    spans = (
        located.group_by(ids)
        .agg(
            pl.col("__pos").n_unique().alias("__n"),
            (pl.col("__pos").max() + 1).alias("__expected"),
            pl.col(date_column).min().alias("__start"),
            pl.col("__month_end").first(),
        )
        .filter(pl.col("__n") < pl.col("__expected"))
        .sort(ids)
        .collect()
    )
    if spans.height == 0:
        return
    total = int((spans["__expected"] - spans["__n"]).sum())
    parts = []
    for series in spans.head(3).iter_rows(named=True):  # at most three series, for the message
        key = [series[c] for c in ids]
        present = (
            located.filter(pl.all_horizontal(pl.col(c) == series[c] for c in ids))
            .select("__pos")
            .collect()
            .to_series()
            .to_numpy()
        )
        absent = np.setdiff1d(np.arange(series["__expected"]), present)
        dates = _dates_at(
            series["__start"], absent[: MAX_EXAMPLES + 1].tolist(), interval, series["__month_end"]
        )
        parts.append(f"{_key_text(ids, key)} misses {format_values(dates, len(absent))}")
    label = "series has" if spans.height == 1 else "series have"
    raise InputError(
        f"{source}: {spans.height} {label} gaps at frequency {interval} "
        f"({plural(total, 'missing period')} inside their spans), e.g. {'; '.join(parts)}"
    )
