"""T1, T3 and T6 encoders: dimensions, what each block holds, and no auxiliary label in T6."""

from __future__ import annotations

import inspect

import numpy as np
import polars as pl

from benchlab.basket import encoding
from benchlab.basket.batch import AUXILIARY_COLUMNS
from benchlab.basket.encoding import (
    CUST_PRICE_SENSITIVITY_VALUES,
    category_codes,
    encode_customer,
    encode_temporal,
    encode_trip,
)


def test_category_codes_unknown_and_missing_take_the_last_column() -> None:
    codes = category_codes(pl.Series(["MM", None, "XX", "LA", "UM"]), CUST_PRICE_SENSITIVITY_VALUES)
    assert codes.tolist() == [1, 3, 3, 0, 2]
    assert category_codes(["UM"], CUST_PRICE_SENSITIVITY_VALUES).dtype == np.int8


def test_temporal_blocks() -> None:
    day = np.array(["2008-01-06", "2008-06-30", "2007-12-31"], dtype="datetime64[D]")
    t3 = encode_temporal(day, np.array([1, 2, 7]), np.array([8, 23, 0]), np.array([1, 27, 117]))
    assert t3.shape == (3, 64) and t3.dtype == np.float32 and np.isfinite(t3).all()
    assert t3[:, :7].argmax(axis=1).tolist() == [0, 1, 6]  # weekday one-hot
    assert t3[:, 9:33].argmax(axis=1).tolist() == [8, 23, 0]  # hour one-hot
    assert t3[:, 45].tolist() == [1.0, 0.0, 0.0]  # 2008-01-06 is a Sunday
    assert t3[:, 46:50].argmax(axis=1).tolist() == [1, 3, 0]  # morning, evening, night
    assert t3[2, 50] == 1.0 and t3[0, 50] < t3[1, 50]  # week trend
    # the same week, day and hour give the same code whatever else is in the batch
    again = encode_temporal(day[:1], np.array([1]), np.array([8]), np.array([1]))
    np.testing.assert_array_equal(again[0], t3[0])


def test_trip_blocks() -> None:
    t6 = encode_trip(
        cust_price_sensitivity=np.array([0, 3]),
        cust_lifestage=np.array([2, 7]),
        store_format=np.array([3, 4]),
        store_region=np.array([0, 13]),
        anonymous=np.array([False, True]),
        first_time=np.array([False, True]),
        history_length=np.array([40, 0]),
        week=np.array([21, 5]),
    )
    assert t6.shape == (2, 48) and t6.dtype == np.float32
    assert t6[:, 31].tolist() == [0.0, 1.0] and t6[:, 32].tolist() == [0.0, 1.0]
    assert t6[1, 34] == 1.0  # no history: bin 0
    assert t6[0, 34:46].argmax() == 9  # 40 earlier baskets: bin 33–64
    np.testing.assert_allclose(t6[0, 46], 40 / 20 / 7)  # two visits a week


def test_trip_takes_no_auxiliary_label() -> None:
    parameters = set(inspect.signature(encode_trip).parameters)
    assert not parameters & set(AUXILIARY_COLUMNS.values())
    assert "basket" not in " ".join(parameters)


def test_customer_cold_start_blend() -> None:
    rng = np.random.default_rng(0)
    segment, history, affinity = (
        rng.normal(size=(3, 64)),
        rng.normal(size=(3, 96)),
        rng.normal(size=(3, 32)),
    )
    unknown = rng.normal(size=96)
    t1 = encode_customer(segment, history, affinity, np.array([0, 3, 10_000]), unknown)
    assert t1.shape == (3, 192) and t1.dtype == np.float32
    np.testing.assert_allclose(t1[:, :64], segment, rtol=1e-6)
    np.testing.assert_allclose(t1[:, 160:], affinity, rtol=1e-6)
    np.testing.assert_allclose(t1[0, 64:160], unknown, rtol=1e-6)  # first-time: the unknown row
    np.testing.assert_allclose(t1[1, 64:160], (history[1] + unknown) / 2, rtol=1e-5)
    np.testing.assert_allclose(t1[2, 64:160], history[2], atol=2e-3)
    assert encoding.HISTORY_SHRINKAGE == 3.0


def samples_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["C1", "C1", None],
            "cust_price_sensitivity": ["LA", "LA", None],
            "cust_lifestage": ["YF", "YF", "XX"],
            "store_format": ["LS", "LS", "SS"],
            "store_region": ["E01", "E01", "W02"],
            "is_first_time_customer": [False, False, True],
            "history_length": [4, 4, 0],
            "shop_week": [10, 10, 11],
            "basket_type": ["Top Up", "Full Shop", "XX"],
            "basket_dominant_mission": ["Fresh", "Nonfood", "Mixed"],
            "basket_price_sensitivity": ["LA", "UM", "MM"],
            "basket_size": ["S", "L", "M"],
        }
    )


def test_trip_is_identical_for_baskets_differing_only_in_labels() -> None:
    frame = samples_frame()  # rows 0 and 1 differ in the four label columns only
    t6 = encode_trip(**encoding.trip_inputs(frame))
    np.testing.assert_array_equal(t6[0], t6[1])
    assert not np.array_equal(t6[0], t6[2])
    # the check can fail: a customer column that is an input changes T6
    changed = frame.with_columns(pl.Series("cust_lifestage", ["YF", "OA", "XX"]))
    t6_changed = encode_trip(**encoding.trip_inputs(changed))
    assert not np.array_equal(t6_changed[0], t6_changed[1])
    assert not set(encoding.TRIP_COLUMNS) & set(AUXILIARY_COLUMNS.values())
