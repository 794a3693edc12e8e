"""SKU tuples: selecting series by their id values, and naming a SKU in text and file names.

A SKU is one series key, a tuple with one value per id column: ``(80558, 2)`` for the id columns
``("product_id", "store_id")``.

>>> sku_key((80558, 2)), sku_label(("product_id", "store_id"), (80558, 2))
('80558_2', 'product_id=80558, store_id=2')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

from benchlab.data.validation import (
    FrameLike,
    describe_rows,
    format_for_message,
    format_values,
    plural,
    schema_of,
)
from benchlab.errors import InputError

__all__ = [
    "check_sku_tuples",
    "matches_sku",
    "normalise_sku_tuples",
    "sku_filter",
    "sku_key",
    "sku_label",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def sku_key(sku: Sequence[Any]) -> str:
    """File-name-safe text of a SKU tuple, the key of its model in a run and a release.

    Values are joined by ``_``; inside a value, anything but letters, digits, ``.`` and ``-``
    becomes ``-``, so ``_`` only ever separates values.

    >>> sku_key((80558, 2)), sku_key(("FOODS_3/090", "CA 1"))
    ('80558_2', 'FOODS-3-090_CA-1')
    """
    return "_".join(_UNSAFE.sub("-", str(v)).strip("-") or "x" for v in sku)


def sku_label(id_columns: Sequence[str], sku: Sequence[Any]) -> str:
    """A SKU as people read it in reports and charts: ``product_id=80558, store_id=2``."""
    return ", ".join(f"{c}={v}" for c, v in zip(id_columns, sku, strict=True))


def matches_sku(id_columns: Sequence[str], sku: Sequence[Any]) -> pl.Expr:
    """Filter expression keeping the rows of one SKU (one value per id column)."""
    if len(sku) != len(id_columns):
        raise InputError(
            f"SKU {tuple(sku)} has {plural(len(sku), 'value')} but there are "
            f"{len(id_columns)} id column(s) {list(id_columns)}"
        )
    return pl.all_horizontal([pl.col(c) == v for c, v in zip(id_columns, sku, strict=True)])


def normalise_sku_tuples(
    sku_tuples: Iterable[Any], id_columns: Sequence[str], schema: FrameLike, *, source: str
) -> pl.DataFrame:
    """The requested series keys as a frame with ``id_columns`` in the file's dtypes.

    ``sku_tuples`` holds tuples or lists (one value per id column) or, for a single id column,
    plain scalars; a DataFrame of key columns is read row by row. Duplicates are dropped, order
    kept.
    """
    ids = list(id_columns)
    if isinstance(sku_tuples, pl.DataFrame):
        sku_tuples = sku_tuples.rows()
    if isinstance(sku_tuples, str | bytes) or not isinstance(sku_tuples, Iterable):
        raise InputError(f"{source}: sku_tuples must be a list of tuples, got {sku_tuples!r}")
    rows = []
    for item in sku_tuples:  # the user's request, not the data's rows
        values = tuple(item) if isinstance(item, tuple | list | np.ndarray) else (item,)
        if len(values) != len(ids):
            raise InputError(
                f"{source}: SKU tuple {format_for_message(values)} has "
                f"{plural(len(values), 'value')}; expected {len(ids)} ({', '.join(ids)})"
            )
        rows.append(values)
    if not rows:
        raise InputError(f"{source}: empty SKU selection (sku_tuples is empty)")
    dtypes = schema_of(schema)
    columns = {}
    for index, name in enumerate(ids):
        values = [row[index] for row in rows]
        try:
            series = pl.Series(name, values)
        except (TypeError, ValueError, pl.exceptions.PolarsError) as exc:
            raise InputError(
                f"{source}: SKU tuples mix value types for column '{name}' "
                f"({format_values(values)})"
            ) from exc
        target = dtypes.get(name)
        if target is not None and series.dtype != target:
            cast = series.cast(target, strict=False)
            bad = series.filter(cast.is_null() & series.is_not_null())
            if bad.len():
                raise InputError(
                    f"{source}: requested SKU value(s) {format_values(bad.to_list())} do not fit "
                    f"column '{name}' ({target})"
                )
            series = cast
        columns[name] = series
    return pl.DataFrame(columns).unique(maintain_order=True)


def sku_filter(requested: pl.DataFrame) -> pl.Expr:
    """Filter expression keeping the rows whose id columns match a row of ``requested``.

    One ``is_in`` per id column (pushed into the scan, usable with Parquet statistics) and, for
    several id columns, an exact match on the struct of all of them.
    """
    columns = requested.columns
    expr = pl.lit(True)
    for column in columns:
        expr = expr & pl.col(column).is_in(requested[column].unique().implode())
    if len(columns) > 1:
        keys = requested.select(pl.struct(columns).alias("__key")).to_series()
        expr = expr & pl.struct(columns).is_in(keys.implode())
    return expr


def check_sku_tuples(
    available: pl.DataFrame | pl.LazyFrame, requested: pl.DataFrame, *, source: str
) -> None:
    """Raise when rows of ``requested`` (a key frame) are absent from ``available``.

    ``available`` may be lazy; only its key columns are read.
    """
    keys = requested.columns
    present = available.lazy().select(keys).unique().sort(keys).collect()
    missing = requested.join(present, on=keys, how="anti", nulls_equal=True)
    if missing.height == 0:
        return
    examples = describe_rows(present, keys) if present.height else "none"
    noun = "SKU tuple" if len(keys) > 1 else "SKU id"
    raise InputError(
        f"{source}: {missing.height} unknown {noun}(s) requested, not in the data: "
        f"{describe_rows(missing, keys)}; the data has {present.height} series, e.g. {examples}"
    )
