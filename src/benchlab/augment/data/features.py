"""The panel's condition features: the calendar (8 dims) and the reviews seen so far (2 dims).

Calendar: ``dow_0`` … ``dow_6`` one-hot for Monday … Sunday, and ``is_weekend``.

Reviews, per product and day ``d``, from the reviews *created on or before* ``d`` only (a review
created later cannot change any earlier day, so the features hold no look-ahead):

* ``review_rating``: the mean review score mapped from 1–5 onto [0, 1]; before a product's first
  review, :data:`NO_REVIEW_RATING` (the scale's midpoint) with a review count of 0;
* ``raw_review_count_log``: ``log(count + 1)``, not yet normalised (the normaliser is fitted on the
  training period, see :mod:`benchlab.augment.data.scaling`).
"""

from __future__ import annotations

import polars as pl

CALENDAR_COLUMNS = [*(f"dow_{i}" for i in range(7)), "is_weekend"]
REVIEW_COLUMNS = ["review_rating", "review_count_log"]
NO_REVIEW_RATING = 0.5
LOWEST_SCORE, HIGHEST_SCORE = 1, 5


def calendar_features(date: str = "date") -> list[pl.Expr]:
    """``dow_0``…``dow_6`` (Monday = 0) and ``is_weekend`` as Int8 columns of ``date``."""
    weekday = pl.col(date).dt.weekday() - 1  # polars: Monday = 1
    return [
        *((weekday == i).cast(pl.Int8).alias(f"dow_{i}") for i in range(7)),
        (weekday >= 5).cast(pl.Int8).alias("is_weekend"),
    ]


def add_review_history(panel: pl.DataFrame, reviews: pl.DataFrame) -> pl.DataFrame:
    """``panel`` (product_id, date, … sorted by product and date) with ``review_rating`` and
    ``raw_review_count_log`` from ``reviews`` (product_id, created, review_score) made on or before
    each day. Reviews created before the panel's first day count from that day on."""
    first_day = panel["date"].min()
    daily = (
        reviews.lazy()
        .with_columns(pl.max_horizontal(pl.col("created"), pl.lit(first_day)).alias("date"))
        .group_by("product_id", "date")
        .agg(
            pl.col("review_score").sum().cast(pl.Float64).alias("_score_sum"),
            pl.len().cast(pl.Int64).alias("_count"),
        )
    )
    cumulative = [
        pl.col(c).fill_null(0).cum_sum().over("product_id", order_by="date")
        for c in ("_score_sum", "_count")
    ]
    span = HIGHEST_SCORE - LOWEST_SCORE
    mean_score = pl.col("_score_sum") / pl.col("_count")
    return (
        panel.lazy()
        .join(daily, on=["product_id", "date"], how="left")
        .with_columns(cumulative)
        .with_columns(
            pl.when(pl.col("_count") > 0)
            .then((mean_score - LOWEST_SCORE) / span)
            .otherwise(NO_REVIEW_RATING)
            .alias("review_rating"),
            pl.col("_count").log1p().alias("raw_review_count_log"),
        )
        .drop("_score_sum", "_count")
        .collect()
    )
