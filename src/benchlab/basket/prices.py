"""T4 price features [64] per (product, store, week), from ``SPEND / QUANTITY``, as seed 003's
table lists them:

==========================  ====  =========================================================
block                       dims  what
==========================  ====  =========================================================
Fourier price               24    sin/cos of the log price at 12 fixed periods
log-price                   16    log price, log base price, their ratio, discount depth and
                                  promotion flags, soft bins of the ratio
relative position           16    log price against the category's average, range and spread
                                  (class ``PROD_CODE_10`` and department ``PROD_CODE_20``)
price velocity              8     change against the prior price and the recent average
==========================  ====  =========================================================

Only the week's own price is read from that week (the shelf price the shopper saw); every
reference price comes from **earlier weeks only**:

* base price: the median log price of the product in that store over the previous
  :data:`BASE_WINDOW` weeks (the regular price; promotions are the exceptions), else the prior
  price, else none (flag 0, the price itself stands in);
* category average: the mean (and min, max, spread) of the category's log prices over every
  store in the previous :data:`CATEGORY_WINDOW` weeks;
* prior price: the product's price in that store in the latest earlier week with a sale.

So a week's features never change when later weeks change. Nothing is scaled with statistics
of the data (fixed constants only), so no split's rows move another split's features.

>>> PRICE_BLOCKS["log_price"]
slice(24, 40, None)
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: Weeks before the current one that set the base (regular) price.
BASE_WINDOW = 8
#: Weeks before the current one that set the category's average price.
CATEGORY_WINDOW = 8
#: Prices below this (free items) are clipped before taking logs.
MIN_PRICE = 0.01
#: Periods (in log-price units) of the Fourier encoding: 12 of them, √2 apart.
FOURIER_PERIODS = 0.2 * np.sqrt(2.0) ** np.arange(12)
#: Centres of the soft bins of log(price / base price) (discount depth).
RATIO_CENTRES = np.array([-0.7, -0.5, -0.35, -0.2, -0.1, 0.0, 0.1, 0.25])
#: Centres of the soft bins of log(price / category average).
RELATIVE_CENTRES = np.array([-1.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0])

PRICE_DIM = 64
PRICE_BLOCKS: dict[str, slice] = {
    "fourier": slice(0, 24),
    "log_price": slice(24, 40),
    "relative_position": slice(40, 56),
    "velocity": slice(56, 64),
}
#: Single columns other stages read back: log price, on-promotion flag, log price − class mean.
LOG_PRICE_COLUMN, PROMOTION_COLUMN, CLASS_RELATIVE_COLUMN = 24, 28, 40

_GROUP = ["product_idx", "store_idx"]


def weekly_prices(items: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (``product_idx``, ``store_idx``, ``shop_week``) with a sale: ``price`` =
    ΣSPEND / ΣQUANTITY over its rows with positive quantity (returns never set a price),
    ``class_idx`` and ``dept_idx`` carried along, sorted by product, store, week.

    ``items`` holds ``product_idx``, ``store_idx``, ``shop_week``, ``class_idx``,
    ``dept_idx``, ``QUANTITY``, ``SPEND``.
    """
    return (
        items.filter((pl.col("QUANTITY") > 0) & (pl.col("SPEND") >= 0))
        .group_by(_GROUP + ["shop_week"])
        .agg(
            pl.col("SPEND").sum().round(6).alias("spend"),  # same in any summation order
            pl.col("QUANTITY").sum().alias("quantity"),
            pl.col("class_idx").first(),
            pl.col("dept_idx").first(),
        )
        .with_columns(
            (pl.col("spend") / pl.col("quantity")).clip(lower_bound=MIN_PRICE).log().alias("lp")
        )
        .drop("spend", "quantity")
        .sort(_GROUP + ["shop_week"])
    )


def _category_stats(weekly: pl.DataFrame, column: str, prefix: str) -> pl.DataFrame:
    """Per (category, week): mean, std, min and max of the category's log prices over the
    previous :data:`CATEGORY_WINDOW` weeks (all stores), null where it had no sale then.

    The per-week sums run in NumPy in a fixed order (the rows' own), so a week's figures are
    bit-for-bit the same whatever later weeks hold."""
    category = weekly[column].to_numpy().astype(np.int64)
    week = weekly["shop_week"].to_numpy().astype(np.int64)
    lp = weekly["lp"].to_numpy().astype(np.float64)
    order = np.lexsort((week, category))
    category, week, lp = category[order], week[order], lp[order]
    start = np.flatnonzero(np.r_[True, (category[1:] != category[:-1]) | (week[1:] != week[:-1])])
    per_week = pl.DataFrame(
        {
            column: category[start],
            "shop_week": week[start],
            "s": np.add.reduceat(lp, start) if len(lp) else lp,
            "ss": np.add.reduceat(lp**2, start) if len(lp) else lp,
            "n": np.diff(np.r_[start, len(lp)]).astype(np.float64),
            "lo": np.minimum.reduceat(lp, start) if len(lp) else lp,
            "hi": np.maximum.reduceat(lp, start) if len(lp) else lp,
        }
    )
    window = f"{CATEGORY_WINDOW}i"

    def rolling(name: str, how: str) -> pl.Expr:
        fn = getattr(pl.col(name), f"rolling_{how}_by")
        return fn("shop_week", window_size=window, closed="left").over(column).alias(name)

    stats = per_week.with_columns(
        rolling("s", "sum"),
        rolling("ss", "sum"),
        rolling("n", "sum"),
        rolling("lo", "min"),
        rolling("hi", "max"),
    )
    n = pl.col("n")
    mean = pl.col("s") / n
    return stats.select(
        pl.col(column).cast(weekly.schema[column]),
        pl.col("shop_week").cast(weekly.schema["shop_week"]),
        pl.when(n > 0).then(mean).alias(f"{prefix}_mean"),
        pl.when(n > 0)
        .then((pl.col("ss") / n - mean**2).clip(lower_bound=0).sqrt())
        .alias(f"{prefix}_std"),
        pl.when(n > 0).then(pl.col("lo")).alias(f"{prefix}_lo"),
        pl.when(n > 0).then(pl.col("hi")).alias(f"{prefix}_hi"),
    )


def category_references(weekly: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """The class and department figures of every week (:func:`_category_stats`), computed
    once over all of ``weekly`` so :func:`price_context` can run on slices of it."""
    return [
        (column, _category_stats(weekly, column, prefix))
        for column, prefix in (("class_idx", "class"), ("dept_idx", "dept"))
    ]


def _earlier(values: np.ndarray, first: np.ndarray, lag: int) -> np.ndarray:
    """``values`` ``lag`` rows up within each group (NaN where the group has no such row);
    ``first`` marks each group's first row (rows sorted by group, then week)."""
    out = np.full(len(values), np.nan)
    if lag < len(values):
        out[lag:] = values[:-lag]
    index = np.arange(len(values))
    start = np.maximum.accumulate(np.where(first, index, 0))
    out[index - lag < start] = np.nan
    return out


def price_context(
    weekly: pl.DataFrame, references: list[tuple[str, pl.DataFrame]] | None = None
) -> pl.DataFrame:
    """``weekly`` (from :func:`weekly_prices`, collected; or a slice of it holding whole
    products, with ``references`` from :func:`category_references` of the whole) with the
    reference prices of earlier weeks: ``base`` (log base price), ``prior`` and ``prior_gap``
    (log price and weeks back of the latest earlier sale), ``recent`` (mean log price of the 4
    latest earlier sales), and class/department ``*_mean``, ``*_std``, ``*_lo``, ``*_hi`` (null
    where nothing is known). Reference columns are Float32."""
    if references is None:
        references = category_references(weekly)
    base = weekly.rolling(
        index_column="shop_week",
        period=f"{BASE_WINDOW}i",
        closed="left",
        group_by=_GROUP,
    ).agg(pl.col("lp").median().alias("base"))
    keys = [*_GROUP, "shop_week"]
    if all(base[k].equals(weekly[k]) for k in keys):
        frame = weekly.with_columns(base["base"])
    else:  # not expected (both sorted by group, then week), but never misaligned
        frame = weekly.join(base, on=keys, how="left", maintain_order="left")
    product = frame["product_idx"].to_numpy()
    store = frame["store_idx"].to_numpy()
    first = np.ones(len(product), dtype=bool)
    first[1:] = (product[1:] != product[:-1]) | (store[1:] != store[:-1])
    lp = frame["lp"].to_numpy()
    week = frame["shop_week"].to_numpy().astype(np.float64)
    earlier = np.stack([_earlier(lp, first, lag) for lag in range(1, 5)])
    seen = (~np.isnan(earlier)).sum(axis=0)
    recent = np.where(seen > 0, np.nansum(earlier, axis=0) / np.maximum(seen, 1), np.nan)
    frame = frame.with_columns(
        pl.Series("prior", earlier[0], nan_to_null=True),
        pl.Series("prior_gap", week - _earlier(week, first, 1), nan_to_null=True),
        pl.Series("recent", recent, nan_to_null=True),
    ).with_columns(pl.coalesce("base", "prior").alias("base"))
    for column, stats in references:
        frame = frame.join(stats, on=[column, "shop_week"], how="left", maintain_order="left")
    reference = [c for c in frame.columns if c not in (*keys, "class_idx", "dept_idx")]
    return frame.with_columns(pl.col(reference).cast(pl.Float32))


def product_chunks(product: np.ndarray, rows: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` ranges of about ``rows`` rows of a frame sorted by product, cut only where
    the product changes (a product's weeks stay together).

    >>> product_chunks(np.array([3, 3, 3, 4, 4, 5, 6, 6]), 3)
    [(0, 3), (3, 6), (6, 8)]
    """
    if not len(product):
        return []
    starts = np.flatnonzero(np.r_[True, product[1:] != product[:-1]])
    cuts = np.unique(starts[np.searchsorted(starts, np.arange(0, len(product), rows), "right") - 1])
    bounds = [*cuts.tolist(), len(product)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _soft_bins(x: np.ndarray, centres: np.ndarray, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((x[:, None] - centres[None, :].astype(x.dtype)) / width) ** 2)


def _column(frame: pl.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A float32 column and whether each value is known (nulls → 0)."""
    series = frame[name].cast(pl.Float32)
    known = series.is_not_null().to_numpy()
    return series.fill_null(0.0).to_numpy(), known


def _put(out: np.ndarray, start: int, columns: list[np.ndarray]) -> None:
    for offset, column in enumerate(columns):
        out[:, start + offset] = column


def price_features(context: pl.DataFrame) -> np.ndarray:
    """The [R, 64] float32 features of the rows of :func:`price_context` (see the module doc
    for the blocks; each block's layout is fixed, every value finite)."""
    out = np.empty((context.height, PRICE_DIM), dtype=np.float32)
    lp, _ = _column(context, "lp")
    base, has_base = _column(context, "base")
    base = np.where(has_base, base, lp)
    prior, has_prior = _column(context, "prior")
    prior = np.where(has_prior, prior, lp)
    gap, _ = _column(context, "prior_gap")
    recent, has_recent = _column(context, "recent")
    recent = np.where(has_recent, recent, lp)

    # Fourier price [0:24]: sin, then cos, of 2π·log price / period
    angle = lp[:, None] * (2 * np.pi / FOURIER_PERIODS).astype(np.float32)[None, :]
    np.sin(angle, out=out[:, 0:12])
    np.cos(angle, out=out[:, 12:24])
    del angle

    # log price [24:40]
    ratio = lp - base
    _put(
        out,
        24,
        [
            lp,
            base,
            ratio,
            np.clip(1 - np.exp(ratio), 0, 1),  # discount depth
            ratio < np.log(0.95),  # on promotion
            ratio < np.log(0.75),  # deep promotion
            ratio > np.log(1.05),  # above the regular price
            has_base,
        ],
    )
    out[:, 32:40] = _soft_bins(ratio, RATIO_CENTRES, 0.08)

    # relative position in the category [40:56]
    relatives = []
    for start, prefix in ((40, "class"), (44, "dept")):
        mean, known = _column(context, f"{prefix}_mean")
        std, _ = _column(context, f"{prefix}_std")
        lo, _ = _column(context, f"{prefix}_lo")
        hi, _ = _column(context, f"{prefix}_hi")
        rel = np.where(known, lp - mean, 0)
        position = np.where(known, np.clip((lp - lo) / np.maximum(hi - lo, 1e-6), -0.5, 1.5), 0.5)
        z = np.where(known, np.clip(rel / np.maximum(std, 0.05), -5, 5), 0)
        _put(out, start, [rel, position, z, known])
        relatives.append(rel)
    out[:, 48:56] = _soft_bins(relatives[0], RELATIVE_CENTRES, 0.2)

    # price velocity [56:64]
    change = lp - prior
    _put(
        out,
        56,
        [
            change,
            has_prior,
            np.where(has_prior, np.log1p(gap) / np.log(53), 0),  # weeks since the prior sale
            change > np.log(1.02),
            change < -np.log(1.02),
            prior - base,
            lp - recent,
            np.abs(change),
        ],
    )
    return out
