"""M5's WRMSSE and WSPL over its 12 aggregation levels (the M5 Competitors' Guide).

Every bottom series (a SKU tuple) belongs to an item, a store and, where the data says so, a
department, a category and a state. M5 sums the series to 12 levels: the total; each state,
store, category and department; state × category, state × department, store × category,
store × department; each item, item × state and item × store (42,840 series at full M5 scale).
Each aggregated series is scored with RMSSE and SPL on M5's scale (:func:`~benchlab.forecast.
metrics.m5_scale`) and weighted by its share of dollar sales over the last 28 training days, so
each level's weights sum to 1. ``m5_wrmsse`` and ``m5_wspl`` are the means over the levels.

A level needs its columns: the synthetic generator's mapping and stores give all five (all 12
levels); a panel names its hierarchy columns in ``data.hierarchy``; without them the levels of
the id columns alone are scored (total, store, item, item × store), and the report says which.

Forecasts of an aggregate are the sums of the bottom forecasts. For quantiles that sum is the
quantile of the aggregate only if the series move together (comonotone); it overstates the
spread of independent series. The report says so.

>>> [level.name for level in M5_LEVELS][:4]
['total', 'state', 'store', 'category']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from benchlab.data.tables import scan_table
from benchlab.data.validation import source_name
from benchlab.errors import InputError
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.metrics import WEIGHT, evaluate_forecasts, series_weights
from benchlab.forecast.schema import DATE, TARGET, Y_PRED, Y_TRUE, quantile_column

#: M5's hierarchy columns, as the M5 files name them.
LEVEL_COLUMNS: tuple[str, ...] = ("state_id", "store_id", "cat_id", "dept_id", "item_id")
#: M5's nine quantiles of the uncertainty track.
M5_QUANTILES: tuple[float, ...] = (0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995)
_TOTAL = "__total"


def level_column(name: str) -> str:
    """The hierarchy frame's column for M5 column ``name`` (kept apart from the id columns,
    which may carry the same names)."""
    return f"__m5_{name}"


@dataclass(frozen=True)
class Level:
    """One M5 aggregation level: its number, name and the hierarchy columns it groups by."""

    number: int
    name: str
    columns: tuple[str, ...]


M5_LEVELS: tuple[Level, ...] = (
    Level(1, "total", ()),
    Level(2, "state", ("state_id",)),
    Level(3, "store", ("store_id",)),
    Level(4, "category", ("cat_id",)),
    Level(5, "department", ("dept_id",)),
    Level(6, "state × category", ("state_id", "cat_id")),
    Level(7, "state × department", ("state_id", "dept_id")),
    Level(8, "store × category", ("store_id", "cat_id")),
    Level(9, "store × department", ("store_id", "dept_id")),
    Level(10, "item", ("item_id",)),
    Level(11, "item × state", ("item_id", "state_id")),
    Level(12, "item × store", ("item_id", "store_id")),
)


def series_hierarchy(data: ForecastData, columns: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The hierarchy of ``data``'s series: from a panel's ``columns`` (``data.hierarchy``),
    else from the generator's mapping (seed files), else the id columns alone."""
    ids = list(data.id_columns)
    keys = data.frame.select(ids).unique()
    if columns:
        path = data.metadata.get("path")
        if path is None:
            raise InputError(
                "data.hierarchy names panel columns; seed files take their hierarchy from the "
                "mapping file"
            )
        wanted = list(dict.fromkeys([*ids, *columns.values()]))
        schema = scan_table(path).collect_schema()
        missing = [c for c in wanted if c not in schema]
        if missing:
            raise InputError(f"{source_name(path)}: data.hierarchy names missing columns {missing}")
        table = scan_table(path).select(wanted).unique().collect().join(keys, on=ids, how="semi")
        return hierarchy_from_columns(table, ids, columns, source=source_name(path))
    mapping = data.metadata.get("mapping") or {}
    if len(ids) >= 2 and (mapping.get("hierarchy") or mapping.get("stores")):
        return hierarchy_from_mapping(keys, ids, mapping)
    return hierarchy_from_columns(keys, ids, {}, source=data.source or "data")


def supported_levels(hierarchy: pl.DataFrame) -> list[Level]:
    """The levels whose columns ``hierarchy`` has."""
    return [lv for lv in M5_LEVELS if all(level_column(c) in hierarchy.columns for c in lv.columns)]


def hierarchy_from_mapping(
    keys: pl.DataFrame, id_columns: Sequence[str], mapping: Mapping[str, Any]
) -> pl.DataFrame:
    """The hierarchy of the synthetic generator's series: ``item_id``/``store_id`` from the two
    id columns, ``cat_id``/``dept_id`` from the mapping's ``hierarchy`` (per product) and
    ``state_id`` from its ``stores``; a part the mapping lacks is left out."""
    product, store = id_columns[0], id_columns[1]
    frame = (
        keys.select(*id_columns)
        .unique()
        .with_columns(
            pl.col(product).cast(pl.Utf8).alias(level_column("item_id")),
            pl.col(store).cast(pl.Utf8).alias(level_column("store_id")),
        )
    )
    products = mapping.get("hierarchy") or {}
    stores = mapping.get("stores") or {}
    if products:
        table = pl.DataFrame(
            {
                level_column("item_id"): list(products),
                level_column("cat_id"): [str(v.get("category")) for v in products.values()],
                level_column("dept_id"): [str(v.get("department")) for v in products.values()],
            }
        )
        frame = frame.join(table, on=level_column("item_id"), how="left")
    if stores:
        table = pl.DataFrame(
            {
                level_column("store_id"): list(stores),
                level_column("state_id"): [str(v.get("state")) for v in stores.values()],
            }
        )
        frame = frame.join(table, on=level_column("store_id"), how="left")
    return _complete(frame, "the dataset mapping")


def hierarchy_from_columns(
    frame: pl.DataFrame, id_columns: Sequence[str], columns: Mapping[str, str], *, source: str
) -> pl.DataFrame:
    """The hierarchy of a panel: ``columns`` maps M5 names (``state_id``, ``cat_id`` …) to the
    panel's columns, each constant within a series. ``item_id`` and ``store_id`` default to the
    first and second id column."""
    ids = list(id_columns)
    unknown = sorted(set(columns) - set(LEVEL_COLUMNS))
    if unknown:
        raise InputError(
            f"data.hierarchy: {unknown} are not M5 level columns ({', '.join(LEVEL_COLUMNS)})"
        )
    chosen = {"item_id": ids[0], **({"store_id": ids[1]} if len(ids) > 1 else {}), **columns}
    missing = sorted({c for c in chosen.values() if c not in frame.columns})
    if missing:
        raise InputError(f"{source}: data.hierarchy names columns it does not have: {missing}")
    series = frame.select(
        *ids, *(pl.col(col).cast(pl.Utf8).alias(level_column(name)) for name, col in chosen.items())
    ).unique()
    varying = series.group_by(ids).len().filter(pl.col("len") > 1)
    if varying.height:
        example = varying.row(0)[: len(ids)]
        raise InputError(
            f"{source}: the hierarchy columns {sorted(chosen.values())} change within series "
            f"{example} ({varying.height} series); each series must have one value of each"
        )
    return _complete(series, source)


def _complete(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """Drop a hierarchy column with gaps (its levels cannot be formed), keep the rest."""
    levels = {level_column(c) for c in LEVEL_COLUMNS}
    keep = [c for c in frame.columns if c not in levels or frame[c].null_count() == 0]
    if level_column("item_id") not in keep:
        raise InputError(f"{source}: every series needs an item for the M5 levels")
    return frame.select(keep)


def evaluate_levels(
    predictions: pl.DataFrame,
    history: pl.DataFrame,
    hierarchy: pl.DataFrame,
    *,
    id_columns: Sequence[str],
    quantile_alphas: Sequence[float] = (),
    weight_window: int = 28,
) -> tuple[dict[str, float], pl.DataFrame]:
    """M5's WRMSSE (and WSPL, with quantiles) at every level ``hierarchy`` supports.

    ``predictions``/``history`` are :func:`~benchlab.forecast.metrics.evaluate_forecasts`'
    frames; ``hierarchy`` has the id columns and some of :data:`LEVEL_COLUMNS`, one row per
    series. Returns ``{"m5_wrmsse", "m5_wspl"?, "m5_levels"}`` (the means over levels and how
    many levels there were) and one row per level: ``level``, ``name``, ``n_series``,
    ``wrmsse`` and ``wspl``.
    """
    ids = list(id_columns)
    alphas = tuple(float(a) for a in quantile_alphas)
    q_columns = [quantile_column(a) for a in alphas]
    bottom = series_weights(history, ids, weight_window)
    frame_h = history.select(*ids, DATE, TARGET).join(hierarchy, on=ids, how="inner")
    frame_p = predictions.select(*ids, DATE, Y_TRUE, Y_PRED, *q_columns).join(
        hierarchy, on=ids, how="inner"
    )
    weights = bottom.join(hierarchy, on=ids, how="inner")
    rows = []
    for level in supported_levels(hierarchy):
        keys = [level_column(c) for c in level.columns] or [_TOTAL]
        rows.append(
            {
                "level": level.number,
                "name": level.name,
                **_score_level(
                    _with_total(frame_h), _with_total(frame_p), _with_total(weights), keys, alphas
                ),
            }
        )
    table = pl.DataFrame(rows)
    metrics = {"m5_wrmsse": float(table["wrmsse"].mean()), "m5_levels": float(table.height)}
    if alphas:
        metrics["m5_wspl"] = float(table["wspl"].mean())
    return metrics, table


def _with_total(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.lit("total").alias(_TOTAL))


def _score_level(
    history: pl.DataFrame,
    predictions: pl.DataFrame,
    bottom_weights: pl.DataFrame,
    keys: list[str],
    alphas: tuple[float, ...],
) -> dict[str, Any]:
    """One level: its aggregate series (sums by ``keys`` and date) scored with M5's scale, each
    weighted by the sum of its members' sales shares."""
    q_columns = [quantile_column(a) for a in alphas]
    metrics, per_series = evaluate_forecasts(
        predictions.group_by([*keys, DATE]).agg(pl.col([Y_TRUE, Y_PRED, *q_columns]).sum()),
        history.group_by([*keys, DATE]).agg(pl.col(TARGET).sum()),
        id_columns=keys,
        quantile_alphas=alphas,
        season_length=1,
        weights=bottom_weights.group_by(keys).agg(pl.col(WEIGHT).sum()),
    )
    return {
        "n_series": per_series.height,
        "wrmsse": metrics["wrmsse"],
        "wspl": metrics["wspl"] if alphas else None,
    }
