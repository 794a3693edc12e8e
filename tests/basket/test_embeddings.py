"""Stage 2's embedding maths on small hand-made baskets."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from benchlab.basket import embeddings as emb


def _two_worlds(n_baskets: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Baskets of 3 products drawn from products 0-4 or from 5-9, never mixed."""
    rng = np.random.default_rng(seed)
    basket, product = [], []
    for b in range(n_baskets):
        group = (b % 2) * 5
        for p in rng.choice(5, 3, replace=False):
            basket.append(b)
            product.append(group + p)
    return np.array(basket), np.array(product)


def _cosine(vectors: np.ndarray) -> np.ndarray:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T


def _groups_hold(vectors: np.ndarray) -> bool:
    """Every product of the two worlds is closer to each of its own world than to any other."""
    sim = _cosine(vectors)
    group = np.arange(10) // 5
    same = (group[:, None] == group[None, :]) & ~np.eye(10, dtype=bool)
    closest_other = np.where(~same & ~np.eye(10, dtype=bool), sim, -np.inf).max(axis=1)
    farthest_own = np.where(same, sim, np.inf).min(axis=1)
    return bool((farthest_own > closest_other).all())


def test_constants_match_the_batch_and_the_encoders() -> None:
    from benchlab.basket import batch, encoding

    assert (emb.PAD_ID, emb.UNK_ID, emb.MASK_ID, emb.FIRST_PRODUCT_ID) == (
        batch.PAD_ID,
        batch.UNK_ID,
        batch.MASK_ID,
        batch.FIRST_PRODUCT_ID,
    )
    assert emb.AFFINITY_DIM == batch.AFFINITY_DIM
    assert emb.STORE_REGIONS == encoding.STORE_REGION_VALUES
    assert emb.STORE_FORMATS == encoding.STORE_FORMAT_VALUES
    assert emb.SENSITIVITIES == encoding.CUST_PRICE_SENSITIVITY_VALUES
    assert (*emb.LIFESTAGES, "XX") == encoding.CUST_LIFESTAGE_VALUES


def test_ppmi_keeps_only_positive_association() -> None:
    counts = np.array([[0, 9, 1], [9, 0, 1], [1, 1, 0]], dtype=float)
    weights = emb.ppmi(__import__("scipy.sparse").sparse.csr_matrix(counts)).toarray()
    assert (weights >= 0).all()
    assert weights[0, 1] > 0 and weights[0, 2] == 0


@pytest.mark.parametrize("method", ["cooccurrence", "item2vec"])
def test_products_bought_together_end_up_together(method: str) -> None:
    basket, product = _two_worlds()
    if method == "cooccurrence":
        vectors = emb.cooccurrence_vectors(basket, product, 10, dim=8, seed=0)
    else:
        vectors = emb.item2vec_vectors(basket, product, 10, dim=8, seed=0, epochs=2)
    assert vectors.shape == (10, 8) and vectors.dtype == np.float32
    assert _groups_hold(vectors)


def test_item2vec_is_seeded() -> None:
    basket, product = _two_worlds(100)
    a = emb.item2vec_vectors(basket, product, 10, dim=4, seed=3, epochs=2)
    b = emb.item2vec_vectors(basket, product, 10, dim=4, seed=3, epochs=2)
    c = emb.item2vec_vectors(basket, product, 10, dim=4, seed=4, epochs=2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_cooccurrence_has_at_most_products_minus_one_columns() -> None:
    basket, product = _two_worlds(50)
    assert emb.cooccurrence_vectors(basket, product, 10, dim=256, seed=0).shape == (10, 9)


def test_product_table_rows() -> None:
    vectors = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    table = emb.product_table(vectors, dim=4, seed=7)
    assert table.shape == (6, 4) and table.dtype == np.float32
    assert not table[emb.PAD_ID].any()
    products = table[emb.FIRST_PRODUCT_ID :]
    np.testing.assert_allclose(np.linalg.norm(products[[0, 2]], axis=1), [2.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(table[emb.UNK_ID], products[[0, 2]].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(products[1], table[emb.UNK_ID])  # no vector → UNK
    again, other = emb.product_table(vectors, 4, seed=7), emb.product_table(vectors, 4, seed=8)
    np.testing.assert_array_equal(table[emb.MASK_ID], again[emb.MASK_ID])
    assert not np.allclose(table[emb.MASK_ID], other[emb.MASK_ID])


def test_positional_encodings_are_sinusoidal() -> None:
    table = emb.positional_encodings(50, 256)
    assert table.shape == (50, 256) and table.dtype == np.float32
    np.testing.assert_allclose(table[0, 0::2], 0.0)
    np.testing.assert_allclose(table[0, 1::2], 1.0)
    np.testing.assert_allclose(table[7, 0], np.sin(7.0), rtol=1e-6)
    assert len(np.unique(table.round(5), axis=0)) == 50


def test_customer_history_orders_columns_by_information() -> None:
    basket, product = _two_worlds(200)
    customer = basket % 20 + 1  # customers 1-20; odd ones buy from products 5-9
    history = emb.customer_history(customer, product, 20, 10, dim=16, seed=0)
    assert history.shape == (21, 16) and history.dtype == np.float32
    norms = np.linalg.norm(history[1:], axis=0)
    assert (np.diff(norms[norms > 1e-6]) <= 1e-4).all()
    np.testing.assert_allclose(history[0], history[1:].mean(axis=0), atol=1e-6)
    sim = _cosine(history[1:, :4] + 1e-9)
    assert sim[0, 2] > sim[0, 1]  # customers 1 and 3 buy alike, customer 2 elsewhere


def test_segments_cluster_customers_and_keep_an_unknown_row() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[5.0, 0, 0], [0, 5.0, 0]])
    rows = np.concatenate([centres[i % 2] + rng.normal(0, 0.1, 3) for i in range(30)])
    history = emb.with_unknown_row(rows.reshape(30, 3).astype(np.float32))
    assigned, table = emb.segments(history, n_segments=2, dim=4, seed=0, columns=3)
    assert assigned[0] == 2 and table.shape == (3, 4)
    assert len(set(assigned[1::2])) == 1 and len(set(assigned[2::2])) == 1
    assert assigned[1] != assigned[2]
    np.testing.assert_allclose(table[2, :3], history[0], rtol=1e-6)
    few, few_table = emb.segments(history[:3], n_segments=8, dim=4, seed=0, columns=3)
    assert few_table.shape == (3, 4) and few[0] == 2


def test_category_affinity_lifts_what_a_customer_buys_more() -> None:
    owner = np.array([0, 0, 1, 1, 2, 2])
    category = np.array([0, 0, 1, 1, 0, 1])
    spend = np.full(6, 10.0)
    lift = emb.category_affinity(owner, category, spend, 3, 2, dim=32, seed=0)
    assert lift.shape == (3, 32) and not lift[:, 2:].any()
    # categories ordered by total spend (equal here: stable order), owner 0 likes category 0
    assert lift[0, 0] > 0 > lift[0, 1] and lift[1, 1] > 0 > lift[1, 0]
    many = emb.category_affinity(
        np.arange(40) % 8, np.arange(40), np.ones(40), 8, 40, dim=4, seed=0
    )
    assert many.shape == (8, 4) and np.abs(many).sum() > 0


def test_customer_static_blocks() -> None:
    baskets = pl.DataFrame(
        {
            "customer": [1, 1, 2],
            "cust_lifestage": ["YA", "YA", "ZZ"],
            "cust_price_sensitivity": ["LA", "LA", "UM"],
            "total_spend": [10.0, 20.0, 5.0],
            "n_products": [2, 3, 1],
            "shop_hour": [9, 9, 20],
            "shop_weekday": [1, 2, 7],
            "shop_week": [1, 2, 2],
            "store_format": ["LS", "LS", "SS"],
        }
    )
    items = pl.DataFrame(
        {
            "customer": [1, 1, 2],
            "dept_idx": [0, 1, 1],
            "division_idx": [0, 0, 1],
            "spend": [5.0, 5.0, 5.0],
            "promo": [True, False, False],
            "class_relative": [0.5, 0.0, -0.5],
        }
    )
    static = emb.customer_static(baskets, items, 2, 2, 2, dim=160, seed=0)
    blocks = emb.STATIC_BLOCKS
    assert static.shape == (3, 160) and np.isfinite(static).all()
    assert static[1, blocks["lifestage"]].tolist() == [1, 0, 0, 0, 0, 0, 0]
    assert static[2, blocks["lifestage"]][-1] == 1  # unknown lifestage → last column
    assert static[2, blocks["price_sensitivity"]].tolist() == [0, 0, 1, 0]
    assert static[1, blocks["hours"]][9] == 1 and static[2, blocks["weekdays"]][6] == 1
    assert not static[:, blocks["store_formats"].stop :].any()
    np.testing.assert_allclose(static[0], static[1:].mean(axis=0), atol=1e-6)
