"""Olist CSVs → product-day panel: the grid, the filters, the split, and no peeking ahead
(review features count past reviews only; scalers see the training period only)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.augment.data.olist import OLIST_FILES, write_olist
from benchlab.augment.data.preprocess import PANEL_COLUMNS, PANEL_FILE, preprocess_olist
from benchlab.augment.data.scaling import SCALERS_FILE
from benchlab.errors import InputError
from tests.augment.conftest import OLIST_MIN_ACTIVE_DAYS


def read_raw(raw: Path, role: str) -> pl.DataFrame:
    return pl.read_csv(raw / OLIST_FILES[role], infer_schema_length=None)


def kept_items(raw: Path) -> pl.DataFrame:
    """Items of delivered, approved orders with their purchase day, computed independently."""
    orders = read_raw(raw, "orders").filter(
        (pl.col("order_status") == "delivered") & pl.col("order_approved_at").is_not_null()
    )
    day = pl.col("order_purchase_timestamp").str.slice(0, 10).str.to_date().alias("date")
    return read_raw(raw, "items").join(orders.select("order_id", day), on="order_id")


def panel_of(out: Path) -> pl.DataFrame:
    return pl.read_parquet(out / PANEL_FILE)


def scalers_of(out: Path) -> dict:
    return json.loads((out / SCALERS_FILE).read_text())


def rewrite(raw: Path, into: Path, role: str, change: Callable[[pl.DataFrame], pl.DataFrame]):
    """A copy of the raw folder with one file changed."""
    shutil.copytree(raw, into)
    changed = change(read_raw(raw, role))
    changed.write_csv(into / OLIST_FILES[role])
    return into


def test_the_panel_is_a_zero_filled_product_day_grid(olist_processed: Path) -> None:
    panel = panel_of(olist_processed)
    assert panel.columns == PANEL_COLUMNS
    assert panel.equals(panel.sort("product_id", "date"))
    days = panel["date"].n_unique()
    per_product = panel.group_by("product_id").agg(pl.len(), pl.col("date").n_unique())
    assert (per_product["len"] == days).all() and (per_product["date"] == days).all()
    assert (panel["date"].max() - panel["date"].min()).days + 1 == days
    assert (panel["units"] == 0).any()
    assert (panel.filter(pl.col("units") == 0)["revenue"] == 0).all()
    assert (panel.filter(pl.col("units") > 0)["revenue"] > 0).all()


def test_calendar_features_are_a_weekday_one_hot_and_weekend_flag(olist_processed: Path) -> None:
    panel = panel_of(olist_processed)
    one_hot = panel.select(f"dow_{i}" for i in range(7)).to_numpy()
    assert (one_hot.sum(axis=1) == 1).all()
    weekday = panel["date"].dt.weekday().to_numpy() - 1  # Monday = 0
    assert (one_hot.argmax(axis=1) == weekday).all()
    assert (panel["is_weekend"].to_numpy() == (weekday >= 5)).all()


def test_units_and_revenue_count_the_delivered_approved_items(
    olist_raw: Path, olist_processed: Path
) -> None:
    panel = panel_of(olist_processed)
    expected = (
        kept_items(olist_raw)
        .group_by("product_id", "date")
        .agg(pl.len().alias("expected_units"), pl.col("price").sum().alias("expected_revenue"))
    )
    joined = panel.join(expected, on=["product_id", "date"], how="left").fill_null(0)
    assert (joined["units"] == joined["expected_units"]).all()
    np.testing.assert_allclose(joined["revenue"], joined["expected_revenue"], rtol=1e-9)


def test_each_filter_reports_the_rows_it_dropped(olist_raw: Path, tmp_path: Path) -> None:
    result = preprocess_olist(olist_raw, tmp_path, min_active_days=OLIST_MIN_ACTIVE_DAYS)
    orders, items = read_raw(olist_raw, "orders"), read_raw(olist_raw, "items")
    dropped = {drop.rule: drop for drop in result.drops}
    not_delivered = orders.filter(pl.col("order_status") != "delivered").height
    assert dropped["order_status is 'delivered'"].dropped == not_delivered > 0
    assert dropped["order_status is 'delivered'"].before == orders.height
    unapproved = orders.filter(
        (pl.col("order_status") == "delivered") & pl.col("order_approved_at").is_null()
    )
    assert dropped["order_approved_at is set"].dropped == unapproved.height
    items_dropped = items.height - kept_items(olist_raw).height
    assert [d.dropped for d in result.drops if d.file == OLIST_FILES["items"]][0] == items_dropped
    products = [d for d in result.drops if d.unit == "products"][0]
    assert products.before - products.dropped == result.products > 0


def test_the_split_is_chronological_70_15_15(olist_processed: Path) -> None:
    days = panel_of(olist_processed).group_by("date").agg(pl.col("split").first()).sort("date")
    splits = days["split"].to_list()
    assert splits == sorted(splits, key=["train", "val", "test"].index)
    shares = {name: splits.count(name) / len(splits) for name in ("train", "val", "test")}
    for name, share in zip(("train", "val", "test"), (0.7, 0.15, 0.15), strict=True):
        assert abs(shares[name] - share) <= 1 / len(splits)
    recorded = scalers_of(olist_processed)["splits"]
    first_val = days.filter(pl.col("split") == "val")["date"].min()
    assert recorded["val"][0] == first_val.isoformat()


def test_products_need_enough_active_training_days(olist_raw: Path, tmp_path: Path) -> None:
    loose = preprocess_olist(olist_raw, tmp_path / "loose", min_active_days=1)
    strict = preprocess_olist(olist_raw, tmp_path / "strict", min_active_days=40)
    assert 0 < strict.products < loose.products
    train = panel_of(tmp_path / "loose").filter(pl.col("split") == "train")
    active = train.group_by("product_id").agg((pl.col("units") > 0).sum().alias("active"))
    expected = set(active.filter(pl.col("active") >= 40)["product_id"])
    assert set(panel_of(tmp_path / "strict")["product_id"]) == expected


def test_review_features_match_the_reviews_made_so_far(
    olist_raw: Path, olist_processed: Path
) -> None:
    panel = panel_of(olist_processed)
    day = panel.filter(pl.col("split") == "val")["date"].min()
    items = kept_items(olist_raw).select("order_id", "product_id").unique()
    reviews = (
        read_raw(olist_raw, "reviews")
        .with_columns(pl.col("review_creation_date").str.slice(0, 10).str.to_date())
        .filter(pl.col("review_creation_date") <= day)
        .join(items, on="order_id")
        .group_by("product_id")
        .agg(pl.col("review_score").mean().alias("score"), pl.len().alias("count"))
    )
    on_day = panel.filter(pl.col("date") == day).join(reviews, on="product_id", how="left")
    with_reviews = on_day.filter(pl.col("count").is_not_null())
    assert with_reviews.height > 0
    np.testing.assert_allclose(with_reviews["review_rating"], (with_reviews["score"] - 1) / 4)
    log_max = scalers_of(olist_processed)["review_count_log"]["max"]
    np.testing.assert_allclose(
        with_reviews["review_count_log"] * log_max, np.log1p(with_reviews["count"])
    )
    assert (on_day.filter(pl.col("count").is_null())["review_count_log"] == 0).all()
    assert panel["review_rating"].is_between(0, 1).all()


@pytest.mark.parametrize("period", ["train", "val"])
def test_reviews_created_after_a_day_change_no_feature_up_to_it(
    olist_raw: Path, olist_processed: Path, tmp_path: Path, period: str
) -> None:
    """Rescore, drop and add reviews created after day d: every feature up to d is unchanged
    (the count normaliser is fitted on the training period, so inside it compare log counts)."""
    panel = panel_of(olist_processed)
    dates = panel.filter(pl.col("split") == period)["date"].unique().sort()
    cut = dates[len(dates) // 2]
    created = pl.col("review_creation_date").str.slice(0, 10).str.to_date()

    def change(reviews: pl.DataFrame) -> pl.DataFrame:
        later = reviews.filter(created > cut)
        rescored = later.with_columns(pl.lit(1, pl.Int64).alias("review_score"))
        extra = later.with_columns(
            pl.col("review_id") + "x", pl.lit(5, pl.Int64).alias("review_score")
        )
        return pl.concat([reviews.filter(created <= cut), rescored.gather_every(2), extra])

    raw = rewrite(olist_raw, tmp_path / "raw", "reviews", change)
    out = tmp_path / "out"
    preprocess_olist(raw, out, min_active_days=OLIST_MIN_ACTIVE_DAYS)
    before, after = panel_of(olist_processed), panel_of(out)
    up_to = pl.col("date") <= cut
    columns = ["product_id", "date", "units", "units_scaled", "review_rating"]
    assert before.filter(up_to).select(columns).equals(after.filter(up_to).select(columns))
    raw_counts = [
        frame.filter(up_to)["review_count_log"] * scalers_of(folder)["review_count_log"]["max"]
        for frame, folder in ((before, olist_processed), (after, out))
    ]
    np.testing.assert_allclose(raw_counts[0], raw_counts[1], rtol=1e-12)
    if period == "val":  # past the training period the normalised counts agree too
        np.testing.assert_array_equal(
            before.filter(up_to)["review_count_log"], after.filter(up_to)["review_count_log"]
        )
    later = pl.col("date") > cut
    assert not before.filter(later)["review_rating"].equals(after.filter(later)["review_rating"])


def test_scalers_are_fitted_on_the_training_period_only(
    olist_raw: Path, olist_processed: Path, tmp_path: Path
) -> None:
    """Triple the sales and rescore the reviews of the test period: the scalers stay the same."""
    test_start = dt.date.fromisoformat(scalers_of(olist_processed)["splits"]["test"][0])
    orders = read_raw(olist_raw, "orders")
    purchase = pl.col("order_purchase_timestamp").str.slice(0, 10).str.to_date()
    test_orders = orders.filter(purchase >= test_start)["order_id"].implode()
    raw = rewrite(
        olist_raw,
        tmp_path / "raw",
        "items",
        lambda items: pl.concat(
            [items, *[items.filter(pl.col("order_id").is_in(test_orders))] * 2]
        ),
    )
    created = pl.col("review_creation_date").str.slice(0, 10).str.to_date()
    read_raw(raw, "reviews").with_columns(
        pl.when(created >= test_start).then(6 - pl.col("review_score")).otherwise("review_score")
    ).write_csv(raw / OLIST_FILES["reviews"])
    out = tmp_path / "out"
    preprocess_olist(raw, out, min_active_days=OLIST_MIN_ACTIVE_DAYS)
    assert scalers_of(out) == scalers_of(olist_processed)
    test_units = [
        panel_of(d).filter(pl.col("split") == "test")["units"] for d in (olist_processed, out)
    ]
    assert test_units[1].sum() > test_units[0].sum()


def test_units_are_scaled_with_each_products_training_min_max(olist_processed: Path) -> None:
    panel = panel_of(olist_processed)
    units = scalers_of(olist_processed)["units"]
    low = panel["product_id"].replace_strict({p: v["min"] for p, v in units.items()})
    high = panel["product_id"].replace_strict({p: v["max"] for p, v in units.items()})
    np.testing.assert_allclose(panel["units_scaled"], (panel["units"] - low) / (high - low))
    train = panel.filter(pl.col("split") == "train")
    per_product = train.group_by("product_id").agg(
        pl.col("units_scaled").min().alias("low"), pl.col("units_scaled").max().alias("high")
    )
    assert (per_product["low"] == 0).all() and (per_product["high"] == 1).all()


def test_bad_splits_and_thresholds_are_refused(olist_raw: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="splits"):
        preprocess_olist(olist_raw, tmp_path, splits=(0.8, 0.1, 0.2))
    with pytest.raises(InputError, match="min_active_days"):
        preprocess_olist(olist_raw, tmp_path, min_active_days=0)
    with pytest.raises(InputError, match="no product has 500 or more days"):
        preprocess_olist(olist_raw, tmp_path, min_active_days=500)
    assert not any(tmp_path.iterdir())


def test_a_panel_too_short_for_one_window_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_olist(raw, products=5, days=40, seed=0)
    with pytest.raises(InputError, match=r"olist_orders_dataset.csv: .*too short for one window"):
        preprocess_olist(raw, tmp_path / "out", min_active_days=1)
    assert not (tmp_path / "out").exists()
    preprocess_olist(raw, tmp_path / "out", min_active_days=1, history_window=7, forecast_horizon=3)
