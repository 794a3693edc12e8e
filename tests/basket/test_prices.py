"""T4 price features: the seed's four blocks, reference prices from earlier weeks only."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from benchlab.basket.prices import (
    BASE_WINDOW,
    PRICE_BLOCKS,
    PRICE_DIM,
    price_context,
    price_features,
    weekly_prices,
)


def _items(prices: dict[tuple[int, int], list[float]], store: int = 1) -> pl.DataFrame:
    """One row per (product, week) with QUANTITY 2 at the given unit price; ``prices`` maps
    (product, class) to the price of weeks 1, 2, …"""
    rows = []
    for (product, klass), series in prices.items():
        for week, price in enumerate(series, start=1):
            if price is not None:
                rows.append((product, store, week, klass, 0, 2, 2 * price))
    schema = ["product_idx", "store_idx", "shop_week", "class_idx", "dept_idx", "QUANTITY", "SPEND"]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _features(items: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    context = price_context(weekly_prices(items.lazy()).collect())
    return context, price_features(context)


def test_blocks_follow_the_seed_table() -> None:
    widths = {name: s.stop - s.start for name, s in PRICE_BLOCKS.items()}
    assert widths == {"fourier": 24, "log_price": 16, "relative_position": 16, "velocity": 8}
    assert sum(widths.values()) == PRICE_DIM == 64


def test_weekly_price_is_spend_over_quantity_without_returns() -> None:
    items = pl.DataFrame(
        {
            "product_idx": [3, 3, 3, 3],
            "store_idx": [1, 1, 1, 2],
            "shop_week": [1, 1, 1, 1],
            "class_idx": [0] * 4,
            "dept_idx": [0] * 4,
            "QUANTITY": [1, 3, -1, 2],
            "SPEND": [2.0, 6.0, 2.0, 5.0],
        }
    )
    weekly = weekly_prices(items.lazy()).collect()
    assert weekly.select("store_idx", "shop_week").rows() == [(1, 1), (2, 1)]
    np.testing.assert_allclose(np.exp(weekly["lp"].to_numpy()), [2.0, 2.5])


def test_shapes_are_finite_and_the_first_week_knows_no_reference() -> None:
    context, features = _features(_items({(3, 0): [1.0, 1.0, 0.6, 1.0], (4, 0): [2.0] * 4}))
    assert features.shape == (8, PRICE_DIM) and features.dtype == np.float32
    assert np.isfinite(features).all()
    assert np.abs(features[:, PRICE_BLOCKS["fourier"]]).max() <= 1.0
    first = context["shop_week"].to_numpy() == 1
    has_base, has_class, has_prior = features[:, 31], features[:, 43], features[:, 57]
    assert not has_base[first].any() and not has_class[first].any() and not has_prior[first].any()
    assert has_base[~first].all() and has_prior[~first].all()


def test_a_promotion_is_measured_against_the_earlier_regular_price() -> None:
    context, features = _features(_items({(3, 0): [2.0, 2.0, 2.0, 1.0, 2.0]}))
    week = context["shop_week"].to_numpy()
    promo, ratio, depth = features[:, 28], features[:, 26], features[:, 27]
    assert promo[week == 4].item() == 1 and promo[week != 4].sum() == 0
    assert ratio[week == 4].item() == pytest.approx(np.log(0.5), abs=1e-6)
    assert depth[week == 4].item() == pytest.approx(0.5, abs=1e-6)
    # week 5 is back to the base (the median of weeks 1-4 is 2.0), up from the prior 1.0
    velocity = features[week == 5, PRICE_BLOCKS["velocity"]][0]
    assert ratio[week == 5].item() == pytest.approx(0.0, abs=1e-6)
    assert velocity[0] == pytest.approx(np.log(2.0), abs=1e-6) and velocity[3] == 1


def test_base_price_reads_only_the_window_of_earlier_weeks() -> None:
    series = [4.0] * 3 + [1.0] * (BASE_WINDOW + 2)
    context, _ = _features(_items({(3, 0): series}))
    base = np.exp(context["base"].to_numpy())
    week = context["shop_week"].to_numpy()
    assert base[week == 4].item() == pytest.approx(4.0)  # weeks 1-3 only, not week 4 itself
    last = 3 + BASE_WINDOW + 1  # its window holds no week at 4.0 any more
    assert base[week == last].item() == pytest.approx(1.0)


def test_relative_position_compares_with_the_class_in_earlier_weeks() -> None:
    context, features = _features(
        _items({(3, 0): [1.0, 1.0, 1.0], (4, 0): [3.0, 3.0, 3.0], (5, 1): [9.0, 9.0, 9.0]})
    )
    mean = context["class_mean"].to_numpy()
    week, product = context["shop_week"].to_numpy(), context["product_idx"].to_numpy()
    expected = (np.log(1.0) + np.log(3.0)) / 2
    assert np.allclose(mean[(week > 1) & (product < 5)], expected)
    relative = features[:, 40]
    cheap, dear = (week == 2) & (product == 3), (week == 2) & (product == 4)
    assert relative[cheap].item() < 0 < relative[dear].item()
    assert relative[(week == 2) & (product == 5)].item() == pytest.approx(0.0, abs=1e-6)


def test_later_weeks_never_change_earlier_features() -> None:
    rng = np.random.default_rng(0)
    prices = {(p, p % 2): list(rng.uniform(1, 3, 12)) for p in range(3, 9)}
    base_context, base = _features(_items(prices))
    changed = {k: v[:7] + list(rng.uniform(5, 9, 5)) for k, v in prices.items()}
    changed[(9, 0)] = [None] * 8 + [1.0] * 4  # a new product from week 9
    new_context, new = _features(_items(changed))
    keys = ["product_idx", "store_idx", "shop_week"]
    early = base_context.with_row_index("a").filter(pl.col("shop_week") <= 7)
    joined = early.join(new_context.with_row_index("b"), on=keys, how="inner")
    assert joined.height == early.height
    np.testing.assert_array_equal(base[joined["a"].to_numpy()], new[joined["b"].to_numpy()])
    late = base_context["shop_week"].to_numpy() > 7
    assert not np.allclose(base[late], new[new_context["shop_week"].to_numpy() > 7][: late.sum()])
