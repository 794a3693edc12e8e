"""M5's WRMSSE/WSPL over the aggregation levels, against a fixture worked out by hand and a
second implementation written from the M5 Competitors' Guide with plain Python loops."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.levels import (
    M5_LEVELS,
    evaluate_levels,
    hierarchy_from_columns,
    hierarchy_from_mapping,
    supported_levels,
)
from benchlab.forecast.metrics import m5_scale

IDS = ["item", "store"]
STATE = {"S1": "CA", "S2": "TX"}
CATEGORY = {"i1": "A", "i2": "A", "i3": "B"}
PRICE = {"i1": 1.0, "i2": 2.0, "i3": 3.0}
# 2 stores (in 2 states) × 2 categories × 3 items; leading zeros; (i3, S1) sells once only
HISTORY = {
    ("i1", "S1"): [0, 0, 2, 4, 1],
    ("i1", "S2"): [1, 1, 1, 1, 3],
    ("i2", "S1"): [0, 3, 3, 0, 3],
    ("i2", "S2"): [2, 0, 2, 0, 2],
    ("i3", "S1"): [0, 0, 0, 0, 5],
    ("i3", "S2"): [1, 2, 3, 4, 5],
}
TRUTH = {
    ("i1", "S1"): [2, 3],
    ("i1", "S2"): [2, 2],
    ("i2", "S1"): [0, 3],
    ("i2", "S2"): [2, 0],
    ("i3", "S1"): [4, 6],
    ("i3", "S2"): [6, 7],
}
PRED = {
    ("i1", "S1"): [1, 3],
    ("i1", "S2"): [2, 2],
    ("i2", "S1"): [1, 1],
    ("i2", "S2"): [1, 1],
    ("i3", "S1"): [5, 5],
    ("i3", "S2"): [6, 6],
}
ALPHAS = (0.25, 0.5, 0.75)
DAY0 = dt.date(2024, 1, 1)


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    hist_rows, pred_rows = [], []
    for (item, store), values in HISTORY.items():
        for t, v in enumerate(values):
            hist_rows.append((item, store, DAY0 + dt.timedelta(t), float(v), PRICE[item]))
        for h, (y, p) in enumerate(zip(TRUTH[(item, store)], PRED[(item, store)], strict=True)):
            day = DAY0 + dt.timedelta(len(values) + h)
            pred_rows.append((item, store, day, float(y), float(p), p - 1.0, float(p), p + 1.0))
    history = pl.DataFrame(hist_rows, schema=[*IDS, "date", "target", "price"], orient="row")
    predictions = pl.DataFrame(
        pred_rows,
        schema=[*IDS, "date", "y_true", "y_pred", "q_0.25", "q_0.5", "q_0.75"],
        orient="row",
    )
    panel = history.with_columns(
        pl.col("store").replace_strict(STATE).alias("state"),
        pl.col("item").replace_strict(CATEGORY).alias("category"),
        (pl.col("item").replace_strict(CATEGORY) + "_1").alias("dept"),
    )
    hierarchy = hierarchy_from_columns(
        panel, IDS, {"state_id": "state", "cat_id": "category", "dept_id": "dept"}, source="t"
    )
    return history, predictions, hierarchy


def _reference_levels() -> dict[int, tuple[float, float]]:
    """WRMSSE and WSPL per level, computed the Guide's way, series by series."""
    info = {
        key: {
            "state_id": STATE[key[1]],
            "store_id": key[1],
            "cat_id": CATEGORY[key[0]],
            "dept_id": CATEGORY[key[0]] + "_1",
            "item_id": key[0],
        }
        for key in HISTORY
    }
    total_revenue = sum(sum(v) * PRICE[k[0]] for k, v in HISTORY.items())
    out = {}
    for level in M5_LEVELS:
        groups: dict[tuple, list] = defaultdict(list)
        for key in HISTORY:
            groups[tuple(info[key][c] for c in level.columns)].append(key)
        wrmsse = wspl = 0.0
        for members in groups.values():
            hist = [sum(HISTORY[k][t] for k in members) for t in range(5)]
            truth = [sum(TRUTH[k][h] for k in members) for h in range(2)]
            pred = [sum(PRED[k][h] for k in members) for h in range(2)]
            start = next((t for t, v in enumerate(hist) if v != 0), len(hist))
            steps = [hist[t] - hist[t - 1] for t in range(start + 1, len(hist))]
            level_mean = sum(abs(v) for v in hist) / len(hist) or 1.0
            sq = sum(d * d for d in steps) / len(steps) if steps else 0.0
            ab = sum(abs(d) for d in steps) / len(steps) if steps else 0.0
            sq, ab = sq or level_mean**2, ab or level_mean
            weight = sum(sum(HISTORY[k]) * PRICE[k[0]] for k in members) / total_revenue
            mse = sum((y - p) ** 2 for y, p in zip(truth, pred, strict=True)) / 2
            wrmsse += weight * math.sqrt(mse / sq)
            loss = 0.0
            for alpha, shift in zip(ALPHAS, (-1.0, 0.0, 1.0), strict=True):
                for y, p in zip(truth, pred, strict=True):
                    q = p + shift * len(members)
                    loss += max(alpha * (y - q), (alpha - 1) * (y - q))
            wspl += weight * loss / (len(ALPHAS) * 2) / ab
        out[level.number] = (wrmsse, wspl)
    return out


def test_m5_scale_starts_at_the_first_sale() -> None:
    values = np.array([0, 0, 2, 4, 1, 0, 0, 0, 5.0])
    # series 1: steps 2, -3 after the first sale (leading zeros skipped); series 2: one sale
    # only, no step: the fallback is the mean absolute level 5 / 4
    scale = m5_scale(values, np.array([0, 5, 9]), squared=True)
    np.testing.assert_allclose(scale, [(4 + 9) / 2, (5 / 4) ** 2])
    np.testing.assert_allclose(m5_scale(values, np.array([0, 5, 9]))[0], 2.5)


def test_levels_by_hand() -> None:
    history, predictions, hierarchy = _frames()
    metrics, table = evaluate_levels(
        predictions, history, hierarchy, id_columns=IDS, quantile_alphas=ALPHAS
    )
    by_level = {row["level"]: row for row in table.iter_rows(named=True)}
    # level 1, the total: history 4, 6, 11, 9, 19 → steps 2, 5, -2, 10 → scale 133/4;
    # truth 16, 21 against forecasts 16, 18 → MSE 9/2
    assert by_level[1]["wrmsse"] == pytest.approx(math.sqrt(4.5 / 33.25))
    # level 2, the states: CA 0, 3, 5, 4, 9 (from day 2: steps 2, -1, 5 → 10), errors 1, -3;
    # TX 4, 3, 6, 5, 10 (steps -1, 3, -1, 5 → 9), errors -1, 0; revenue 40 and 64 of 104
    ca, tx = math.sqrt(5 / 10), math.sqrt(0.5 / 9)
    assert by_level[2]["wrmsse"] == pytest.approx(40 / 104 * ca + 64 / 104 * tx)
    # level 12, item × store: (i1, S1) alone is 0, 0, 2, 4, 1 → scale 13/2, MSE 1/2
    bottom = {
        "i1S1": math.sqrt(0.5 / 6.5),
        "i1S2": 0.0,
        "i2S1": math.sqrt(2.5 / 6.0),  # 3, 3, 0, 3 → steps 0, -3, 3; errors 1, -2
        "i2S2": math.sqrt(1.0 / 4.0),  # steps -2, 2, -2, 2; errors -1, 1
        "i3S1": math.sqrt(1.0 / 1.0),  # one sale: level 5/5 = 1; errors 1, -1
        "i3S2": math.sqrt(0.5 / 1.0),  # steps 1, 1, 1, 1; errors 0, -1
    }
    revenue = {"i1S1": 7, "i1S2": 7, "i2S1": 18, "i2S2": 12, "i3S1": 15, "i3S2": 45}
    expected = sum(revenue[k] / 104 * v for k, v in bottom.items())
    assert by_level[12]["wrmsse"] == pytest.approx(expected)
    assert table["n_series"].to_list() == [1, 2, 2, 2, 2, 4, 4, 4, 4, 3, 6, 6]
    assert metrics["m5_levels"] == 12
    assert metrics["m5_wrmsse"] == pytest.approx(table["wrmsse"].mean())


def test_levels_match_a_second_implementation_from_the_guide() -> None:
    history, predictions, hierarchy = _frames()
    # the forecasts of an aggregate are sums: its quantile shift is ±1 per member series
    metrics, table = evaluate_levels(
        predictions, history, hierarchy, id_columns=IDS, quantile_alphas=ALPHAS
    )
    reference = _reference_levels()
    for row in table.iter_rows(named=True):
        assert row["wrmsse"] == pytest.approx(reference[row["level"]][0], rel=1e-12)
        assert row["wspl"] == pytest.approx(reference[row["level"]][1], rel=1e-12)
    assert metrics["m5_wspl"] == pytest.approx(np.mean([v[1] for v in reference.values()]))


def test_without_a_hierarchy_only_the_id_levels_are_scored() -> None:
    history, predictions, _ = _frames()
    hierarchy = hierarchy_from_columns(history, IDS, {}, source="t")
    assert [lv.number for lv in supported_levels(hierarchy)] == [1, 3, 10, 12]
    metrics, table = evaluate_levels(predictions, history, hierarchy, id_columns=IDS)
    assert table["level"].to_list() == [1, 3, 10, 12] and metrics["m5_levels"] == 4
    assert "m5_wspl" not in metrics


def test_the_generator_mapping_gives_all_twelve_levels() -> None:
    keys = pl.DataFrame({"product_id": [1, 2, 1], "store_id": [7, 7, 8]})
    mapping = {
        "hierarchy": {
            "1": {"category": "FOODS", "department": "FOODS_1"},
            "2": {"category": "HOBBIES", "department": "HOBBIES_1"},
        },
        "stores": {"7": {"state": "CA"}, "8": {"state": "TX"}},
    }
    hierarchy = hierarchy_from_mapping(keys, ["product_id", "store_id"], mapping)
    assert len(supported_levels(hierarchy)) == 12
    assert hierarchy.columns[:2] == ["product_id", "store_id"]


def test_a_hierarchy_column_that_changes_within_a_series_is_refused() -> None:
    history, _, _ = _frames()
    panel = history.with_columns(
        pl.when(pl.col("date") == DAY0).then(pl.lit("X")).otherwise(pl.lit("Y")).alias("state")
    )
    with pytest.raises(InputError, match="change within series"):
        hierarchy_from_columns(panel, IDS, {"state_id": "state"}, source="panel.csv")
    with pytest.raises(InputError, match="not M5 level columns"):
        hierarchy_from_columns(panel, IDS, {"region": "state"}, source="panel.csv")
