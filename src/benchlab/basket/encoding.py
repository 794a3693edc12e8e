"""The dynamic T1, T3 and T6 encoders, vectorised over a batch (one NumPy call per block).

T3 temporal [64]:
    weekday one-hot 7 | weekday sin/cos 2 | hour one-hot 24 | hour sin/cos 2 |
    day-of-year Fourier 8 | day-of-month sin/cos 2 | weekend 1 | part of day 4 |
    week trend 2 | week Fourier 12 (periods 4, 13, 26, 52, 104, 208 weeks)
T6 trip [48], what is known of the shopper before the trip, never a basket label:
    customer price sensitivity 4 | lifestage 8 | store format 5 | store region 14 |
    anonymous 1 | first-time customer 1 | log history 1 | history bins 12 |
    visits per week 1 | log visits per week 1
T1 customer [192]:
    segment 64 | history 96 | affinity 32, the history shrunk towards the unknown
    customer's row while the customer has few earlier baskets (cold start).

Categorical values are coded against fixed lists (``*_VALUES``) so a value gets the same
column in every split; anything else (XX, missing) takes the last, "unknown" column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from benchlab.basket.batch import AFFINITY_DIM, HISTORY_DIM, SEGMENT_DIM, TEMPORAL_DIM, TRIP_DIM

CUST_PRICE_SENSITIVITY_VALUES = ("LA", "MM", "UM")
CUST_LIFESTAGE_VALUES = ("YA", "OA", "YF", "OF", "PE", "OT", "XX")
STORE_FORMAT_VALUES = ("LS", "MS", "SS", "XLS")
STORE_REGION_VALUES = (
    *(f"E0{i}" for i in range(1, 6)),
    *(f"N0{i}" for i in range(1, 4)),
    *(f"S0{i}" for i in range(1, 4)),
    *(f"W0{i}" for i in range(1, 3)),
)
HISTORY_BIN_EDGES = np.array([1, 2, 3, 4, 6, 9, 13, 21, 33, 65, 129])
"""Left edges of the history-length bins 1, 2, 3, 4–5, 6–8, …, 129+ (bin 0 is no history)."""
REFERENCE_WEEKS = 117
"""The seed's number of weeks: week ``w`` is encoded the same way in every split and dataset."""
HISTORY_SHRINKAGE = 3.0
"""Earlier baskets at which a customer's own history and the unknown row weigh the same."""
_WEEK_PERIODS = np.array([4.0, 13.0, 26.0, 52.0, 104.0, 208.0])


def category_codes(
    values: pl.Series | Sequence[str | None], categories: Sequence[str]
) -> np.ndarray:
    """Index of each value in ``categories``; unknown or missing → ``len(categories)``."""
    series = values if isinstance(values, pl.Series) else pl.Series(values, dtype=pl.Utf8)
    mapping = pl.DataFrame(
        {"value": list(categories), "code": np.arange(len(categories), dtype=np.int8)}
    )
    coded = (
        series.cast(pl.Utf8)
        .to_frame("value")
        .join(mapping, on="value", how="left", maintain_order="left")
        .get_column("code")
        .fill_null(len(categories))
    )
    return coded.to_numpy().astype(np.int8)


def _one_hot(codes: np.ndarray, width: int) -> np.ndarray:
    return np.eye(width, dtype=np.float32)[np.clip(codes, 0, width - 1)]


def _cycle(value: np.ndarray, period: float) -> np.ndarray:
    angle = 2 * np.pi * value[:, None] / period
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1)


def encode_temporal(
    day: np.ndarray, weekday: np.ndarray, hour: np.ndarray, week: np.ndarray
) -> np.ndarray:
    """T3 [B, 64] from the date (``datetime64``), weekday 1–7, hour 0–23 and the sequential
    week (1 = first week of the data)."""
    day = np.asarray(day).astype("datetime64[D]")
    weekday = np.asarray(weekday, dtype=np.int64)
    hour = np.clip(np.asarray(hour, dtype=np.int64), 0, 23)
    week = np.asarray(week, dtype=np.float64)
    year_start = day.astype("datetime64[Y]").astype("datetime64[D]")
    day_of_year = (day - year_start).astype(np.float64)
    day_of_month = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.float64)
    iso_weekday = (day.astype(np.int64) + 3) % 7  # Monday 0 … Sunday 6
    harmonics = np.arange(1, 5)
    doy_angle = 2 * np.pi * day_of_year[:, None] * harmonics / 365.25
    week_angle = 2 * np.pi * week[:, None] / _WEEK_PERIODS
    parts = [
        _one_hot(weekday - 1, 7),
        _cycle(weekday - 1.0, 7),
        _one_hot(hour, 24),
        _cycle(hour.astype(np.float64), 24),
        np.sin(doy_angle),
        np.cos(doy_angle),
        _cycle(day_of_month, 31),
        (iso_weekday >= 5)[:, None],
        _one_hot(hour // 6, 4),
        (week / REFERENCE_WEEKS)[:, None],
        (np.log1p(np.maximum(week, 0)) / np.log1p(REFERENCE_WEEKS))[:, None],
        np.sin(week_angle),
        np.cos(week_angle),
    ]
    out = np.concatenate([np.asarray(p, dtype=np.float32) for p in parts], axis=1)
    assert out.shape[1] == TEMPORAL_DIM
    return out


def trip_categories(
    cust_price_sensitivity: np.ndarray,
    cust_lifestage: np.ndarray,
    store_format: np.ndarray,
    store_region: np.ndarray,
    anonymous: np.ndarray,
    first_time: np.ndarray,
) -> np.ndarray:
    """T6's first 33 columns: the category one-hots and the two flags."""
    parts = [
        _one_hot(cust_price_sensitivity, len(CUST_PRICE_SENSITIVITY_VALUES) + 1),
        _one_hot(cust_lifestage, len(CUST_LIFESTAGE_VALUES) + 1),
        _one_hot(store_format, len(STORE_FORMAT_VALUES) + 1),
        _one_hot(store_region, len(STORE_REGION_VALUES) + 1),
        np.asarray(anonymous, dtype=np.float32)[:, None],
        np.asarray(first_time, dtype=np.float32)[:, None],
    ]
    return np.concatenate(parts, axis=1, dtype=np.float32)


def trip_history(history_length: np.ndarray, week: np.ndarray) -> np.ndarray:
    """T6's last 15 columns: log history, history bins, visits per week (plain and log)."""
    history = np.maximum(np.asarray(history_length, dtype=np.float32), 0)
    weeks_before = np.maximum(np.asarray(week, dtype=np.float32) - 1, 1)
    visits = np.minimum(history / weeks_before, 7.0)
    out = np.empty((len(history), 15), dtype=np.float32)
    out[:, 0] = np.minimum(np.log1p(history) / np.log1p(256), 1.0)
    out[:, 1:13] = _one_hot(np.searchsorted(HISTORY_BIN_EDGES, history, side="right"), 12)
    out[:, 13] = visits / 7.0
    out[:, 14] = np.log1p(visits)
    return out


def encode_trip(
    cust_price_sensitivity: np.ndarray,
    cust_lifestage: np.ndarray,
    store_format: np.ndarray,
    store_region: np.ndarray,
    anonymous: np.ndarray,
    first_time: np.ndarray,
    history_length: np.ndarray,
    week: np.ndarray,
) -> np.ndarray:
    """T6 [B, 48] from category codes (:func:`category_codes`), the anonymous and first-time
    flags, the customer's earlier baskets and the sequential week. It takes no basket label
    (type, mission, price sensitivity or size of the basket) by construction."""
    categories = trip_categories(
        cust_price_sensitivity, cust_lifestage, store_format, store_region, anonymous, first_time
    )
    out = np.concatenate([categories, trip_history(history_length, week)], axis=1)
    assert out.shape[1] == TRIP_DIM
    return out


TRIP_COLUMNS = (
    "cust_price_sensitivity",
    "cust_lifestage",
    "store_format",
    "store_region",
    "customer_id",
    "is_first_time_customer",
    "history_length",
    "shop_week",
)
"""The only samples columns T6 is built from (no basket label among them)."""


def trip_inputs(samples: pl.DataFrame) -> dict[str, np.ndarray]:
    """:func:`encode_trip`'s arguments for every row of a samples frame, read from
    :data:`TRIP_COLUMNS` alone."""
    s = samples.select(TRIP_COLUMNS)
    return {
        "cust_price_sensitivity": category_codes(
            s["cust_price_sensitivity"], CUST_PRICE_SENSITIVITY_VALUES
        ),
        "cust_lifestage": category_codes(s["cust_lifestage"], CUST_LIFESTAGE_VALUES),
        "store_format": category_codes(s["store_format"], STORE_FORMAT_VALUES),
        "store_region": category_codes(s["store_region"], STORE_REGION_VALUES),
        "anonymous": s["customer_id"].is_null().to_numpy(),
        "first_time": s["is_first_time_customer"].to_numpy().astype(bool),
        "history_length": s["history_length"].to_numpy().astype(np.int64),
        "week": s["shop_week"].to_numpy().astype(np.int64),
    }


def encode_customer(
    segment: np.ndarray,
    history: np.ndarray,
    affinity: np.ndarray,
    history_length: np.ndarray,
    unknown_history: np.ndarray,
) -> np.ndarray:
    """T1 [B, 192]: segment [B,64] | history [B,96] | affinity [B,32]. The history part is
    ``w·own + (1-w)·unknown`` with ``w = n / (n + HISTORY_SHRINKAGE)`` for ``n`` earlier
    baskets, so a first-time customer starts at the unknown customer's row."""
    n = np.maximum(np.asarray(history_length, dtype=np.float32), 0)[:, None]
    weight = n / (n + np.float32(HISTORY_SHRINKAGE))
    blended = weight * history + (1 - weight) * np.asarray(unknown_history, dtype=np.float32)
    out = np.concatenate(
        [
            np.asarray(segment, dtype=np.float32).reshape(-1, SEGMENT_DIM),
            blended.astype(np.float32).reshape(-1, HISTORY_DIM),
            np.asarray(affinity, dtype=np.float32).reshape(-1, AFFINITY_DIM),
        ],
        axis=1,
    )
    return out
