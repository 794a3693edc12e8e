"""Long forecasting panels (Parquet, CSV or Feather), read lazily and validated on load.

A panel has one row per series and period: one or several id columns (``unique_id``, or
``product_id, store_id`` …), a date column, a target column and optional exogenous columns, at
any regular frequency. The SKU filter runs inside the lazy scan, so only the selected series are
ever materialised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.data.frequency import infer_panel_freq, parse_freq, season_length
from benchlab.data.tables import collect, scan_table, table_format
from benchlab.data.validation import (
    check_finite,
    check_id_columns,
    check_not_empty,
    check_not_null,
    check_regular,
    check_unique,
    is_sorted_by,
    parse_date_column,
    require_columns,
    require_dates,
    require_numeric,
    source_name,
)
from benchlab.errors import InputError
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.data.skus import check_sku_tuples, normalise_sku_tuples, sku_filter
from benchlab.forecast.schema import DATE, PRICE, TARGET


def as_column_tuple(columns: str | Iterable[str], *, what: str = "id_columns") -> tuple[str, ...]:
    """A column name or names as a tuple (a single string is one name)."""
    names = (columns,) if isinstance(columns, str) else tuple(columns)
    if not names or not all(isinstance(c, str) and c for c in names):
        raise InputError(f"{what} must name at least one column, got {columns!r}")
    return names


def _check_names(
    source: str,
    ids: Sequence[str],
    date_column: str,
    target_column: str,
    exog: Sequence[str],
    price_copy: bool,
) -> None:
    """Raise when a column plays two roles or two output columns would share a name."""
    inputs = [*ids, date_column, target_column, *exog]
    twice = sorted({c for c in inputs if inputs.count(c) > 1})
    if twice:
        raise InputError(
            f"{source}: column(s) {', '.join(repr(c) for c in twice)} named more than once among "
            f"id_columns {list(ids)}, date '{date_column}', target '{target_column}' and "
            f"exogenous {list(exog)}"
        )
    outputs = [*ids, DATE, TARGET, *exog, *([PRICE] if price_copy else [])]
    clash = sorted({c for c in outputs if outputs.count(c) > 1})
    if clash:
        raise InputError(
            f"{source}: after renaming '{date_column}' to '{DATE}' and '{target_column}' to "
            f"'{TARGET}'{' and the price column to ' + repr(PRICE) if price_copy else ''}, "
            f"column(s) {', '.join(repr(c) for c in clash)} would appear twice"
        )


def load_panel(
    path: str | Path,
    *,
    id_columns: str | Sequence[str],
    date_column: str,
    target_column: str,
    freq: str | None = None,
    sku_tuples: Iterable[Any] | None = None,
    exogenous_columns: Sequence[str] = (),
    price_column: str | None = None,
) -> ForecastData:
    """Load a long panel as :class:`ForecastData` (``date``/``target`` renamed, ids kept).

    Validates columns and dtypes, duplicate ``(ids…, date)`` rows, non-finite targets, dates off
    the frequency grid and gaps inside a series; ``freq`` is inferred when not given.
    """
    path = Path(path)
    source = source_name(path)
    ids = as_column_tuple(id_columns)
    exog = tuple(exogenous_columns)
    price_copy = bool(price_column) and not (price_column == PRICE and PRICE in exog)
    _check_names(source, ids, date_column, target_column, exog, price_copy)
    lf = scan_table(path)
    schema = lf.collect_schema()
    extra = (price_column,) if price_copy else ()
    needed = list(dict.fromkeys([*ids, date_column, target_column, *exog, *extra]))
    require_columns(schema, needed, source=source)
    require_dates(schema, date_column, source=source)
    require_numeric(schema, [target_column], source=source)
    require_numeric(schema, [*exog, *extra], source=source, allow_bool=True)
    lf = check_id_columns(lf.select(needed), ids, source=source)

    requested = None
    if sku_tuples is not None:
        requested = normalise_sku_tuples(sku_tuples, ids, lf.collect_schema(), source=source)
        lf = lf.filter(sku_filter(requested))
    lf = lf.select(
        *ids,
        pl.col(date_column),
        pl.col(target_column).cast(pl.Float64),
        *(pl.col(c).cast(pl.Float32) for c in exog),
        *(pl.col(price_column).cast(pl.Float32).alias(f"__{PRICE}") for _ in extra),
    )
    frame = collect(lf, source=source)

    if requested is not None and frame.select(ids).n_unique() < requested.height:
        check_sku_tuples(
            check_id_columns(scan_table(path).select(ids), ids, source=source),
            requested,
            source=source,
        )
    check_not_empty(frame, source=source, what="the file" if requested is None else "the selection")
    check_not_null(frame, [*ids, date_column], source=source, id_column=ids)
    frame = parse_date_column(frame, date_column, source=source)
    keys = [*ids, date_column]
    if not is_sorted_by(frame, keys):  # files are often sorted already: skip the sort
        frame = frame.sort(keys)
    check_unique(frame, keys, source=source)
    check_finite(frame, target_column, source=source, id_column=keys)
    interval = (
        parse_freq(freq)
        if freq
        else infer_panel_freq(frame, ids, date_column, source=source, assume_sorted=True)
    )
    check_regular(frame, ids, interval, source=source, date_column=date_column)

    frame = frame.rename(
        {date_column: DATE, target_column: TARGET, f"__{PRICE}": PRICE}, strict=False
    )
    return ForecastData(
        frame=frame,
        id_columns=ids,
        freq=interval,
        season_length=season_length(interval),
        feature_columns=(),
        exogenous_columns=exog,
        source=str(path),
        metadata={
            "format": table_format(path),
            "path": str(path),
            "date_column": date_column,
            "target_column": target_column,
            "price_column": price_column,
        },
    )
