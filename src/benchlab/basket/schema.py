"""The transactions file: dunnhumby's 22 columns, their dtypes, and the one CSV → Parquet step.

``raw_data/transactions.csv`` is read once, streamed by Polars with an explicit schema into
``raw_data/transactions.parquet`` (written atomically); from then on every stage reads only the
Parquet (:func:`read_transactions`). A project may also hold the Parquet alone.

Bad input is one :class:`~benchlab.errors.InputError` naming the file, the column and the first
offending values with their count: a missing column, a value that does not parse as the column's
type, a ``SHOP_WEEK`` that is not ``YYYYWW`` (ISO year and week), an empty required value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from benchlab.basket.layout import ProjectLayout
from benchlab.errors import InputError
from benchlab.logs import get_logger

log = get_logger("basket.schema")

#: The 22 columns of dunnhumby's "Let's Get Sort of Real", in the file's order, with the dtype
#: each is read as. ``SHOP_DATE`` is ``YYYYMMDD``, ``SHOP_WEEK`` ``YYYYWW`` (ISO weeks);
#: ``CUST_CODE`` and the two customer columns are empty on anonymous baskets.
COLUMNS: dict[str, pl.DataType] = {
    "SHOP_WEEK": pl.Int32(),
    "SHOP_DATE": pl.Int32(),
    "SHOP_WEEKDAY": pl.Int8(),
    "SHOP_HOUR": pl.Int8(),
    "QUANTITY": pl.Int32(),
    "SPEND": pl.Float64(),
    "PROD_CODE": pl.String(),
    "PROD_CODE_10": pl.String(),
    "PROD_CODE_20": pl.String(),
    "PROD_CODE_30": pl.String(),
    "PROD_CODE_40": pl.String(),
    "CUST_CODE": pl.String(),
    "CUST_PRICE_SENSITIVITY": pl.String(),
    "CUST_LIFESTAGE": pl.String(),
    "BASKET_ID": pl.Int64(),
    "BASKET_SIZE": pl.String(),
    "BASKET_PRICE_SENSITIVITY": pl.String(),
    "BASKET_TYPE": pl.String(),
    "BASKET_DOMINANT_MISSION": pl.String(),
    "STORE_CODE": pl.String(),
    "STORE_FORMAT": pl.String(),
    "STORE_REGION": pl.String(),
}

#: Columns that may not be empty (every other one may: anonymous baskets, unknown labels).
REQUIRED = (
    "SHOP_WEEK",
    "SHOP_DATE",
    "SHOP_WEEKDAY",
    "SHOP_HOUR",
    "QUANTITY",
    "SPEND",
    "PROD_CODE",
    "BASKET_ID",
)

#: Values shown in a message before "…".
SHOWN = 5


def show_values(values: Iterable[object], count: int | None = None) -> str:
    """The first :data:`SHOWN` values, quoted where text, and how many there are in all.

    >>> show_values(["2006-07", 200600], count=12)
    "'2006-07', 200600 (12 rows)"
    """
    listed = list(values)
    text = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in listed[:SHOWN])
    if len(listed) > SHOWN:
        text += ", …"
    return f"{text} ({count:,} rows)" if count is not None else text


def iso_week_start(yyyyww: int) -> dt.date | None:
    """The Monday of ISO week ``yyyyww`` (``YYYYWW``), or ``None`` where it is no such week.

    >>> iso_week_start(200652), iso_week_start(200701), iso_week_start(200653)
    (datetime.date(2006, 12, 25), datetime.date(2007, 1, 1), None)
    """
    year, week = divmod(int(yyyyww), 100)
    if not 1900 <= year <= 2999:
        return None
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return None


def sequential_weeks(
    raw_weeks: Sequence[int], *, source: str, counts: Sequence[int] = ()
) -> pl.DataFrame:
    """``shop_week_raw`` (YYYYWW) → ``shop_week`` (1 = the first week), calendar-aware: weeks
    are counted in the ISO calendar, so 200652 → 200701 is one step and a week without data
    leaves a gap in the numbers. A value that is not an ISO ``YYYYWW`` raises naming it.

    >>> sequential_weeks([200701, 200652, 200703], source="t.parquet").rows()
    [(200652, 1), (200701, 2), (200703, 4)]
    """
    weeks = [int(w) for w in raw_weeks]
    starts = {week: iso_week_start(week) for week in weeks}
    bad = [week for week, start in starts.items() if start is None]
    if bad:
        n_bad = sum(c for w, c in zip(weeks, counts, strict=True) if w in bad) if counts else None
        raise InputError(
            f"{source}: column SHOP_WEEK has values that are not YYYYWW (an ISO year and week "
            f"01–52/53): {show_values(sorted(bad), n_bad)}"
        )
    first = min(starts.values(), default=None)
    rows = sorted((w, (s - first).days // 7 + 1) for w, s in starts.items())  # type: ignore[operator]
    return pl.DataFrame(
        rows, schema={"shop_week_raw": pl.Int32, "shop_week": pl.Int32}, orient="row"
    )


def _bad_values(frame: pl.LazyFrame, column: str, dtype: pl.DataType) -> tuple[list[str], int]:
    """The values of a text ``column`` that do not parse as ``dtype`` (first few) and how many
    rows hold one."""
    raw = pl.col(column)
    bad = frame.select(column).filter(raw.is_not_null() & raw.cast(dtype, strict=False).is_null())
    stats = bad.select(
        pl.len().alias("n"), raw.unique(maintain_order=True).head(SHOWN + 1).implode()
    ).collect()
    return list(stats[column][0]), int(stats["n"][0])


def _parse_error(path: Path, columns: Sequence[str]) -> InputError | None:
    """Read ``path`` as text and find the first column with a value its dtype cannot hold."""
    text = pl.scan_csv(path, infer_schema=False)
    for column in columns:
        dtype = COLUMNS[column]
        if dtype == pl.String():
            continue
        values, count = _bad_values(text, column, dtype)
        if count:
            what = "YYYYWW (an ISO year and week)" if column == "SHOP_WEEK" else f"{dtype}"
            return InputError(
                f"{path}: column {column} has values that are not {what}: "
                f"{show_values(values, count)}"
            )
    return None


def check_columns(names: Iterable[str], source: Path | str) -> None:
    """Raise naming every one of the 22 columns that ``names`` lacks."""
    missing = [column for column in COLUMNS if column not in set(names)]
    if missing:
        raise InputError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(a transactions file has dunnhumby's 22 columns: {', '.join(COLUMNS)})"
        )


def convert_csv(csv: Path, parquet: Path) -> Path:
    """Stream ``csv`` into ``parquet`` (the 22 columns at their dtypes; atomic).

    Parsing is strict: on a value a column cannot hold, the file is read again as text to name
    the column and the values, and nothing is written.
    """
    from benchlab.runs import atomic_path

    header = pl.scan_csv(csv, infer_schema=False).collect_schema().names()
    check_columns(header, csv)
    frame = pl.scan_csv(csv, schema_overrides=COLUMNS, infer_schema=False).select(list(COLUMNS))
    log.info("converting %s to %s (once; the CSV is not read again)", csv, parquet.name)
    try:
        with atomic_path(parquet) as tmp:
            frame.sink_parquet(tmp, engine="streaming")
    except pl.exceptions.PolarsError as exc:
        error = _parse_error(csv, [c for c in COLUMNS if COLUMNS[c] != pl.String()])
        raise (error or InputError(f"{csv}: cannot be read as transactions: {exc}")) from None
    return parquet


def _conform(frame: pl.LazyFrame, source: Path) -> pl.LazyFrame:
    """``frame`` with the 22 columns at their dtypes; a column of another kind raises."""
    schema = frame.collect_schema()
    check_columns(schema.names(), source)
    casts = []
    for column, dtype in COLUMNS.items():
        have = schema[column]
        if have == dtype:
            continue
        castable = (
            dtype == pl.String()
            or (dtype.is_integer() and have.is_integer())
            or (dtype.is_float() and have.is_numeric())
        )
        if not castable:
            raise InputError(f"{source}: column {column} is {have}, expected {dtype}")
        casts.append(pl.col(column).cast(dtype))
    return frame.select(list(COLUMNS)).with_columns(casts) if casts else frame.select(list(COLUMNS))


def read_transactions(
    layout: ProjectLayout | str | Path, columns: Sequence[str] | None = None
) -> pl.LazyFrame:
    """The transactions of a project as a lazy frame of the 22 columns (or ``columns``).

    Reads ``raw_data/transactions.parquet``; where only the CSV exists it is converted first
    (once). A CSV newer than the Parquet is not read: a warning says to delete the Parquet.
    """
    layout = layout if isinstance(layout, ProjectLayout) else ProjectLayout(layout)
    parquet, csv = layout.raw_parquet, layout.raw_csv
    if not parquet.exists():
        if not csv.exists():
            raise InputError(
                f"{layout.raw_data}: no transactions (expected transactions.csv or "
                "transactions.parquet there; `benchlab data baskets --out DIR` writes one)"
            )
        convert_csv(csv, parquet)
    elif csv.exists() and csv.stat().st_mtime > parquet.stat().st_mtime:
        log.warning(
            "%s is newer than %s; the Parquet is read (delete it to convert the CSV again)",
            csv.name,
            parquet.name,
        )
    frame = _conform(pl.scan_parquet(parquet), parquet)
    if columns is not None:
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            raise InputError(f"{parquet}: no column {', '.join(unknown)} in a transactions file")
        frame = frame.select(list(columns))
    return frame


def check_required(frame: pl.LazyFrame, source: Path | str) -> None:
    """Raise naming the first required column with empty values, and the ranges of
    ``SHOP_WEEKDAY`` (1–7) and ``SHOP_HOUR`` (0–23)."""
    checks = frame.select(
        *(pl.col(c).null_count().alias(c) for c in REQUIRED),
        ((pl.col("SHOP_WEEKDAY") < 1) | (pl.col("SHOP_WEEKDAY") > 7)).sum().alias("weekday"),
        ((pl.col("SHOP_HOUR") < 0) | (pl.col("SHOP_HOUR") > 23)).sum().alias("hour"),
    ).collect()
    for column in REQUIRED:
        if checks[column][0]:
            raise InputError(f"{source}: column {column} has {checks[column][0]:,} empty values")
    for column, key, allowed in (
        ("SHOP_WEEKDAY", "weekday", (1, 7)),
        ("SHOP_HOUR", "hour", (0, 23)),
    ):
        if checks[key][0]:
            values = (
                frame.select(column)
                .filter(~pl.col(column).is_between(*allowed))
                .unique()
                .head(SHOWN + 1)
                .collect()[column]
                .sort()
            )
            raise InputError(
                f"{source}: column {column} has values outside {allowed[0]}–{allowed[1]}: "
                f"{show_values(values.to_list(), int(checks[key][0]))}"
            )
