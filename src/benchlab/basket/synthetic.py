"""dunnhumby-shaped transactions with planted structure: ``benchlab data baskets``.

The 22 columns of "Let's Get Sort of Real" (codes as the real file spells them: ``PRD0900001``,
``CL00001``/``DEP00001``/``G00001``/``D00001``, ``CUST0000000001``, ``STORE00001``, 64-bit
``BASKET_ID`` from 994100100000001, ``SHOP_WEEK`` ISO ``YYYYWW`` from 200607, ``SHOP_DATE``
``YYYYMMDD``, ``SHOP_WEEKDAY`` 1 = Sunday … 7 = Saturday). What is planted, so that a model can
learn more than a frequency count:

* **segments** (one per lifestage): each has its own affinity to departments and products, its
  own mix of price sensitivity (LA buys value lines and reacts most to promotions, UM buys
  premium lines), missions and shopping hours; every customer has a few favourite products;
* **missions** (Top Up, Full Shop, Small Shop, Emergency) drawn per basket from the segment and
  the store format (small stores: more top-ups and emergencies) set the basket's size and focus
  (fresh, grocery, non-food, mixed, or "essentials" for emergencies), and each basket has two
  theme departments most of its items come from, so the other items of a basket tell which
  products are missing from it;
* the **labels follow from the contents**: ``BASKET_SIZE`` from the number of items (S ≤ 4,
  M ≤ 12, L), ``BASKET_TYPE`` (Full Shop ≥ 15 items; Emergency ≤ 3 items mostly essentials;
  Small Shop ≤ 5; else Top Up), ``BASKET_DOMINANT_MISSION`` (the division with ≥ 60 % of the
  spend: Fresh/Grocery/Nonfood; else Mixed when non-food is under 20 %, else General),
  ``BASKET_PRICE_SENSITIVITY`` (spend-weighted price tier: LA/MM/UM; XX for one-item baskets);
  1 % of type and mission labels are XX, as unknowns are in the real file;
* **rhythms**: missions have their days (full shops at weekends) and hours (emergencies late,
  small shops at lunch), pensioners shop earlier, young adults later; seasonal departments and
  a Christmas peak;
* **promotions**: each week about 6 % of products are 15–50 % off (all stores); they sell more,
  to price-sensitive customers most, and in larger quantities; prices drift up 2 % a year and
  differ by store;
* some anonymous baskets (no ``CUST_CODE``), customers who join late or leave, and a few returns
  (negative ``QUANTITY`` with positive ``SPEND``).

Generated one week at a time with NumPy (items drawn by inverse CDF over per-week tables), so
memory stays bounded by a week and every week has its own seeded stream.

>>> frame = generate_transactions(customers=20, products=30, stores=2, weeks=2, seed=0)
>>> frame.columns[:4], frame["BASKET_ID"].dtype
(['SHOP_WEEK', 'SHOP_DATE', 'SHOP_WEEKDAY', 'SHOP_HOUR'], Int64)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.basket.layout import ProjectLayout
from benchlab.basket.schema import COLUMNS
from benchlab.errors import InputError

#: The first week (ISO year, week): dunnhumby's data starts in week 200607.
START = dt.date.fromisocalendar(2006, 7, 1)
BASKET_ID_BASE = 994_100_100_000_000

MISSIONS = ("Top Up", "Full Shop", "Small Shop", "Emergency")
DIVISIONS = ("Fresh", "Grocery", "Nonfood")
#: A basket's focus: one of the divisions, Mixed (no emphasis) or Essentials (emergencies).
FOCUSES = (*DIVISIONS, "Mixed", "Essentials")
LIFESTAGES = ("YA", "OA", "YF", "OF", "PE", "OT")
SENSITIVITIES = ("LA", "MM", "UM")
STORE_FORMATS = ("LS", "MS", "SS", "XLS")
REGIONS = ("E01", "E02", "N01", "N02", "S01", "S02", "W01", "W02")
HOURS = np.arange(8, 22)

# segment (= primary lifestage) tables, rows in LIFESTAGES order
_SEG_SENSITIVITY = np.array(
    [
        [0.4, 0.4, 0.2],
        [0.2, 0.5, 0.3],
        [0.5, 0.4, 0.1],
        [0.3, 0.4, 0.3],
        [0.4, 0.4, 0.2],
        [0.2, 0.4, 0.4],
    ]
)
_SEG_MISSION = np.array(
    [
        [0.45, 0.10, 0.30, 0.15],
        [0.40, 0.25, 0.25, 0.10],
        [0.35, 0.40, 0.15, 0.10],
        [0.30, 0.45, 0.15, 0.10],
        [0.40, 0.25, 0.32, 0.03],
        [0.40, 0.25, 0.25, 0.10],
    ]
)
_SEG_HOUR_SHIFT = np.array([1, 0, 0, 0, -2, 0])
_SEG_SIZE = np.array([0.8, 1.0, 1.25, 1.2, 0.9, 1.0])
# store format → mission multipliers (formats in STORE_FORMATS order)
_FORMAT_MISSION = np.array(
    [[0.9, 1.3, 0.8, 0.8], [1.0, 0.8, 1.0, 1.0], [1.2, 0.3, 1.5, 1.6], [0.8, 1.6, 0.7, 0.6]]
)
_FORMAT_SIZE = np.array([2.0, 1.2, 0.8, 3.0])
# mission → focus (FOCUSES order)
_MISSION_FOCUS = np.array(
    [
        [0.45, 0.25, 0.05, 0.25, 0.00],
        [0.10, 0.10, 0.05, 0.75, 0.00],
        [0.30, 0.35, 0.20, 0.15, 0.00],
        [0.05, 0.05, 0.05, 0.05, 0.80],
    ]
)
# mission → weekday (SHOP_WEEKDAY 1 = Sunday … 7 = Saturday)
_MISSION_WEEKDAY = np.array(
    [
        [0.12, 0.15, 0.15, 0.15, 0.15, 0.15, 0.13],
        [0.22, 0.06, 0.06, 0.07, 0.10, 0.19, 0.30],
        [0.10, 0.16, 0.16, 0.16, 0.16, 0.14, 0.12],
        [0.16, 0.14, 0.14, 0.14, 0.14, 0.14, 0.14],
    ]
)
# mission → distinct items: a floor plus a Poisson part (scaled by the segment)
_MISSION_ITEMS_MIN = np.array([3, 12, 1, 1])
_MISSION_ITEMS = np.array([4.0, 10.0, 2.0, 0.6])
_TIER_PREFERENCE = np.array([[2.5, 1.0, 0.35], [1.0, 1.0, 1.0], [0.4, 1.0, 2.5]])
_PROMO_UPLIFT = np.array([6.0, 3.0, 1.0])
_P_FAVOURITE = 0.15
_P_THEME = 0.7
_P_ANONYMOUS = 0.04
_RETURN_RATE = 3e-4


def _bumps(centres: list[tuple[float, float]], width: float = 1.3) -> np.ndarray:
    """A distribution over :data:`HOURS` made of Gaussian bumps ``(centre, weight)``."""
    density = sum(w * np.exp(-0.5 * ((HOURS - c) / width) ** 2) for c, w in centres)
    density = density + 0.02
    return density / density.sum()


_MISSION_HOUR = np.stack(
    [
        _bumps([(12.5, 0.5), (17.5, 1.0)]),
        _bumps([(11.0, 1.0), (14.5, 0.8)], width=2.0),
        _bumps([(12.5, 1.0), (16.0, 0.3)], width=1.0),
        _bumps([(20.0, 1.0), (9.0, 0.15)]),
    ]
)


@dataclass(frozen=True)
class _World:
    """Everything fixed across weeks: catalogue, stores, customers, segments."""

    division: np.ndarray  # per product (products sorted by department)
    department: np.ndarray
    klass: np.ndarray
    group: np.ndarray
    tier: np.ndarray
    base_price: np.ndarray
    popularity: np.ndarray
    essential: np.ndarray  # per department
    dept_division: np.ndarray
    dept_start: np.ndarray  # first product of each department
    season_amp: np.ndarray  # per department
    season_phase: np.ndarray
    seg_dept: np.ndarray  # [segment, department] affinity
    seg_product: np.ndarray  # [segment, product] affinity
    store_format: np.ndarray
    store_region: np.ndarray
    store_level: np.ndarray
    cust_segment: np.ndarray
    cust_sensitivity: np.ndarray  # 0..2, 3 = XX (known to the shop as unknown)
    cust_lifestage: np.ndarray  # 0..5, 6 = XX
    cust_store: np.ndarray
    cust_rate: np.ndarray
    cust_first: np.ndarray  # first and last active week (0-based)
    cust_last: np.ndarray
    favourites: np.ndarray  # [customer, n_favourites]
    weeks: int

    @property
    def n_products(self) -> int:
        return len(self.division)

    @property
    def n_departments(self) -> int:
        return len(self.dept_division)


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of ``probs`` ([n, k], rows summing to 1), vectorised."""
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = 1.0
    return (rng.random((len(probs), 1)) > cdf).sum(axis=1)


def _hierarchy(rng: np.random.Generator, products: int) -> dict[str, np.ndarray]:
    """Division → group → department → class → product, each level non-empty, products sorted
    by department then class."""
    n_groups = max(3, products // 60)
    n_depts = max(6, products // 15)
    n_classes = max(n_depts, products // 5)
    group_division = np.concatenate(
        [np.arange(3), rng.choice(3, n_groups - 3, p=[0.35, 0.45, 0.20])]
    )
    dept_group = np.concatenate(
        [np.arange(n_groups), rng.integers(0, n_groups, n_depts - n_groups)]
    )
    # at least two departments per division, so every focus has a choice
    dept_group[:6] = [np.flatnonzero(group_division == d % 3)[0] for d in range(6)]
    class_dept = np.concatenate([np.arange(n_depts), rng.integers(0, n_depts, n_classes - n_depts)])
    product_class = np.concatenate(
        [np.arange(n_classes), rng.integers(0, n_classes, products - n_classes)]
    )
    product_dept = class_dept[product_class]
    order = np.lexsort((product_class, product_dept))
    product_class, product_dept = product_class[order], product_dept[order]
    return {
        "klass": product_class,
        "department": product_dept,
        "group": dept_group[product_dept],
        "division": group_division[dept_group[product_dept]],
        "dept_division": group_division[dept_group],
    }


def _world(customers: int, products: int, stores: int, weeks: int, seed: int) -> _World:
    rng = np.random.default_rng([seed, 0])
    h = _hierarchy(rng, products)
    n_depts = len(h["dept_division"])
    n_seg = len(LIFESTAGES)
    tier = rng.choice(3, products, p=[0.3, 0.45, 0.25])
    division_price = np.array([1.4, 1.8, 3.5])[h["division"]]
    base_price = np.round(
        division_price * np.array([0.7, 1.0, 1.5])[tier] * rng.lognormal(0, 0.5, products), 2
    )
    base_price = np.maximum(base_price, 0.1)
    essential = np.zeros(n_depts, dtype=bool)
    candidates = np.flatnonzero(h["dept_division"] > 0)
    essential[rng.choice(candidates, max(1, round(0.15 * n_depts)), replace=False)] = True
    dept_start = np.searchsorted(h["department"], np.arange(n_depts))
    seg_dept = rng.lognormal(0, 1.0, (n_seg, n_depts))
    seg_product = rng.lognormal(0, 0.6, (n_seg, products))
    popularity = rng.lognormal(0, 1.0, products)

    formats = np.resize(rng.permutation(len(STORE_FORMATS)), stores)
    regions = rng.integers(0, len(REGIONS), stores)
    level = rng.uniform(0.95, 1.06, stores)

    segment = rng.integers(0, n_seg, customers)
    lifestage = np.where(rng.random(customers) < 0.75, segment, rng.integers(0, n_seg, customers))
    lifestage[rng.random(customers) < 0.03] = n_seg
    sensitivity = _draw(rng, _SEG_SENSITIVITY[segment])
    sensitivity[rng.random(customers) < 0.03] = 3
    store_p = _FORMAT_SIZE[formats] / _FORMAT_SIZE[formats].sum()
    cust_store = rng.choice(stores, customers, p=store_p)
    rate = rng.gamma(2.0, 0.35, customers) * _SEG_SIZE[segment] ** -0.5
    late = rng.random(customers) < 0.3
    first = np.where(late, rng.integers(0, weeks, customers), 0)
    leaves = rng.random(customers) < 0.15
    last = np.where(leaves, first + rng.integers(0, weeks, customers), weeks - 1).clip(
        max=weeks - 1
    )
    # favourites: drawn from the segment's affinity (10 per customer, repeats allowed)
    seg_weights = seg_product * popularity * seg_dept[:, h["department"]]
    cdf = np.cumsum(seg_weights, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random((customers, 10))
    favourites = _favourites(cdf, segment, u)
    return _World(
        division=h["division"],
        department=h["department"],
        klass=h["klass"],
        group=h["group"],
        tier=tier,
        base_price=base_price,
        popularity=popularity,
        essential=essential,
        dept_division=h["dept_division"],
        dept_start=dept_start,
        season_amp=rng.uniform(0, 0.5, n_depts) * (rng.random(n_depts) < 0.3),
        season_phase=rng.uniform(0, 2 * np.pi, n_depts),
        seg_dept=seg_dept,
        seg_product=seg_product,
        store_format=formats,
        store_region=regions,
        store_level=level,
        cust_segment=segment,
        cust_sensitivity=sensitivity,
        cust_lifestage=lifestage,
        cust_store=cust_store,
        cust_rate=rate,
        cust_first=first,
        cust_last=last,
        favourites=favourites,
        weeks=weeks,
    )


def _favourites(cdf: np.ndarray, segment: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws ``u`` [customers, k] from each customer's segment row of ``cdf``."""
    n_seg, n = cdf.shape
    flat = (cdf + np.arange(n_seg)[:, None]).ravel()
    index = np.searchsorted(flat, u + segment[:, None])
    return np.minimum(index - segment[:, None] * n, n - 1)


def _week_dates(weeks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per week: ``SHOP_WEEK`` (YYYYWW), week of the year; per week and weekday (1 = Sunday):
    ``SHOP_DATE`` (YYYYMMDD)."""
    shop_week = np.empty(weeks, dtype=np.int32)
    week_of_year = np.empty(weeks, dtype=np.int32)
    shop_date = np.empty((weeks, 7), dtype=np.int32)
    for w in range(weeks):
        monday = START + dt.timedelta(weeks=w)
        year, week, _ = monday.isocalendar()
        shop_week[w], week_of_year[w] = year * 100 + week, week
        for weekday in range(7):  # 0 = Sunday: the last day of the ISO week
            day = monday + dt.timedelta(days=(weekday - 1) % 7)
            shop_date[w, weekday] = day.year * 10_000 + day.month * 100 + day.day
    return shop_week, week_of_year, shop_date


def _block_cdf(weights: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Rows of ``weights`` [g, n] turned into one increasing array: within each row, within each
    block (``starts``: first column of each block) a CDF from 0 to 1, offset by ``row * blocks +
    block``. A draw ``u`` from block ``b`` of row ``r`` is ``searchsorted(flat, r*B + b + u)``."""
    n_rows, n = weights.shape
    block = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    cum = np.cumsum(weights, axis=1)
    before = np.concatenate([np.zeros((n_rows, 1)), cum], axis=1)[:, starts]
    totals = np.add.reduceat(weights, starts, axis=1)
    cdf = (cum - before[:, block]) / totals[:, block]
    cdf[:, np.append(starts[1:] - 1, n - 1)] = 1.0
    offset = np.arange(n_rows)[:, None] * len(starts) + block[None, :]
    return (cdf + offset).ravel()


def _week(
    world: _World, w: int, seed: int, next_basket: int, calendar: tuple
) -> dict[str, np.ndarray]:
    """The rows of week ``w`` as arrays of indices and numbers (codes are attached later)."""
    rng = np.random.default_rng([seed, 1, w])
    shop_week, week_of_year, shop_date = calendar
    n_seg, n_depts, n_products = len(LIFESTAGES), world.n_departments, world.n_products
    woy = week_of_year[w]
    season = 1 + 0.1 * np.sin(2 * np.pi * (woy - 10) / 52) + 0.35 * (woy in (50, 51))
    season *= 1 + 0.05 * w / 52  # slow growth

    # baskets: known customers (active this week), then anonymous ones
    active = (world.cust_first <= w) & (world.cust_last >= w)
    visits = rng.poisson(world.cust_rate * season * active)
    customer = np.repeat(np.arange(len(visits)), visits)
    n_anon = rng.poisson(_P_ANONYMOUS / (1 - _P_ANONYMOUS) * max(len(customer), 1))
    n_baskets = len(customer) + n_anon
    known = np.arange(n_baskets) < len(customer)
    customer = np.concatenate([customer, np.full(n_anon, -1)])
    segment = np.where(known, world.cust_segment[customer], rng.integers(0, n_seg, n_baskets))
    sensitivity = np.where(known, world.cust_sensitivity[customer], 1)
    sensitivity = np.where(sensitivity == 3, 1, sensitivity)  # XX customers behave mid-market
    n_stores = len(world.store_format)
    store = np.where(
        known & (rng.random(n_baskets) < 0.85),
        world.cust_store[np.maximum(customer, 0)],
        rng.integers(0, n_stores, n_baskets),
    )
    fmt = world.store_format[store]
    mission_p = _SEG_MISSION[segment] * _FORMAT_MISSION[fmt]
    mission = _draw(rng, mission_p / mission_p.sum(axis=1, keepdims=True))
    weekday = _draw(rng, _MISSION_WEEKDAY[mission])
    hour = HOURS[_draw(rng, _MISSION_HOUR[mission])]
    hour = np.clip(hour + np.where(rng.random(n_baskets) < 0.6, _SEG_HOUR_SHIFT[segment], 0), 8, 21)
    focus = _draw(rng, _MISSION_FOCUS[mission])

    # department weights per (segment, focus), this week's season
    dept_season = 1 + world.season_amp * np.sin(2 * np.pi * woy / 52 + world.season_phase)
    focus_mult = np.ones((len(FOCUSES), n_depts))
    for d in range(len(DIVISIONS)):
        focus_mult[d, world.dept_division == d] = 8.0
    focus_mult[len(DIVISIONS) + 1, world.essential] = 40.0
    dept_w = world.seg_dept[:, None, :] * focus_mult[None] * dept_season  # [seg, focus, dept]
    dept_flat = _block_cdf(dept_w.reshape(-1, n_depts), np.array([0]))

    # products within departments per (segment, sensitivity): affinity, tier, promotions
    promo = rng.random(n_products) < 0.06
    discount = np.where(promo, rng.choice([0.15, 0.2, 0.25, 0.33, 0.5], n_products), 0.0)
    prod_w = (
        world.popularity
        * world.seg_product[:, None, :]
        * _TIER_PREFERENCE[None, :, world.tier]
        * (1 + _PROMO_UPLIFT[None, :, None] * discount)
    )  # [seg, sens, product]
    prod_flat = _block_cdf(prod_w.reshape(-1, n_products), world.dept_start)

    # item draws per basket: favourites, theme departments, or the focus's departments;
    # twice as many draws as the distinct items wanted, the first distinct ones kept
    wanted = _MISSION_ITEMS_MIN[mission] + rng.poisson(_SEG_SIZE[segment] * _MISSION_ITEMS[mission])
    wanted = np.minimum(wanted, min(60, n_products // 3))
    basket = np.repeat(np.arange(n_baskets), 2 * wanted + 2)
    n_draws = len(basket)
    row = segment * len(FOCUSES) + focus
    theme = (
        np.searchsorted(dept_flat, row[:, None] + rng.random((n_baskets, 2)))
        - row[:, None] * n_depts
    )
    source = rng.random(n_draws)
    dept = np.searchsorted(dept_flat, row[basket] + rng.random(n_draws)) - row[basket] * n_depts
    use_theme = (source < _P_THEME) & (mission[basket] != 3)
    dept = np.where(use_theme, theme[basket, rng.integers(0, 2, n_draws)], dept)
    dept = np.minimum(dept, n_depts - 1)
    group = segment[basket] * 3 + sensitivity[basket]
    key = group * n_depts + dept + rng.random(n_draws)
    product = np.minimum(np.searchsorted(prod_flat, key) - group * n_products, n_products - 1)
    favourite = known[basket] & (source > 1 - _P_FAVOURITE)
    if len(world.favourites):
        fav = world.favourites[np.maximum(customer[basket], 0), rng.integers(0, 10, n_draws)]
        product = np.where(favourite, fav, product)

    # one row per (basket, product): the first ``wanted`` distinct products of each basket
    pair, first = np.unique(basket.astype(np.int64) * n_products + product, return_index=True)
    pair = pair[np.argsort(first, kind="stable")]  # draw order, baskets stay in order
    basket, product = pair // n_products, pair % n_products
    rank = np.arange(len(pair)) - np.searchsorted(basket, basket)
    keep = rank < wanted[basket]
    basket, product = basket[keep], product[keep]
    n_rows = len(basket)
    price = (
        world.base_price[product]
        * world.store_level[store[basket]]
        * (1.02 ** (w / 52))
        * (1 - discount[product])
    )
    lam = 0.15 + 0.5 * discount[product] * _PROMO_UPLIFT[sensitivity[basket]] / 3 + 0.2 / price
    quantity = (1 + rng.poisson(lam)).astype(np.int32)
    spend = np.round(price * quantity, 2)
    order = np.lexsort((rng.random(n_rows), basket))  # items in random order within a basket
    basket, product, quantity, spend = basket[order], product[order], quantity[order], spend[order]

    # labels from the contents
    n_items = np.bincount(basket, minlength=n_baskets)
    essential = np.bincount(basket, world.essential[world.department[product]], minlength=n_baskets)
    total = np.bincount(basket, spend, minlength=n_baskets)
    share = (
        np.stack(
            [
                np.bincount(basket, spend * (world.division[product] == d), minlength=n_baskets)
                for d in range(3)
            ],
            axis=1,
        )
        / np.maximum(total, 1e-9)[:, None]
    )
    top = share.argmax(axis=1)
    dominant = np.where(share.max(axis=1) >= 0.6, top, np.where(share[:, 2] < 0.2, 3, 4))
    basket_type = np.where(
        n_items >= 15,
        1,
        np.where((n_items <= 3) & (essential * 2 >= n_items), 3, np.where(n_items <= 5, 2, 0)),
    )
    tier_score = np.bincount(basket, world.tier[product], minlength=n_baskets) / np.maximum(
        n_items, 1
    )
    price_label = np.where(tier_score < 0.75, 0, np.where(tier_score > 1.25, 2, 1))
    price_label = np.where(n_items <= 1, 3, price_label)
    size_label = np.where(n_items <= 4, 0, np.where(n_items <= 12, 1, 2))
    basket_type = np.where(rng.random(n_baskets) < 0.01, 4, basket_type)
    dominant = np.where(rng.random(n_baskets) < 0.01, 5, dominant)

    # a few returns: negative quantity, the spend as recorded
    returned = rng.random(n_rows) < _RETURN_RATE
    quantity = np.where(returned, -quantity, quantity)
    return {
        "SHOP_WEEK": np.full(n_rows, shop_week[w], dtype=np.int32),
        "SHOP_DATE": shop_date[w, weekday[basket]],
        "SHOP_WEEKDAY": (weekday[basket] + 1).astype(np.int8),
        "SHOP_HOUR": hour[basket].astype(np.int8),
        "QUANTITY": quantity,
        "SPEND": spend,
        "product": product,
        "customer": customer[basket],
        "BASKET_ID": (BASKET_ID_BASE + next_basket + 1 + basket).astype(np.int64),
        "size": size_label[basket],
        "price": price_label[basket],
        "type": basket_type[basket],
        "mission": dominant[basket],
        "store": store[basket],
        "n_baskets": np.array([n_baskets]),
    }


def _lookup(values: list[str] | tuple[str, ...]) -> pl.Series:
    """``values`` as an Enum series: gathering rows from it copies indices, not text."""
    return pl.Series(values, dtype=pl.String).cast(pl.Enum(sorted(set(values))))


def _codes(world: _World) -> dict[str, pl.Series]:
    """The text of every index: product codes and hierarchy, customers, stores, labels."""
    n = world.n_products
    customers = len(world.cust_segment)
    return {
        "PROD_CODE": _lookup([f"PRD{900_001 + i:07d}" for i in range(n)]),
        "PROD_CODE_10": _lookup([f"CL{c + 1:05d}" for c in world.klass]),
        "PROD_CODE_20": _lookup([f"DEP{d + 1:05d}" for d in world.department]),
        "PROD_CODE_30": _lookup([f"G{g + 1:05d}" for g in world.group]),
        "PROD_CODE_40": _lookup([f"D{d + 1:05d}" for d in world.division]),
        "CUST_CODE": _lookup([f"CUST{i + 1:010d}" for i in range(customers)]),
        "CUST_PRICE_SENSITIVITY": _lookup(
            [(*SENSITIVITIES, "XX")[s] for s in world.cust_sensitivity]
        ),
        "CUST_LIFESTAGE": _lookup([(*LIFESTAGES, "XX")[s] for s in world.cust_lifestage]),
        "STORE_CODE": _lookup([f"STORE{i + 1:05d}" for i in range(len(world.store_format))]),
        "STORE_FORMAT": _lookup([STORE_FORMATS[f] for f in world.store_format]),
        "STORE_REGION": _lookup([REGIONS[r] for r in world.store_region]),
        "BASKET_SIZE": _lookup(["S", "M", "L"]),
        "BASKET_PRICE_SENSITIVITY": _lookup([*SENSITIVITIES, "XX"]),
        "BASKET_TYPE": _lookup([*MISSIONS, "XX"]),
        "BASKET_DOMINANT_MISSION": _lookup([*DIVISIONS, "Mixed", "General", "XX"]),
    }


_INDEX_OF = {
    "PROD_CODE": "product",
    "PROD_CODE_10": "product",
    "PROD_CODE_20": "product",
    "PROD_CODE_30": "product",
    "PROD_CODE_40": "product",
    "CUST_CODE": "customer",
    "CUST_PRICE_SENSITIVITY": "customer",
    "CUST_LIFESTAGE": "customer",
    "STORE_CODE": "store",
    "STORE_FORMAT": "store",
    "STORE_REGION": "store",
    "BASKET_SIZE": "size",
    "BASKET_PRICE_SENSITIVITY": "price",
    "BASKET_TYPE": "type",
    "BASKET_DOMINANT_MISSION": "mission",
}


def _frame(arrays: dict[str, np.ndarray], codes: dict[str, pl.Series]) -> pl.DataFrame:
    columns = {}
    for name, dtype in COLUMNS.items():
        if name in _INDEX_OF:
            index = arrays[_INDEX_OF[name]]
            column = codes[name].gather(pl.Series(np.maximum(index, 0), dtype=pl.UInt32))
            if name.startswith("CUST"):  # anonymous baskets (index -1): empty
                column = column.scatter(np.flatnonzero(index < 0), None)
            columns[name] = column.alias(name)
        else:
            columns[name] = pl.Series(name, arrays[name], dtype=dtype)
    return pl.DataFrame(columns)


def _check_sizes(customers: int, products: int, stores: int, weeks: int) -> None:
    for name, value, least in (
        ("customers", customers, 1),
        ("products", products, 30),
        ("stores", stores, 1),
        ("weeks", weeks, 1),
    ):
        if value < least:
            raise InputError(f"basket generator: {name} must be at least {least} (got {value})")


def iter_transactions(
    customers: int = 1000, products: int = 300, stores: int = 8, weeks: int = 117, seed: int = 0
) -> Iterator[pl.DataFrame]:
    """The transactions one week at a time (the 22 columns, in order, text columns as Enum;
    same seed, same rows)."""
    _check_sizes(customers, products, stores, weeks)
    world = _world(customers, products, stores, weeks, seed)
    codes = _codes(world)
    calendar = _week_dates(weeks)
    next_basket = 0
    for w in range(weeks):
        arrays = _week(world, w, seed, next_basket, calendar)
        next_basket += int(arrays["n_baskets"][0])
        yield _frame(arrays, codes)


def generate_transactions(
    customers: int = 1000, products: int = 300, stores: int = 8, weeks: int = 117, seed: int = 0
) -> pl.DataFrame:
    """All the transactions in one frame (for small sizes; :func:`write_transactions` streams)."""
    frames = iter_transactions(customers, products, stores, weeks, seed)
    text = [pl.col(c).cast(pl.String) for c, dtype in COLUMNS.items() if dtype == pl.String()]
    return pl.concat(list(frames)).with_columns(text)


@dataclass(frozen=True)
class GeneratedTransactions:
    """What :func:`write_transactions` wrote."""

    path: Path
    rows: int
    baskets: int
    seconds: float


def write_transactions(
    root: str | Path,
    *,
    customers: int = 1000,
    products: int = 300,
    stores: int = 8,
    weeks: int = 117,
    seed: int = 0,
    progress: bool = False,
    console: object | None = None,
) -> GeneratedTransactions:
    """Write ``<root>/raw_data/transactions.csv`` week by week (atomic), and
    ``generator.json`` beside it (the parameters and counts). A ``transactions.parquet`` left
    from an earlier CSV is removed, so the stages read the new data."""
    from rich.progress import Progress

    from benchlab.runs import atomic_path

    _check_sizes(customers, products, stores, weeks)
    layout = ProjectLayout(root)
    started = time.perf_counter()
    rows = baskets = 0
    chunks = iter_transactions(customers, products, stores, weeks, seed)
    with (
        atomic_path(layout.raw_csv) as tmp,
        tmp.open("wb") as handle,
        Progress(disable=not progress, console=console, transient=True) as bar,  # type: ignore[arg-type]
    ):
        task = bar.add_task("generating transactions (weeks)", total=weeks)
        for w, chunk in enumerate(chunks):
            chunk.write_csv(handle, include_header=w == 0)
            rows += chunk.height
            baskets += chunk["BASKET_ID"].n_unique()
            bar.advance(task)
        handle.close()
        layout.raw_parquet.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    info = {
        "generator": "benchlab.basket.synthetic",
        "customers": customers,
        "products": products,
        "stores": stores,
        "weeks": weeks,
        "seed": seed,
        "rows": rows,
        "baskets": baskets,
    }
    with atomic_path(layout.raw_data / "generator.json") as tmp:
        tmp.write_text(json.dumps(info, indent=2) + "\n")
    return GeneratedTransactions(path=layout.raw_csv, rows=rows, baskets=baskets, seconds=seconds)
