"""The Olist-shaped generator: the real files and columns, its quirks and its planted demand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.augment.data.olist import OLIST_FILES, write_olist
from benchlab.errors import InputError

# the Kaggle download's columns ("Brazilian E-Commerce Public Dataset by Olist"), in file order
KAGGLE_COLUMNS = {
    "olist_orders_dataset.csv": [
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ],
    "olist_order_items_dataset.csv": [
        "order_id",
        "order_item_id",
        "product_id",
        "seller_id",
        "shipping_limit_date",
        "price",
        "freight_value",
    ],
    "olist_products_dataset.csv": [
        "product_id",
        "product_category_name",
        "product_name_lenght",
        "product_description_lenght",
        "product_photos_qty",
        "product_weight_g",
        "product_length_cm",
        "product_height_cm",
        "product_width_cm",
    ],
    "olist_order_reviews_dataset.csv": [
        "review_id",
        "order_id",
        "review_score",
        "review_comment_title",
        "review_comment_message",
        "review_creation_date",
        "review_answer_timestamp",
    ],
}


def read(raw: Path, role: str) -> pl.DataFrame:
    return pl.read_csv(raw / OLIST_FILES[role], infer_schema_length=None)


def sales_by_day(raw: Path) -> pl.DataFrame:
    """Item rows with their order's purchase day."""
    orders = read(raw, "orders").select(
        "order_id", pl.col("order_purchase_timestamp").str.to_datetime().dt.date().alias("date")
    )
    return read(raw, "items").join(orders, on="order_id")


def test_the_four_files_carry_the_kaggle_names_and_columns(olist_raw: Path) -> None:
    assert sorted(p.name for p in olist_raw.iterdir()) == sorted(KAGGLE_COLUMNS)
    for name, columns in KAGGLE_COLUMNS.items():
        assert pl.read_csv(olist_raw / name, n_rows=1).columns == columns, name


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = write_olist(tmp_path / "a", products=5, days=40, seed=3)
    again = write_olist(tmp_path / "b", products=5, days=40, seed=3)
    other = write_olist(tmp_path / "c", products=5, days=40, seed=4)
    for role in OLIST_FILES:
        assert first[role].read_bytes() == again[role].read_bytes()
    assert first["orders"].read_bytes() != other["orders"].read_bytes()


def test_the_real_datas_quirks_are_there(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_olist(raw, products=40, days=200, seed=1)
    orders, items, products = read(raw, "orders"), read(raw, "items"), read(raw, "products")
    reviews_per_order = (
        orders.select("order_id")
        .join(read(raw, "reviews").group_by("order_id").len(), on="order_id", how="left")
        .fill_null(0)["len"]
    )
    assert (reviews_per_order == 0).any() and (reviews_per_order >= 2).any()
    statuses = set(orders["order_status"])
    assert {"delivered", "canceled"} <= statuses
    delivered = orders.filter(pl.col("order_status") == "delivered")
    assert delivered["order_approved_at"].null_count() > 0
    assert products["product_category_name"].null_count() > 0
    assert (items["order_item_id"] > 1).any()  # several units of a product in one order
    assert items["order_id"].is_in(orders["order_id"].implode()).all()
    assert items["product_id"].is_in(products["product_id"].implode()).all()
    assert orders["order_id"].is_unique().all() and products["product_id"].is_unique().all()


def test_demand_is_long_tailed_and_weekly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_olist(raw, seed=0)
    sales = sales_by_day(raw)
    days = sales["date"].n_unique()
    share_active = sales.group_by("product_id").agg(pl.col("date").n_unique() / days)["date"]
    assert share_active.min() < 0.2 < 0.6 < share_active.max()  # intermittent and busy ones
    weekday = sales.group_by(pl.col("date").dt.weekday()).len().sort("date")["len"].to_numpy()
    assert weekday[0] > 1.2 * weekday[5]  # Mondays sell more than Saturdays


@pytest.mark.parametrize("seed", [0, 1])
def test_review_scores_lead_demand(tmp_path: Path, seed: int) -> None:
    """Within a product, a four-week period with better reviews is followed by more sales."""
    raw = tmp_path / "raw"
    write_olist(raw, seed=seed)
    sales = sales_by_day(raw)
    period = (pl.col("date").dt.epoch("d") // 28).alias("period")
    scores = (
        read(raw, "reviews")
        .join(sales.select("order_id", "product_id", "date").unique("order_id"), on="order_id")
        .group_by("product_id", period)
        .agg(pl.col("review_score").mean().alias("score"))
    )
    units = sales.group_by("product_id", period).agg(pl.len().log().alias("log_units"))
    later = units.with_columns(pl.col("period") - 1)
    joined = scores.join(later, on=["product_id", "period"]).with_columns(
        (pl.col(c) - pl.col(c).mean().over("product_id")) for c in ("score", "log_units")
    )
    assert np.corrcoef(joined["score"], joined["log_units"])[0, 1] > 0.1  # ~0 without the effect


def test_sizes_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="positive"):
        write_olist(tmp_path, products=0)
