"""An M5-like synthetic retail demand generator with a known ground truth (the *oracle*).

A hierarchy of categories and departments of products, sold in stores spread over three states,
with intermittent and smooth demand, weekly and yearly seasonality, trend, prices with permanent
changes and temporary promotions (with price elasticity), calendar events and SNAP days. The
expected demand ``mu`` of series ``i`` on day ``t`` is a product of those effects, and sales are
negative-binomial draws with mean ``mu`` and dispersion ``k`` (variance ``mu + mu**2 / k``).

:func:`generate_synthetic` writes the seed 000 files (``train_data_features.feather``,
``train_data_target.feather``, ``feature_mapping_train.{json,pkl}``) plus
``train_data_oracle.feather`` (``bdID, oracle_mean, oracle_dispersion``). Work is done in chunks
of whole series, written as one record-batch group per chunk, so full M5 scale (30,490 series x
1,941 days) fits in a few GiB of memory. Output does not depend on the chunk size: every
parameter is drawn up front from ``numpy.random.default_rng(seed)`` and each series draws its
sales from its own stream ``default_rng(SeedSequence(seed, spawn_key=(1, series_index)))``.

>>> paths = generate_synthetic("tiny", seed=0, out_dir=tmp)  # doctest: +SKIP
>>> pl.scan_ipc(paths.features).select(pl.len()).collect().item()  # doctest: +SKIP
7300
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.ipc
from scipy.special import ndtri

from benchlab.errors import InputError
from benchlab.forecast.data.seed_files import (
    BDID,
    FEATURES_FILE,
    FILE_ID_COLUMNS,
    MAPPING_JSON,
    MAPPING_PKL,
    ORACLE_FILE,
    PRODUCT_ID,
    STORE_ID,
    TARGET_FILE,
)
from benchlab.forecast.features import FeatureSpec, build_features
from benchlab.forecast.schema import SEED_ID_COLUMNS
from benchlab.runs import scratch_directory

__all__ = [
    "END_DATE",
    "SIZES",
    "SynthPaths",
    "SynthSize",
    "generate_synthetic",
    "history_features",
]


@dataclass(frozen=True)
class SynthSize:
    """Shape of a synthetic panel: ``n_products x n_stores`` series of ``n_days`` days each."""

    n_products: int
    n_stores: int
    n_days: int

    @property
    def n_series(self) -> int:
        return self.n_products * self.n_stores

    @property
    def n_rows(self) -> int:
        return self.n_series * self.n_days


@dataclass(frozen=True)
class SynthPaths:
    """Where :func:`generate_synthetic` wrote its files."""

    features: Path
    target: Path
    mapping_json: Path
    mapping_pkl: Path
    oracle: Path


SIZES: dict[str, SynthSize] = {
    "tiny": SynthSize(n_products=5, n_stores=2, n_days=730),
    "small": SynthSize(n_products=25, n_stores=4, n_days=1095),
    "medium": SynthSize(n_products=100, n_stores=10, n_days=1826),
    "m5": SynthSize(n_products=3049, n_stores=10, n_days=1941),
}

END_DATE = dt.date(2020, 3, 28)
FIRST_PRODUCT_ID = 80558
PRODUCT_ID_STEP = 93
SEASON_LENGTH = 7
DEFAULT_CHUNK_SERIES = 1000

# Hierarchy (department shares of M5's 3,049 products).
CATEGORIES = ("FOODS", "HOUSEHOLD", "HOBBIES")
DEPARTMENTS = (
    ("FOODS_1", 0, 216),
    ("FOODS_2", 0, 398),
    ("FOODS_3", 0, 823),
    ("HOUSEHOLD_1", 1, 532),
    ("HOUSEHOLD_2", 1, 515),
    ("HOBBIES_1", 2, 416),
    ("HOBBIES_2", 2, 149),
)
STATES = ("CA", "TX", "WI")
# M5's SNAP days of the month per state.
SNAP_DAYS = {
    "CA": frozenset(range(1, 11)),
    "TX": frozenset({1, 3, 5, 6, 7, 9, 11, 12, 13, 15}),
    "WI": frozenset({2, 3, 5, 6, 8, 9, 11, 12, 14, 15}),
}
# Per category: log-level offset, mean price ($), promotions per year, SNAP log-lift.
CATEGORY_LOG_LEVEL = np.array([0.4, -0.1, -0.4])
CATEGORY_PRICE = np.array([3.0, 5.5, 5.0])
CATEGORY_PROMOS_PER_YEAR = np.array([6.0, 4.0, 3.0])
CATEGORY_SNAP_LIFT = np.array([0.12, 0.02, 0.0])
STATE_LOG_LEVEL = np.array([0.1, 0.0, -0.05])
# M5-like weekly shape, Monday..Sunday.
WEEKLY_SHAPE = np.array([0.93, 0.88, 0.87, 0.88, 0.98, 1.25, 1.21])
PRICE_CHANGES_PER_YEAR = 0.6
# Calendar events: name -> mean log-effect per category (FOODS, HOUSEHOLD, HOBBIES).
EVENTS: dict[str, tuple[float, float, float]] = {
    "SuperBowl": (0.12, 0.02, 0.0),
    "ValentinesDay": (0.03, 0.0, 0.10),
    "Easter": (0.08, 0.02, 0.05),
    "MemorialDay": (0.08, 0.03, 0.02),
    "IndependenceDay": (0.12, 0.03, 0.05),
    "LaborDay": (0.06, 0.02, 0.02),
    "Halloween": (0.05, 0.0, 0.15),
    "Thanksgiving": (-0.35, -0.4, -0.4),
    "Christmas": (-4.0, -4.0, -4.0),  # stores (almost) closed, as in M5
    "NewYear": (-0.15, -0.2, -0.2),
}


def generate_synthetic(
    size: str | SynthSize,
    *,
    seed: int = 42,
    out_dir: Path | str,
    horizon: int = 28,
    progress: bool = False,
    chunk_series: int | None = None,
) -> SynthPaths:
    """Generate a synthetic M5-like panel and write the seed 000 files (plus the oracle).

    Parameters
    ----------
    size
        A name from :data:`SIZES` (``tiny``, ``small``, ``medium``, ``m5``) or a ``SynthSize``.
    seed
        Seed of every random draw: the same seed writes byte-identical files.
    out_dir
        Folder to write into (created). Files appear there only once complete.
    horizon
        Forecast horizon; lag and rolling features use lags of at least ``horizon`` days.
    progress
        Show a Rich progress bar over chunks.
    chunk_series
        Series per chunk (default 1000); the output is identical for any value.
    """
    shape, name = _resolve_size(size)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    if int(horizon) < 1:
        raise InputError(f"horizon must be a positive number of days, got {horizon!r}")
    if chunk_series is not None and int(chunk_series) < 1:
        raise InputError(f"chunk_series must be a positive integer, got {chunk_series!r}")
    horizon = int(horizon)
    chunk = int(chunk_series or DEFAULT_CHUNK_SERIES)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    model = _DemandModel(shape, seed)
    spec = FeatureSpec.for_horizon(horizon, season_length=SEASON_LENGTH, mode="direct")
    mapping = _mapping(model, spec, name=name, seed=seed, horizon=horizon)

    # written beside the destination, then each file renamed into place; a killed process's
    # temporary folder is swept by the next generation into ``out``
    with scratch_directory(out, "synth") as tmp:
        _write_chunks(model, horizon, chunk, tmp, progress=progress, label=name)
        (tmp / MAPPING_JSON).write_text(json.dumps(mapping, indent=2) + "\n")
        (tmp / MAPPING_PKL).write_bytes(pickle.dumps(mapping, protocol=4))
        for file in (FEATURES_FILE, TARGET_FILE, ORACLE_FILE, MAPPING_JSON, MAPPING_PKL):
            os.replace(tmp / file, out / file)
    return SynthPaths(
        features=out / FEATURES_FILE,
        target=out / TARGET_FILE,
        mapping_json=out / MAPPING_JSON,
        mapping_pkl=out / MAPPING_PKL,
        oracle=out / ORACLE_FILE,
    )


def history_features(frame: pl.DataFrame | pl.LazyFrame, horizon: int = 28) -> pl.DataFrame:
    """Add the ``feature_*`` lag, rolling and calendar columns built from the target's history.

    ``frame`` holds ``productID, storeID, date, target``, sorted by ids then date. Every lag is at
    least ``horizon`` days, so each value is known ``horizon`` days ahead.
    """
    spec = FeatureSpec.for_horizon(horizon, season_length=SEASON_LENGTH, mode="direct")
    built = build_features(frame.lazy(), spec, FILE_ID_COLUMNS)
    return built.rename({n: f"feature_{n}" for n in spec.names()}).collect()


def _resolve_size(size: str | SynthSize) -> tuple[SynthSize, str]:
    if isinstance(size, SynthSize):
        shape = size
        name = next((k for k, v in SIZES.items() if v == size), "custom")
    elif isinstance(size, str) and size in SIZES:
        shape, name = SIZES[size], size
    else:
        raise InputError(f"unknown synthetic size {size!r}; valid sizes: {', '.join(SIZES)}")
    for field in ("n_products", "n_stores", "n_days"):
        value = getattr(shape, field)
        if not isinstance(value, int) or value < 1:
            raise InputError(f"SynthSize.{field} must be a positive integer, got {value!r}")
    return shape, name


class _DemandModel:
    """Every parameter of one panel, drawn once; ``chunk`` computes days for a slice of series."""

    def __init__(self, shape: SynthSize, seed: int) -> None:
        self.shape = shape
        self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        n_p, n_s, n_days = shape.n_products, shape.n_stores, shape.n_days
        n_series = shape.n_series
        years = n_days / 365.25

        # Calendar (shared by every series).
        self.start = END_DATE - dt.timedelta(days=n_days - 1)
        self.day_numbers = np.arange(
            (self.start - dt.date(1970, 1, 1)).days, (END_DATE - dt.date(1970, 1, 1)).days + 1
        ).astype(np.int32)
        dates = self.day_numbers.astype("datetime64[D]")
        self.weekday = (self.day_numbers.astype(np.int64) + 3) % 7  # 0 = Monday
        day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
        day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        self.event_code = _event_codes(self.start, n_days)
        self.snap = np.stack([np.isin(day_of_month, list(SNAP_DAYS[s])) for s in STATES])
        t = np.arange(n_days, dtype=np.float64)
        self.t_years = (t - (n_days - 1) / 2) / 365.25
        self.season_angle = 2 * np.pi * day_of_year / 365.25

        # Hierarchy: departments drawn by stratified sampling so even 5 products span them.
        self.product_ids = FIRST_PRODUCT_ID + PRODUCT_ID_STEP * np.arange(n_p, dtype=np.int64)
        self.store_ids = np.arange(1, n_s + 1, dtype=np.int64)
        shares = np.array([d[2] for d in DEPARTMENTS], dtype=np.float64)
        u_dept = (rng.permutation(n_p) + rng.uniform(size=n_p)) / n_p
        self.department = np.searchsorted(np.cumsum(shares) / shares.sum(), u_dept).clip(0, 6)
        self.category = np.array([d[1] for d in DEPARTMENTS])[self.department]
        self.store_state = np.zeros(n_s, dtype=np.int64)
        for state, idx in enumerate(np.array_split(np.arange(n_s), len(STATES))):
            self.store_state[idx] = state

        # Levels: product popularity (stratified lognormal), store and series effects.
        u_pop = (rng.permutation(n_p) + rng.uniform(size=n_p)) / n_p
        log_pop = -0.6 + 1.2 * ndtri(u_pop) + CATEGORY_LOG_LEVEL[self.category]
        log_store = STATE_LOG_LEVEL[self.store_state] + rng.normal(0.0, 0.15, n_s)
        log_series = rng.normal(0.0, 0.3, n_series)
        series_product = np.repeat(np.arange(n_p), n_s)
        series_store = np.tile(np.arange(n_s), n_p)
        log_level = log_pop[series_product] + log_store[series_store] + log_series
        self.level = np.exp(log_level)
        # Dispersion: fast sellers smoother (larger k) than slow ones.
        log_k = 0.5 + 0.45 * log_level + rng.normal(0.0, 0.35, n_series)
        self.dispersion = np.exp(log_k).clip(0.1, 100.0)

        # Seasonality and trend.
        weekly = WEEKLY_SHAPE[None, :] ** rng.uniform(0.6, 1.4, (3, 1))
        weekly *= np.exp(rng.normal(0.0, 0.03, (3, 7)))
        self.weekly = weekly / weekly.mean(axis=1, keepdims=True)
        amp_cat = rng.uniform(0.05, 0.2, 3)
        phase_cat = rng.uniform(0.0, 2 * np.pi, 3)
        self.year_amp = (amp_cat[self.category] * rng.lognormal(0.0, 0.3, n_p)).clip(0, 0.5)
        self.year_phase = phase_cat[self.category] + rng.normal(0.0, 0.4, n_p)
        self.trend = rng.normal(0.0, 0.06, n_p)[series_product] + rng.normal(0.0, 0.02, n_series)

        # Prices: base price, permanent changes, promotions, elasticity and promo lift.
        base = CATEGORY_PRICE[self.category] * rng.lognormal(0.0, 0.6, n_p)
        self.base_log_price = np.log(base)
        self.base_price = _round_price(base)
        self.elasticity = rng.lognormal(np.log(1.5), 0.35, n_p).clip(0.3, 4.0)
        self.promo_lift = rng.uniform(1.05, 1.3, 3)[self.category]
        lam = PRICE_CHANGES_PER_YEAR * years
        slots = max(1, math.ceil(lam + 4 * math.sqrt(lam) + 1))
        n_changes = np.minimum(rng.poisson(lam, n_p), slots)
        self.change_day = rng.integers(1, max(n_days, 2), (n_p, slots))
        self.change_log = rng.normal(0.04, 0.06, (n_p, slots))
        self.change_log[np.arange(slots)[None, :] >= n_changes[:, None]] = 0.0
        lam_promo = CATEGORY_PROMOS_PER_YEAR * years
        slots = max(1, math.ceil(lam_promo.max() + 4 * math.sqrt(lam_promo.max()) + 1))
        n_promos = np.minimum(rng.poisson(lam_promo[self.category]), slots)
        self.promo_start = rng.integers(0, n_days, (n_p, slots))
        self.promo_length = rng.integers(3, 15, (n_p, slots))
        self.promo_discount = rng.uniform(0.1, 0.4, (n_p, slots))
        self.promo_discount[np.arange(slots)[None, :] >= n_promos[:, None]] = 0.0

        # Events and SNAP effects.
        means = np.array(list(EVENTS.values()))
        event_log = means + rng.normal(0.0, 0.03, means.shape)
        self.event_mult = np.vstack([np.ones((1, 3)), np.exp(event_log)])  # row 0: no event
        snap_log = CATEGORY_SNAP_LIFT[:, None] + rng.normal(0.0, 0.01, (3, len(STATES)))
        self.snap_mult = np.exp(snap_log.clip(0.0, None))

    def prices(self, products: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shelf price and promo flag, shape ``(len(products), n_days)``."""
        day = np.arange(self.shape.n_days)
        log_regular = np.repeat(self.base_log_price[products, None], day.size, axis=1)
        for j in range(self.change_day.shape[1]):
            on = day[None, :] >= self.change_day[products, j, None]
            log_regular += np.where(on, self.change_log[products, j, None], 0.0)
        discount = np.zeros_like(log_regular)
        for j in range(self.promo_start.shape[1]):
            start = self.promo_start[products, j, None]
            on = (day[None, :] >= start) & (
                day[None, :] < start + self.promo_length[products, j, None]
            )
            discount = np.maximum(
                discount, np.where(on, self.promo_discount[products, j, None], 0.0)
            )
        regular = _round_price(np.exp(log_regular))
        promo = discount > 0
        price = np.where(promo, np.round(regular * (1.0 - discount), 2), regular)
        return price, promo

    def chunk(self, first: int, stop: int) -> dict[str, np.ndarray]:
        """Expected demand, sales and exogenous inputs of series ``first..stop-1``."""
        n_s = self.shape.n_stores
        series = np.arange(first, stop)
        product, store = series // n_s, series % n_s
        products = np.unique(product)
        price_u, promo_u = self.prices(products)
        row = np.searchsorted(products, product)
        price, promo = price_u[row], promo_u[row]
        cat, state = self.category[product], self.store_state[store]

        ratio = price / self.base_price[product, None]
        angle = self.season_angle[None, :] + self.year_phase[product, None]
        mu = self.level[series, None] * self.weekly[cat[:, None], self.weekday[None, :]]
        mu *= 1.0 + self.year_amp[product, None] * np.sin(angle)
        mu *= np.exp(self.trend[series, None] * self.t_years[None, :])
        mu *= ratio ** (-self.elasticity[product, None])
        mu *= np.where(promo, self.promo_lift[product, None], 1.0)
        mu *= self.event_mult[self.event_code[None, :], cat[:, None]]
        snap = self.snap[state]
        mu *= np.where(snap, self.snap_mult[cat, state][:, None], 1.0)

        k = self.dispersion[series]
        sales = np.empty_like(mu)
        for j, i in enumerate(series):  # one stream per series: output independent of chunking
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(1, int(i))))
            sales[j] = rng.negative_binomial(k[j], k[j] / (k[j] + mu[j]))
        return {
            "series": series,
            "product": product,
            "store": store,
            "mu": mu,
            "k": k,
            "sales": sales,
            "price": price,
            "ratio": ratio,
            "promo": promo,
            "snap": snap,
        }


def _round_price(price: np.ndarray) -> np.ndarray:
    """Shelf prices end in 9 cents (``2.49``), never below ``0.19``."""
    return np.maximum(np.round(price, 1) - 0.01, 0.19)


def _event_codes(start: dt.date, n_days: int) -> np.ndarray:
    """Per day: 0, or ``1 + index`` of the calendar event in :data:`EVENTS` on that day."""
    codes = np.zeros(n_days, dtype=np.int64)
    end = start + dt.timedelta(days=n_days - 1)
    for year in range(start.year, end.year + 1):
        days = {
            "SuperBowl": _nth_weekday(year, 2, 6, 1),
            "ValentinesDay": dt.date(year, 2, 14),
            "Easter": _easter(year),
            "MemorialDay": _nth_weekday(year, 5, 0, -1),
            "IndependenceDay": dt.date(year, 7, 4),
            "LaborDay": _nth_weekday(year, 9, 0, 1),
            "Halloween": dt.date(year, 10, 31),
            "Thanksgiving": _nth_weekday(year, 11, 3, 4),
            "Christmas": dt.date(year, 12, 25),
            "NewYear": dt.date(year, 1, 1),
        }
        for code, name in enumerate(EVENTS, start=1):
            offset = (days[name] - start).days
            if 0 <= offset < n_days:
                codes[offset] = code
    return codes


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th (``-1``: last) ``weekday`` (0 = Monday) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    return dt.date(year, month, (h + l_ - 7 * m + 33 * month + 19) % 32)


def _chunk_frames(
    model: _DemandModel, first: int, stop: int, horizon: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Features, target and oracle frames of series ``first..stop-1``."""
    c = model.chunk(first, stop)
    n_days = model.shape.n_days
    n = c["series"].size
    bd_id = np.arange(first * n_days, stop * n_days, dtype=np.int64)
    f32 = np.float32
    long = pl.DataFrame(
        {
            BDID: bd_id,
            PRODUCT_ID: np.repeat(model.product_ids[c["product"]], n_days),
            STORE_ID: np.repeat(model.store_ids[c["store"]], n_days),
            "date": pl.Series(np.tile(model.day_numbers, n)).cast(pl.Date),
            "target": c["sales"].ravel().astype(np.float64),
        }
    )
    features = history_features(long, horizon).drop("target")
    features = features.with_columns(
        pl.Series("feature_sell_price", c["price"].ravel().astype(f32)),
        pl.Series("feature_price_ratio", c["ratio"].ravel().astype(f32)),
        pl.Series("feature_promo", c["promo"].ravel().astype(f32)),
        pl.Series("feature_event", np.tile(model.event_code, n).astype(f32)),
        pl.Series("feature_snap", c["snap"].ravel().astype(f32)),
        pl.Series("feature_category", np.repeat(model.category[c["product"]], n_days).astype(f32)),
        pl.Series(
            "feature_department", np.repeat(model.department[c["product"]], n_days).astype(f32)
        ),
    )
    target = long.select(BDID, "target")
    oracle = pl.DataFrame(
        {
            BDID: bd_id,
            "oracle_mean": c["mu"].ravel(),
            "oracle_dispersion": np.repeat(c["k"], n_days).astype(np.float64),
        }
    )
    return features, target, oracle


def _chunks(n_series: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, n_series, size):
        yield first, min(first + size, n_series)


def _write_chunks(
    model: _DemandModel, horizon: int, chunk: int, folder: Path, *, progress: bool, label: str
) -> None:
    """Write the three IPC files, one record-batch group per chunk of series."""
    from rich.progress import Progress

    names = (FEATURES_FILE, TARGET_FILE, ORACLE_FILE)
    writers: list[pa.ipc.RecordBatchFileWriter] = []
    bounds = list(_chunks(model.shape.n_series, chunk))
    try:
        with Progress(disable=not progress) as bar:
            task = bar.add_task(f"synth {label}", total=len(bounds))
            for first, stop in bounds:
                tables = [f.to_arrow() for f in _chunk_frames(model, first, stop, horizon)]
                if not writers:
                    writers = [
                        pa.ipc.new_file(str(folder / n), t.schema)
                        for n, t in zip(names, tables, strict=True)
                    ]
                for writer, table in zip(writers, tables, strict=True):
                    writer.write_table(table)
                bar.advance(task)
    finally:
        for writer in writers:
            writer.close()


_DESCRIPTIONS = (
    (r"lag_(\d+)", "target lagged {0} days"),
    (r"rolling_mean_lag(\d+)_window(\d+)", "mean of target over {1} days ending {0} days before"),
    (r"rolling_std_lag(\d+)_window(\d+)", "std of target over {1} days ending {0} days before"),
    (r"weekday", "ISO weekday (1 = Monday .. 7 = Sunday)"),
    (r"day_of_month", "day of the month (1..31)"),
    (r"week_of_year", "ISO week of the year"),
    (r"month", "month (1..12)"),
    (r"quarter", "quarter (1..4)"),
)


def _describe(name: str) -> str:
    for pattern, text in _DESCRIPTIONS:
        match = re.fullmatch(pattern, name)
        if match:
            return text.format(*match.groups())
    return name


def _mapping(model: _DemandModel, spec: FeatureSpec, *, name: str, seed: int, horizon: int) -> dict:
    """The feature mapping (plain containers and scalars only, so JSON and pickle agree)."""
    columns = {f"feature_{n}": _describe(n) for n in spec.names()}
    events = ", ".join(f"{i}={e}" for i, e in enumerate(EVENTS, start=1))
    categories = ", ".join(f"{i}={c}" for i, c in enumerate(CATEGORIES))
    departments = ", ".join(f"{i}={d[0]}" for i, d in enumerate(DEPARTMENTS))
    columns |= {
        "feature_sell_price": "shelf price of the product on that day ($, promotions included)",
        "feature_price_ratio": "sell price / the product's base (first) price",
        "feature_promo": "1 if the product is on promotion that day, else 0",
        "feature_event": f"calendar event code (0=none, {events})",
        "feature_snap": "1 on a SNAP day in the store's state, else 0",
        "feature_category": f"product category code ({categories})",
        "feature_department": f"product department code ({departments})",
    }
    shape = model.shape
    return {
        "feature_columns": columns,
        "price_feature": "feature_sell_price",
        "freq": "1d",
        "season_length": SEASON_LENGTH,
        "horizon": int(horizon),
        "id_columns": dict(zip(FILE_ID_COLUMNS, SEED_ID_COLUMNS, strict=True)),
        "generator": {
            "size": name,
            "seed": int(seed),
            "n_series": int(shape.n_series),
            "n_products": int(shape.n_products),
            "n_stores": int(shape.n_stores),
            "n_days": int(shape.n_days),
            "start": model.start.isoformat(),
            "end": END_DATE.isoformat(),
            "oracle": "target ~ NegativeBinomial(mean=oracle_mean, dispersion=oracle_dispersion)",
        },
        "hierarchy": {
            str(int(pid)): {
                "category": CATEGORIES[int(cat)],
                "department": DEPARTMENTS[int(dep)][0],
            }
            for pid, cat, dep in zip(
                model.product_ids, model.category, model.department, strict=True
            )
        },
        "stores": {
            str(int(sid)): {"state": STATES[int(st)]}
            for sid, st in zip(model.store_ids, model.store_state, strict=True)
        },
    }
