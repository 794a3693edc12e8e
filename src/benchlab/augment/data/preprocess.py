"""Olist CSVs → the product-day panel the GAN and the forecaster read
(``benchlab augment preprocess RAW_DIR --out DIR``).

Steps, each vectorised in Polars:

1. read the four files by their Kaggle names, checking the columns used and parsing timestamps;
2. keep orders that were delivered (``order_status == 'delivered'``) and approved
   (``order_approved_at`` set), then the items and reviews of those orders and the items whose
   product is in the products file; every filter reports the rows it dropped;
3. the product-day panel: units (item rows) and revenue (sum of ``price``) per product and
   purchase day over the whole date span, 0 on days without sales;
4. a chronological split by date (70/15/15 by default) shared by every product;
5. keep products with at least ``min_active_days`` days with sales *in the training period*
   (selecting on later days would peek at the future);
6. calendar features and the reviews created up to each day
   (:mod:`benchlab.augment.data.features`);
7. per-product min–max of units and the review-count normaliser, fitted on the training period
   (:mod:`benchlab.augment.data.scaling`).

Nothing is written until every check passed; the panel and ``scalers.json`` are then written
atomically into ``out_dir``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from benchlab.augment.data.features import (
    CALENDAR_COLUMNS,
    HIGHEST_SCORE,
    LOWEST_SCORE,
    REVIEW_COLUMNS,
    add_review_history,
    calendar_features,
)
from benchlab.augment.data.olist import ITEMS_FILE, OLIST_FILES, ORDERS_FILE, REVIEWS_FILE
from benchlab.augment.data.scaling import (
    SCALERS_FILE,
    Scalers,
    apply_scalers,
    fit_scalers,
    save_scalers,
)
from benchlab.data.tables import collect, scan_table
from benchlab.data.validation import (
    MAX_EXAMPLES,
    describe_rows,
    format_values,
    plural,
    require_columns,
    require_dates,
    require_numeric,
)
from benchlab.errors import InputError
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    from rich.console import Console

PANEL_FILE = "product_daily_panel.parquet"
SPLITS = ("train", "val", "test")
PANEL_COLUMNS = [
    "product_id",
    "date",
    "units",
    "revenue",
    "units_scaled",
    *CALENDAR_COLUMNS,
    *REVIEW_COLUMNS,
    "split",
]

#: The columns read from each file (others may be there and are ignored).
USED_COLUMNS: dict[str, list[str]] = {
    "orders": ["order_id", "order_status", "order_purchase_timestamp", "order_approved_at"],
    "items": ["order_id", "product_id", "price"],
    "products": ["product_id"],
    "reviews": ["review_id", "order_id", "review_score", "review_creation_date"],
}
TIMESTAMP_COLUMNS = {
    "orders": ["order_purchase_timestamp", "order_approved_at"],
    "reviews": ["review_creation_date"],
}
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
NUMERIC_COLUMNS = {"items": ["price"], "reviews": ["review_score"]}
ID_COLUMNS = {"order_id", "product_id", "review_id"}


@dataclass(frozen=True)
class FilterDrop:
    """One filter's effect: of ``before`` rows (or products) of ``file``, ``dropped`` did not
    pass ``rule``."""

    file: str
    rule: str
    before: int
    dropped: int
    unit: str = "rows"


@dataclass(frozen=True)
class PreprocessResult:
    """Where the panel and scalers went, the panel's size and split days, and what each filter
    dropped."""

    panel_path: Path
    scalers_path: Path
    products: int
    days: int
    splits: dict[str, tuple[dt.date, dt.date]]
    drops: list[FilterDrop]


def preprocess_olist(
    raw_dir: str | Path,
    out_dir: str | Path,
    *,
    min_active_days: int = 30,
    splits: Sequence[float] = (0.7, 0.15, 0.15),
    history_window: int = 30,
    forecast_horizon: int = 7,
    progress: bool = False,
    console: Console | None = None,
) -> PreprocessResult:
    """Build ``product_daily_panel.parquet`` and ``scalers.json`` in ``out_dir`` from the Olist
    CSVs in ``raw_dir``.

    ``history_window``/``forecast_horizon`` only check that each split can hold one window
    (its target days inside the split, the history before them). Bad input raises
    :class:`~benchlab.errors.InputError` before anything is written.
    """
    from rich.progress import Progress

    fractions = _check_splits(splits)
    if min_active_days < 1:
        raise InputError(f"min_active_days must be at least 1 (got {min_active_days})")
    raw = Path(raw_dir)
    _check_files(raw)
    steps = [*OLIST_FILES, "filter", "panel", "features", "write"]
    with Progress(disable=not progress, console=console, transient=True) as bar:
        task = bar.add_task("preprocess", total=len(steps))

        def step(name: str) -> None:
            bar.update(task, description=f"preprocess: {name}")

        tables = {}
        for role in OLIST_FILES:
            step(f"reading {OLIST_FILES[role]}")
            tables[role] = _read(raw, role)
            bar.advance(task)
        step("filtering orders")
        items, reviews, drops = _filter(tables)
        bar.advance(task)
        step("building the product-day panel")
        panel, dropped = _daily_panel(
            items, fractions, history_window, forecast_horizon, min_active_days
        )
        drops.append(dropped)
        bar.advance(task)
        step("review and calendar features, scaling")
        panel = add_review_history(panel, reviews).with_columns(calendar_features())
        scalers = fit_scalers(panel)
        panel = apply_scalers(panel, scalers).select(PANEL_COLUMNS).sort("product_id", "date")
        bar.advance(task)
        step("writing")
        result = _write(panel, scalers, Path(out_dir), drops)
        bar.advance(task)
    return result


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------


def _check_splits(splits: Sequence[float]) -> tuple[float, float, float]:
    values = tuple(float(s) for s in splits)
    if len(values) != 3 or min(values) <= 0 or abs(sum(values) - 1.0) > 1e-6:
        raise InputError(
            f"splits must be three positive fractions (train, val, test) summing to 1, "
            f"got {list(splits)}"
        )
    return values  # type: ignore[return-value]


def _check_files(raw: Path) -> None:
    if not raw.is_dir():
        raise InputError(f"{raw}: not a folder (point preprocess at the Olist CSVs' folder)")
    missing = [name for name in OLIST_FILES.values() if not (raw / name).is_file()]
    if missing:
        label = "file" if len(missing) == 1 else "files"
        raise InputError(
            f"{', '.join(missing)}: missing Olist {label} in {raw} (preprocess reads "
            f"{', '.join(OLIST_FILES.values())})"
        )


def _read(raw: Path, role: str) -> pl.DataFrame:
    """One file's used columns, ids as strings, timestamps parsed to dates."""
    name = OLIST_FILES[role]
    lf = scan_table(raw / name)
    require_columns(lf, USED_COLUMNS[role], source=name)
    frame = collect(lf.select(USED_COLUMNS[role]), source=name)
    require_numeric(frame, NUMERIC_COLUMNS.get(role, []), source=name)
    frame = frame.with_columns(pl.col(c).cast(pl.String) for c in ID_COLUMNS & set(frame.columns))
    for column in TIMESTAMP_COLUMNS.get(role, []):
        frame = _parse_day(frame, column, source=name)
    if role == "reviews":
        _check_scores(frame)
    return frame


def _parse_day(frame: pl.DataFrame, column: str, *, source: str) -> pl.DataFrame:
    """``column`` as the day of Olist's timestamps (``2017-10-02 10:56:33``; a bare date or a
    time without seconds also pass). Anything else raises, naming a few offending values."""
    dtype = frame.schema[column]
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return frame.with_columns(pl.col(column).cast(pl.Date))
    if dtype != pl.String:
        require_dates(frame, column, source=source)  # raises: not dates
    text = pl.col(column).str.strip_chars()
    day = pl.coalesce(
        *(text.str.to_datetime(f, strict=False).dt.date() for f in TIMESTAMP_FORMATS),
        text.str.to_date("%Y-%m-%d", strict=False),
    )
    parsed = frame.select(day).to_series()
    failed = frame[column].is_not_null() & parsed.is_null()
    if failed.any():
        bad = frame[column].filter(failed).unique(maintain_order=True)
        raise InputError(
            f"{source}: column '{column}' has {plural(int(failed.sum()), 'value')} not in the "
            f"timestamp form YYYY-MM-DD HH:MM:SS "
            f"({format_values(bad.head(MAX_EXAMPLES + 1).to_list(), bad.len())})"
        )
    return frame.with_columns(parsed.alias(column))


def _check_scores(reviews: pl.DataFrame) -> None:
    score = pl.col("review_score")
    bad = reviews.filter(score.is_null() | (score < LOWEST_SCORE) | (score > HIGHEST_SCORE))
    if bad.height:
        raise InputError(
            f"{REVIEWS_FILE}: column 'review_score' has {plural(bad.height, 'value')} outside "
            f"{LOWEST_SCORE}–{HIGHEST_SCORE} or missing ({describe_rows(bad, ['review_score'])})"
        )


# --------------------------------------------------------------------------------------------
# filtering and the panel
# --------------------------------------------------------------------------------------------


def _filter(tables: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame, list]:
    """Items (product_id, date, price) and reviews (product_id, created, review_score) of the
    delivered, approved orders, with what each filter dropped."""
    orders, items = tables["orders"], tables["items"]
    drops: list[FilterDrop] = []

    def keep(frame: pl.DataFrame, kept: pl.DataFrame, file: str, rule: str) -> pl.DataFrame:
        drops.append(FilterDrop(file, rule, frame.height, frame.height - kept.height))
        return kept

    delivered = keep(
        orders,
        orders.filter(pl.col("order_status") == "delivered"),
        ORDERS_FILE,
        "order_status is 'delivered'",
    )
    approved = keep(
        delivered,
        delivered.filter(pl.col("order_approved_at").is_not_null()),
        ORDERS_FILE,
        "order_approved_at is set",
    )
    kept_orders = approved.select(
        "order_id", pl.col("order_purchase_timestamp").alias("date")
    ).unique("order_id", keep="first")
    of_kept = keep(
        items,
        items.join(kept_orders, on="order_id", how="inner"),
        ITEMS_FILE,
        "the order was kept",
    )
    known = keep(
        of_kept,
        of_kept.join(tables["products"].select("product_id").unique(), on="product_id", how="semi"),
        ITEMS_FILE,
        f"the product is in {OLIST_FILES['products']}",
    )
    if known.height == 0:
        raise InputError(
            f"{ORDERS_FILE}: no items of delivered, approved orders are left "
            f"({plural(orders.height, 'order')}, {plural(items.height, 'item')} read)"
        )
    reviews = tables["reviews"]
    kept_reviews = keep(
        reviews,
        reviews.join(kept_orders, on="order_id", how="semi"),
        REVIEWS_FILE,
        "the order was kept",
    )
    products_of_order = known.select("order_id", "product_id").unique()
    reviews = (
        kept_reviews.join(products_of_order, on="order_id", how="inner")
        .unique(["review_id", "product_id"], keep="first")
        .select("product_id", pl.col("review_creation_date").alias("created"), "review_score")
    )
    return known.select("product_id", "date", "price"), reviews, drops


def _split_lengths(days: int, fractions: tuple[float, float, float]) -> tuple[int, int, int]:
    n_train = round(days * fractions[0])
    n_val = round(days * (fractions[0] + fractions[1])) - n_train
    return n_train, n_val, days - n_train - n_val


def _daily_panel(
    items: pl.DataFrame,
    fractions: tuple[float, float, float],
    history_window: int,
    forecast_horizon: int,
    min_active_days: int,
) -> tuple[pl.DataFrame, FilterDrop]:
    """Kept product × every day of the span: units, revenue (0 without sales) and split, with
    what the active-days filter dropped. Products are selected on the sparse sales first, so
    the dense grid is built for the kept ones only."""
    first, last = items["date"].min(), items["date"].max()
    dates = pl.date_range(first, last, "1d", eager=True).alias("date")
    lengths = _split_lengths(dates.len(), fractions)
    needed = (history_window + forecast_horizon, forecast_horizon, forecast_horizon)
    if any(n < need for n, need in zip(lengths, needed, strict=True)):
        raise InputError(
            f"{ORDERS_FILE}: the delivered orders span {dates.len()} days ({first} … {last}), "
            f"{lengths[0]} train / {lengths[1]} val / {lengths[2]} test: too short for one "
            f"window of {history_window} history + {forecast_horizon} target days (needs "
            f"{needed[0]} training days and {forecast_horizon} each for val and test)"
        )
    calendar = pl.DataFrame(
        {
            "date": dates,
            "split": [s for s, n in zip(SPLITS, lengths, strict=True) for _ in range(n)],
        }
    )
    daily = items.group_by("product_id", "date").agg(
        pl.len().cast(pl.Int64).alias("units"), pl.col("price").sum().alias("revenue")
    )
    keep, drop = _active_products(daily, calendar, min_active_days)
    grid = keep.to_frame().join(calendar, how="cross")
    panel = (
        grid.join(daily, on=["product_id", "date"], how="left")
        .with_columns(pl.col("units").fill_null(0), pl.col("revenue").fill_null(0.0))
        .sort("product_id", "date")
    )
    return panel, drop


def _active_products(
    daily: pl.DataFrame, calendar: pl.DataFrame, min_active_days: int
) -> tuple[pl.Series, FilterDrop]:
    """Products with at least ``min_active_days`` training days with sales (``daily`` holds
    only days with sales)."""
    train = calendar.filter(pl.col("split") == "train")["date"]
    active = daily.group_by("product_id").agg(
        pl.col("date").is_in(train.implode()).sum().alias("active")
    )
    keep = active.filter(pl.col("active") >= min_active_days)["product_id"].sort()
    drop = FilterDrop(
        PANEL_FILE,
        f"≥ {min_active_days} training days with sales",
        active.height,
        active.height - keep.len(),
        unit="products",
    )
    if keep.len() == 0:
        raise InputError(
            f"{ITEMS_FILE}: no product has {min_active_days} or more days with sales in the "
            f"training period ({train.min()} … {train.max()}); the most is "
            f"{active['active'].max()} (lower --min-active-days)"
        )
    return keep, drop


def _write(
    panel: pl.DataFrame, scalers: Scalers, out_dir: Path, drops: list[FilterDrop]
) -> PreprocessResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    panel_path, scalers_path = out_dir / PANEL_FILE, out_dir / SCALERS_FILE
    with atomic_path(panel_path) as tmp:
        panel.write_parquet(tmp)
    save_scalers(scalers, scalers_path)
    return PreprocessResult(
        panel_path=panel_path,
        scalers_path=scalers_path,
        products=panel["product_id"].n_unique(),
        days=panel["date"].n_unique(),
        splits=scalers.splits,
        drops=drops,
    )
