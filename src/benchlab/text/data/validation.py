"""Checking raw rows and turning labels into class ids.

Rows are numbered from 1 (the first data row, after a CSV's header) in every message.
"""

from __future__ import annotations

import polars as pl

from benchlab.errors import InputError
from benchlab.text.data.sources import RawTable

_SHOWN = 5


def row_list(mask: pl.Series) -> str:
    """``rows 3, 17 (2 rows)``: the 1-based numbers of the rows where ``mask`` is true.

    >>> row_list(pl.Series([False, True, True]))
    'rows 2, 3 (2 rows)'
    """
    rows = (mask.arg_true() + 1).to_list()
    shown = ", ".join(map(str, rows[:_SHOWN])) + (", …" if len(rows) > _SHOWN else "")
    return (
        f"row{'s' if len(rows) > 1 else ''} {shown} ({len(rows)} row{'s' if len(rows) > 1 else ''})"
    )


def validate_rows(table: RawTable, labels: list[str] | None) -> tuple[pl.DataFrame, list[str]]:
    """``text`` (Utf8, non-empty), ``label`` (Int64 id into the returned class names) and
    ``rating`` (Float64) when the table has one; bad rows are one InputError naming the input,
    the column, the values and the rows.

    ``labels`` fixes the class order and rejects any other label; without it the order is the
    data set's own class names, else the sorted distinct labels (numbers sorted as numbers).
    """
    frame, where = table.frame, table.where
    if frame.height == 0:
        raise InputError(f"{where}: has no rows")
    text = frame["text"]
    if text.dtype != pl.Utf8:
        text = text.cast(pl.Utf8)
    empty = text.is_null() | (text.str.strip_chars() == "")
    if empty.any():
        raise InputError(f"{where}: column {table.text_column!r} is empty in {row_list(empty)}")

    raw = frame["label"]
    if raw.is_null().any():
        raise InputError(
            f"{where}: column {table.label_column!r} has no label in {row_list(raw.is_null())}"
        )
    names = _label_names(raw, table)
    classes = list(labels) if labels is not None else _default_order(raw, names, table)
    if len(set(classes)) != len(classes):
        raise InputError(f"data.labels: {classes} lists a label twice")
    if len(classes) < 2:
        raise InputError(
            f"{where}: column {table.label_column!r} has {len(classes)} class ({classes}); "
            "a classifier needs at least 2"
        )
    unknown = ~names.is_in(classes)
    if unknown.any():
        values = sorted(set(names.filter(unknown).to_list()))
        raise InputError(
            f"{where}: column {table.label_column!r} has labels not in data.labels "
            f"{classes}: {values[:_SHOWN]} in {row_list(unknown)}"
        )
    ids = names.replace_strict(classes, list(range(len(classes))), return_dtype=pl.Int64)
    columns = {"text": text, "label": ids}
    if "rating" in frame.columns:
        columns["rating"] = _ratings(frame["rating"], table)
    return pl.DataFrame(columns), classes


def _label_names(raw: pl.Series, table: RawTable) -> pl.Series:
    """Labels as strings: ids mapped to the data set's class names, else the values as text."""
    if table.class_names is None:
        return raw.cast(pl.Utf8)
    ids = raw.cast(pl.Int64, strict=False)
    bad = ids.is_null() | (ids < 0) | (ids >= len(table.class_names))
    if bad.any():
        values = sorted(set(raw.filter(bad).cast(pl.Utf8).to_list()))
        raise InputError(
            f"{table.where}: column {table.label_column!r} has ids outside 0–"
            f"{len(table.class_names) - 1} ({', '.join(table.class_names)}): {values[:_SHOWN]} "
            f"in {row_list(bad)}"
        )
    return ids.replace_strict(
        list(range(len(table.class_names))), list(table.class_names), return_dtype=pl.Utf8
    )


def _default_order(raw: pl.Series, names: pl.Series, table: RawTable) -> list[str]:
    if table.class_names is not None:
        present = set(names.unique().to_list())
        return [name for name in table.class_names if name in present]
    if raw.dtype.is_numeric():
        return [str(v) for v in sorted(raw.unique().to_list())]
    return sorted(names.unique().to_list())


def _ratings(raw: pl.Series, table: RawTable) -> pl.Series:
    rating = raw.cast(pl.Float64, strict=False)
    bad = rating.is_null() | rating.is_nan() | rating.is_infinite()
    if bad.any():
        values = sorted(set(raw.filter(bad).cast(pl.Utf8).fill_null("(empty)").to_list()))
        raise InputError(
            f"{table.where}: column {table.rating_column!r} needs a number in every row: "
            f"{values[:_SHOWN]} in {row_list(bad)}"
        )
    return rating
