"""Olist-shaped CSVs with planted demand: ``benchlab data olist`` (the augment task's embedded
data).

The four files carry the real Kaggle names and columns ("Brazilian E-Commerce Public Dataset by
Olist"), so ``benchlab augment preprocess`` reads this output and the real download alike. What is
planted, per product:

* long-tail demand: a log-normal base rate (many products sell on a few days only), some
  products launched part-way through, and stock-outs (days with no sales at all);
* weekly seasonality: more orders early in the week, fewest on Saturday;
* reviews that move demand: each product has a quality that drifts over time; review scores
  are drawn around the quality at purchase, and demand follows the quality a week later, so the
  review features seen so far carry signal about the coming days' sales;
* the real data's quirks: orders without a review and orders with two; cancelled, shipped,
  unavailable … orders; delivered orders without an approval time; products without a
  category (and without the fields that come with it); several units of one product in an
  order (``order_item_id`` 1, 2 …).

>>> paths = write_olist(Path(tempfile.mkdtemp()), products=5, days=30)  # doctest: +SKIP
>>> sorted(paths)  # doctest: +SKIP
['items', 'orders', 'products', 'reviews']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.errors import InputError
from benchlab.runs import atomic_path

ORDERS_FILE = "olist_orders_dataset.csv"
ITEMS_FILE = "olist_order_items_dataset.csv"
PRODUCTS_FILE = "olist_products_dataset.csv"
REVIEWS_FILE = "olist_order_reviews_dataset.csv"

#: Role → file name, as in the Kaggle download.
OLIST_FILES: dict[str, str] = {
    "orders": ORDERS_FILE,
    "items": ITEMS_FILE,
    "products": PRODUCTS_FILE,
    "reviews": REVIEWS_FILE,
}

#: The first purchase day (a Monday, inside the real data's span 2016-09 … 2018-10).
START = dt.date(2017, 1, 2)

#: Monday … Sunday demand multipliers (Olist buyers order most early in the week).
WEEKLY = np.array([1.14, 1.10, 1.05, 1.02, 0.97, 0.80, 0.92])

#: Order statuses and their shares (roughly the real data's, with more non-delivered orders).
STATUSES = ("delivered", "shipped", "canceled", "unavailable", "invoiced", "processing")
STATUS_SHARES = (0.93, 0.02, 0.02, 0.01, 0.01, 0.01)

CATEGORIES = (
    "cama_mesa_banho",
    "beleza_saude",
    "esporte_lazer",
    "moveis_decoracao",
    "informatica_acessorios",
    "utilidades_domesticas",
    "relogios_presentes",
    "telefonia",
    "ferramentas_jardim",
    "automotivo",
    "brinquedos",
    "cool_stuff",
    "perfumaria",
    "bebes",
    "eletronicos",
)

MESSAGES = (
    "Produto muito bom, chegou antes do prazo.",
    "Recomendo, ótima qualidade",
    "Não recebi o produto ainda",
    "produto diferente do anunciado, veio com defeito",
    "Entrega rápida. Tudo certo!",
)

TIMESTAMP = "%Y-%m-%d %H:%M:%S"
SECONDS_PER_DAY = 86_400
QUALITY_LAG_DAYS = 7  # demand follows the product's quality this many days later
REVIEW_EFFECT = 0.6  # demand × exp(REVIEW_EFFECT · (quality - 4))
NO_REVIEW_SHARE = 0.08
TWO_REVIEWS_SHARE = 0.03
NO_CATEGORY_SHARE = 0.05
LAUNCHED_LATE_SHARE = 0.2
SAME_ORDER_SHARE = 0.12  # a unit that joins the previous unit's order (same product, same day)


def write_olist(
    out_dir: str | Path, *, products: int = 60, days: int = 365, seed: int = 0
) -> dict[str, Path]:
    """Write the four Olist CSVs into ``out_dir``; return role → path (orders, items, products,
    reviews). Each file is written atomically; the same arguments write the same bytes."""
    if products < 1 or days < 1:
        raise InputError(f"olist: products and days must be positive (got {products}, {days})")
    rng = np.random.default_rng(seed)
    catalogue = _products(rng, products)
    units, quality = _daily_units(rng, products, days)
    items = _items(rng, catalogue.price, units)
    orders = _orders(rng, items)
    reviews = _reviews(rng, orders, quality)
    tables = {
        "orders": _format_orders(orders),
        "items": _format_items(items, orders, catalogue),
        "products": catalogue.table,
        "reviews": _format_reviews(reviews),
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for role, table in tables.items():
        path = out / OLIST_FILES[role]
        with atomic_path(path) as tmp:
            table.write_csv(tmp)
        paths[role] = path
    return paths


# --------------------------------------------------------------------------------------------
# products and their demand
# --------------------------------------------------------------------------------------------


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 32-hex-digit ids like Olist's (MD5-shaped)."""
    text = rng.bytes(16 * n).hex().encode()
    ids = np.frombuffer(text, dtype="S32").astype("U32")
    if pl.Series(ids).n_unique() < n:  # 2**-128 odds per pair; keep the ids a key anyway
        return _hex_ids(rng, n)
    return ids


@dataclass(frozen=True)
class _Catalogue:
    table: pl.DataFrame  # olist_products_dataset.csv
    ids: np.ndarray  # product_id by product number
    sellers: np.ndarray  # each product's seller_id
    price: np.ndarray  # each product's list price


def _products(rng: np.random.Generator, n: int) -> _Catalogue:
    """The products table with each product's id, seller and price."""
    ids = _hex_ids(rng, n)
    no_category = rng.random(n) < NO_CATEGORY_SHARE
    category = np.where(no_category, None, rng.choice(CATEGORIES, size=n)).tolist()

    def sized(values: np.ndarray) -> list:
        return np.where(no_category, None, values).tolist()

    table = pl.DataFrame(
        {
            "product_id": ids,
            "product_category_name": category,
            "product_name_lenght": sized(rng.integers(10, 70, n)),
            "product_description_lenght": sized(rng.integers(50, 3000, n)),
            "product_photos_qty": sized(rng.integers(1, 8, n)),
            "product_weight_g": rng.integers(50, 20_000, n),
            "product_length_cm": rng.integers(10, 100, n),
            "product_height_cm": rng.integers(2, 80, n),
            "product_width_cm": rng.integers(8, 90, n),
        },
        schema_overrides={
            "product_category_name": pl.String,
            "product_name_lenght": pl.Int64,
            "product_description_lenght": pl.Int64,
            "product_photos_qty": pl.Int64,
        },
    )
    price = np.round(np.exp(rng.normal(np.log(90.0), 0.8, n)), 2)
    return _Catalogue(table=table, ids=ids, sellers=_hex_ids(rng, n), price=price)


def _quality_paths(rng: np.random.Generator, products: int, days: int) -> np.ndarray:
    """[products, days] latent quality on the 1–5 review scale: a level plus a slow random walk
    and, for some products, one lasting jump (a new supplier, a bad batch)."""
    level = rng.normal(4.1, 0.5, size=(products, 1))
    walk = np.cumsum(rng.normal(0.0, 0.04, size=(products, days)), axis=1)
    jump_day = rng.integers(0, days, size=(products, 1))
    jump = rng.normal(0.0, 0.9, size=(products, 1)) * (rng.random((products, 1)) < 0.4)
    steps = np.where(np.arange(days)[None, :] >= jump_day, jump, 0.0)
    return np.clip(level + walk + steps, 1.0, 5.0)


def _daily_units(
    rng: np.random.Generator, products: int, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Units sold and latent quality per product and day (both [products, days])."""
    quality = _quality_paths(rng, products, days)
    base = np.exp(rng.normal(np.log(0.6), 1.1, size=(products, 1)))
    dow = (np.arange(days) + START.weekday()) % 7
    seasonal = WEEKLY[dow][None, :]
    lagged = np.concatenate(
        [np.repeat(quality[:, :1], QUALITY_LAG_DAYS, axis=1), quality[:, :-QUALITY_LAG_DAYS]],
        axis=1,
    )[:, :days]
    review_effect = np.exp(REVIEW_EFFECT * (lagged - 4.0))
    launch = np.where(
        rng.random(products) < LAUNCHED_LATE_SHARE, rng.integers(0, max(days // 2, 1), products), 0
    )
    launched = np.arange(days)[None, :] >= launch[:, None]
    in_stock = rng.random((products, days)) >= rng.uniform(0.0, 0.15, size=(products, 1))
    rate = base * seasonal * review_effect * launched * in_stock
    return rng.poisson(rate), quality


# --------------------------------------------------------------------------------------------
# items, orders, reviews (one row per unit / order / review, all vectorised)
# --------------------------------------------------------------------------------------------


def _items(rng: np.random.Generator, list_price: np.ndarray, units: np.ndarray) -> pl.DataFrame:
    """One row per unit sold: its product, day, order number and position in the order."""
    product_idx, day = np.nonzero(units)
    counts = units[product_idx, day]
    product_idx, day = np.repeat(product_idx, counts), np.repeat(day, counts)
    first_of_cell = np.ones(len(day), dtype=bool)
    first_of_cell[1:] = (product_idx[1:] != product_idx[:-1]) | (day[1:] != day[:-1])
    new_order = first_of_cell | (rng.random(len(day)) >= SAME_ORDER_SHARE)
    order = np.cumsum(new_order) - 1
    price = list_price[product_idx] * rng.uniform(0.95, 1.05, len(day))
    return pl.DataFrame(
        {
            "order": order,
            "product": product_idx,
            "day": day,
            "price": np.round(price, 2),
            "freight_value": np.round(rng.gamma(2.0, 9.0, len(day)), 2),
        }
    ).with_columns(order_item_id=pl.int_range(1, pl.len() + 1).over("order"))


def _orders(rng: np.random.Generator, items: pl.DataFrame) -> pl.DataFrame:
    """One row per order: times (seconds from START) and status."""
    first = items.group_by("order", maintain_order=True).agg(
        pl.col("day").first(), pl.col("product").first()
    )
    n = first.height
    status = rng.choice(STATUSES, size=n, p=STATUS_SHARES)
    purchase = first["day"].to_numpy() * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, n)
    approved = purchase + rng.integers(600, 2 * SECONDS_PER_DAY, n)
    approved_missing = ((status == "canceled") & (rng.random(n) < 0.5)) | (
        (status == "delivered") & (rng.random(n) < 0.005)
    )
    carrier = approved + rng.integers(SECONDS_PER_DAY, 5 * SECONDS_PER_DAY, n)
    customer = carrier + rng.integers(2 * SECONDS_PER_DAY, 15 * SECONDS_PER_DAY, n)
    estimated = (purchase // SECONDS_PER_DAY + rng.integers(15, 31, n)) * SECONDS_PER_DAY
    delivered = status == "delivered"
    reached_carrier = delivered | (status == "shipped")
    return pl.DataFrame(
        {
            "order": first["order"],
            "day": first["day"],
            "product": first["product"],
            "order_id": _hex_ids(rng, n),
            "customer_id": _hex_ids(rng, n),
            "order_status": status,
            "purchase": purchase,
            "approved": np.where(approved_missing, -1, approved),
            "carrier": np.where(reached_carrier, carrier, -1),
            "customer": np.where(delivered, customer, -1),
            "estimated": estimated,
        }
    )


def _reviews(rng: np.random.Generator, orders: pl.DataFrame, quality: np.ndarray) -> pl.DataFrame:
    """Reviews: most orders one, some none, some two; scores around the product's quality on
    the purchase day; created the day after delivery (or the estimated date)."""
    n = orders.height
    copies = np.where(rng.random(n) < NO_REVIEW_SHARE, 0, 1 + (rng.random(n) < TWO_REVIEWS_SHARE))
    picked = np.repeat(np.arange(n), copies)
    product = orders["product"].to_numpy()[picked]
    day = orders["day"].to_numpy()[picked]
    score = np.clip(np.rint(quality[product, day] + rng.normal(0.0, 0.9, len(picked))), 1, 5)
    delivered_at = orders["customer"].to_numpy()[picked]
    estimated = orders["estimated"].to_numpy()[picked]
    reference = np.where(delivered_at >= 0, delivered_at, estimated)
    created = (reference // SECONDS_PER_DAY + 1 + rng.integers(0, 3, len(picked))) * SECONDS_PER_DAY
    has_message = rng.random(len(picked)) < 0.4
    message = np.where(has_message, rng.choice(MESSAGES, size=len(picked)), None)
    title = np.where(rng.random(len(picked)) < 0.1, "recomendo", None)
    return pl.DataFrame(
        {
            "review_id": _hex_ids(rng, len(picked)),
            "order_id": orders["order_id"].to_numpy()[picked],
            "review_score": score.astype(np.int64),
            "review_comment_title": title.tolist(),
            "review_comment_message": message.tolist(),
            "created": created,
            "answered": created + rng.integers(3600, 4 * SECONDS_PER_DAY, len(picked)),
        },
        schema_overrides={"review_comment_title": pl.String, "review_comment_message": pl.String},
    )


# --------------------------------------------------------------------------------------------
# the files' columns, in the real order
# --------------------------------------------------------------------------------------------


def _timestamp(column: str) -> pl.Expr:
    """Seconds from START → ``YYYY-MM-DD HH:MM:SS`` (negative: missing)."""
    seconds = pl.col(column)
    moment = pl.lit(dt.datetime.combine(START, dt.time())) + pl.duration(seconds=seconds)
    return pl.when(seconds >= 0).then(moment.dt.strftime(TIMESTAMP)).alias(column)


def _format_orders(orders: pl.DataFrame) -> pl.DataFrame:
    return orders.select(
        "order_id",
        "customer_id",
        "order_status",
        _timestamp("purchase").alias("order_purchase_timestamp"),
        _timestamp("approved").alias("order_approved_at"),
        _timestamp("carrier").alias("order_delivered_carrier_date"),
        _timestamp("customer").alias("order_delivered_customer_date"),
        _timestamp("estimated").alias("order_estimated_delivery_date"),
    )


def _format_items(items: pl.DataFrame, orders: pl.DataFrame, catalogue: _Catalogue) -> pl.DataFrame:
    """Items with their order's id and a shipping limit six days after approval (or purchase)."""
    times = orders.select(
        "order",
        "order_id",
        pl.when(pl.col("approved") >= 0)
        .then(pl.col("approved"))
        .otherwise(pl.col("purchase"))
        .alias("ready"),
    )
    product = items["product"].to_numpy()
    return (
        items.join(times, on="order", how="left")
        .with_columns(
            product_id=pl.Series(catalogue.ids[product]),
            seller_id=pl.Series(catalogue.sellers[product]),
            shipping_limit=pl.col("ready") + 6 * SECONDS_PER_DAY,
        )
        .select(
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            _timestamp("shipping_limit").alias("shipping_limit_date"),
            "price",
            "freight_value",
        )
    )


def _format_reviews(reviews: pl.DataFrame) -> pl.DataFrame:
    return reviews.select(
        "review_id",
        "order_id",
        "review_score",
        "review_comment_title",
        "review_comment_message",
        _timestamp("created").alias("review_creation_date"),
        _timestamp("answered").alias("review_answer_timestamp"),
    )
