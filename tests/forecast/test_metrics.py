"""Tests of benchlab.forecast.metrics: pure array metrics and evaluate_forecasts."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from benchlab.errors import InputError
from benchlab.forecast import metrics as M
from benchlab.forecast.schema import quantile_column

IDS = ["product_id", "store_id"]
D0 = dt.date(2024, 1, 1)


# ------------------------------------------------------------------ builders


def _history(series: dict[tuple[str, int], list[float]], prices=None) -> pl.DataFrame:
    """Training frame; each series ends on the same date (D0 + max_len - 1)."""
    n_max = max(len(v) for v in series.values())
    rows = []
    for (p, s), values in series.items():
        start = n_max - len(values)
        for i, v in enumerate(values):
            row = {
                "product_id": p,
                "store_id": s,
                "date": D0 + dt.timedelta(days=start + i),
                "target": float(v),
            }
            if prices is not None:
                row["price"] = float(prices[(p, s)])
            rows.append(row)
    return pl.DataFrame(rows)


def _predictions(
    series: dict[tuple[str, int], tuple[list[float], list[float]]],
    start: int,
    **extra: dict[tuple[str, int], list[float]],
) -> pl.DataFrame:
    """Prediction frame from ``{key: (y_true, y_pred)}`` plus extra columns by key."""
    rows = []
    for key, (y, yhat) in series.items():
        for i, (a, b) in enumerate(zip(y, yhat, strict=True)):
            row = {
                "product_id": key[0],
                "store_id": key[1],
                "date": D0 + dt.timedelta(days=start + i),
                "y_true": float(a),
                "y_pred": float(b),
            }
            for name, by_key in extra.items():
                row[name] = float(by_key[key][i])
            rows.append(row)
    return pl.DataFrame(rows)


def _seasonal_trend(n: int, offset: int = 0, level: float = 10.0) -> list[float]:
    """``pattern[t % 7] + t``: seasonal-naive in-sample errors are all exactly 7."""
    pattern = [0.0, 3.0, 1.0, 4.0, 1.0, 5.0, 9.0]
    return [level + pattern[(t + offset) % 7] + (t + offset) for t in range(n)]


# ------------------------------------------------------------------ pure functions


def test_point_metrics_hand_computed() -> None:
    y, yhat = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0])
    assert M.mae(y, yhat) == pytest.approx(1.0)
    assert M.rmse(y, yhat) == pytest.approx(math.sqrt(5 / 3))
    assert M.bias(y, yhat) == pytest.approx(1.0)
    assert M.bias(yhat, y) == pytest.approx(-1.0)
    assert M.mase(y, yhat, 2.0) == pytest.approx(0.5)
    assert M.rmsse(y, yhat, 4.0) == pytest.approx(math.sqrt(5 / 3 / 4))


def test_smape_hand_computed() -> None:
    assert M.smape([100.0], [110.0]) == pytest.approx(9.523809523809524)
    assert M.smape([0.0, 0.0], [0.0, 1.0]) == pytest.approx(100.0)  # 0/0 counts 0
    assert M.smape([0.0], [0.0]) == 0.0


def test_pinball_hand_computed() -> None:
    assert M.pinball([10.0], [8.0], 0.9) == pytest.approx(1.8)  # under: 0.9 * 2
    assert M.pinball([10.0], [12.0], 0.9) == pytest.approx(0.2)  # over: 0.1 * 2
    assert M.pinball([10.0, 10.0], [8.0, 12.0], 0.9) == pytest.approx(1.0)
    assert M.pinball([10.0], [12.0], 0.5) == pytest.approx(1.0)  # half the absolute error
    with pytest.raises(InputError):
        M.pinball([1.0], [1.0], 1.0)


def test_interval_metrics_hand_computed() -> None:
    y = [1.0, 5.0, 10.0]
    lo, hi = [0.0, 6.0, 10.0], [2.0, 7.0, 11.0]
    assert M.interval_coverage(y, lo, hi) == pytest.approx(2 / 3)  # closed at the bounds
    assert M.interval_width(lo, hi) == pytest.approx(4 / 3)


def test_perfect_forecast_scores_zero() -> None:
    y = np.array([3.0, 0.0, 7.5])
    for fn in (M.mae, M.rmse, M.bias, M.smape):
        assert fn(y, y) == 0.0
    assert M.mase(y, y, 2.0) == 0.0
    assert M.rmsse(y, y, 2.0) == 0.0


def test_shape_mismatch_and_empty() -> None:
    with pytest.raises(InputError):
        M.mae([1.0, 2.0], [1.0])
    assert math.isnan(M.mae([], []))


def test_seasonal_naive_scale_two_series() -> None:
    a = [1.0, 2.0, 3.0, 3.0, 4.0, 6.0]  # m=3: diffs 2, 2, 3
    b = [2.0, 5.0, 3.0]  # shorter than m+1 -> m=1: diffs 3, -2
    values, indptr = np.array(a + b), np.array([0, 6, 9])
    abs_scale = M.seasonal_naive_scale(values, indptr, 3, squared=False)
    sq_scale = M.seasonal_naive_scale(values, indptr, 3, squared=True)
    np.testing.assert_allclose(abs_scale, [7 / 3, 2.5])
    np.testing.assert_allclose(sq_scale, [17 / 3, 6.5])


def test_seasonal_naive_scale_fallbacks() -> None:
    # constant, all-zero, single value, empty
    values = np.array([4.0, 4.0, 4.0, 4.0, 0.0, 0.0, 5.0])
    indptr = np.array([0, 4, 6, 7, 7])
    np.testing.assert_allclose(M.seasonal_naive_scale(values, indptr, 2), [4.0, 1.0, 5.0, 1.0])
    np.testing.assert_allclose(
        M.seasonal_naive_scale(values, indptr, 2, squared=True), [16.0, 1.0, 25.0, 1.0]
    )
    with pytest.raises(InputError):
        M.seasonal_naive_scale(values, np.array([0, 3]), 2)


def test_interval_pairs() -> None:
    pairs = M.interval_pairs([0.5, 0.9, 0.1, 0.025, 0.975])
    assert pairs == [(95, 0.025, 0.975), (80, 0.1, 0.9)]
    assert M.interval_pairs([0.1, 0.9000000001]) == [(80, 0.1, 0.9000000001)]
    assert M.interval_pairs([0.1, 0.8, 0.5]) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e3, 1e3, allow_nan=False), st.floats(-1e3, 1e3, allow_nan=False)),
        min_size=1,
        max_size=40,
    )
)
def test_property_mae_le_rmse_and_smape_bounded(pairs: list[tuple[float, float]]) -> None:
    y, yhat = np.array(pairs).T
    assert M.mae(y, yhat) <= M.rmse(y, yhat) + 1e-9
    assert 0.0 <= M.smape(y, yhat) <= 200.0 + 1e-9
    assert abs(M.bias(y, yhat)) <= M.mae(y, yhat) + 1e-9


# ------------------------------------------------------------------ series weights


def test_series_weights_revenue_and_units() -> None:
    # Last 2 dates: a sells 1, 1 at price 2 (revenue 4); b sells 3, 3 at price 1 (revenue 6).
    # The first date lies outside the window and must not count.
    hist = _history({("a", 1): [100.0, 1.0, 1.0], ("b", 1): [0.0, 3.0, 3.0]})
    revenue = hist.with_columns(
        pl.when(pl.col("product_id") == "a").then(2.0).otherwise(1.0).alias("price")
    )
    w_rev = M.series_weights(revenue, IDS, weight_window=2)
    assert w_rev["product_id"].to_list() == ["a", "b"]
    np.testing.assert_allclose(w_rev["weight"].to_numpy(), [0.4, 0.6])
    w_units = M.series_weights(hist, IDS, weight_window=2)
    np.testing.assert_allclose(w_units["weight"].to_numpy(), [0.25, 0.75])
    assert M.uses_revenue_weights(revenue) and not M.uses_revenue_weights(hist)
    for w in (w_rev, w_units, M.series_weights(hist, IDS, weight_window=28)):
        assert w["weight"].sum() == pytest.approx(1.0)


def test_series_weights_all_zero_sales_are_equal() -> None:
    hist = _history({("a", 1): [0.0, 0.0], ("b", 1): [0.0, 0.0], ("c", 2): [0.0, 0.0]})
    np.testing.assert_allclose(M.series_weights(hist, IDS, 28)["weight"].to_numpy(), [1 / 3] * 3)


# ------------------------------------------------------------------ evaluate_forecasts


def test_seasonal_naive_forecast_gives_expected_mase() -> None:
    n = 35
    hist = _history({("a", 1): _seasonal_trend(n), ("b", 1): _seasonal_trend(n, level=50.0)})
    # seasonal-naive forecast: repeat the last season; truth continues pattern + trend
    truth_a = _seasonal_trend(7, offset=n)
    naive_a = _seasonal_trend(n)[-7:]
    truth_b = _seasonal_trend(14, offset=n, level=50.0)
    naive_b = (_seasonal_trend(n, level=50.0)[-7:]) * 2
    preds = _predictions({("a", 1): (truth_a, naive_a), ("b", 1): (truth_b, naive_b)}, start=n)
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS, season_length=7)
    # errors: a: 7 everywhere (mase 1); b: 7 for a week, then 14 (mase 10.5 / 7 = 1.5)
    np.testing.assert_allclose(per["mase"].to_numpy(), [1.0, 1.5])
    np.testing.assert_allclose(
        per["rmsse_seasonal"].to_numpy(), [1.0, math.sqrt((49 + 196) / 2 / 49)]
    )
    assert metrics["mase"] == pytest.approx(1.25)
    assert metrics["bias"] == pytest.approx(-(7 * 7 + 7 * 7 + 7 * 14) / 21)


def test_perfect_forecast_frame() -> None:
    hist = _history({("a", 1): _seasonal_trend(20), ("b", 2): _seasonal_trend(20, level=3.0)})
    truth = {k: _seasonal_trend(5, offset=20) for k in [("a", 1), ("b", 2)]}
    preds = _predictions({k: (v, v) for k, v in truth.items()}, start=20)
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS)
    for key in ("mae", "rmse", "bias", "smape", "mase", "rmsse", "wrmsse"):
        assert metrics[key] == 0.0
    assert per.height == 2
    assert per.select(["mae", "rmse", "mase", "rmsse"]).sum_horizontal().sum() == 0.0


def test_wrmsse_equals_rmsse_with_equal_revenue() -> None:
    hist = _history(
        {("a", 1): [1.0, 4.0, 2.0, 5.0], ("b", 1): [5.0, 2.0, 4.0, 1.0]},
        prices={("a", 1): 3.0, ("b", 1): 3.0},
    )
    preds = _predictions(
        {("a", 1): ([2.0, 3.0], [4.0, 3.0]), ("b", 1): ([2.0, 3.0], [2.0, 0.0])}, start=4
    )
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS, season_length=1)
    np.testing.assert_allclose(per["weight"].to_numpy(), [0.5, 0.5])
    assert metrics["wrmsse"] == pytest.approx(metrics["rmsse"])
    assert M.uses_revenue_weights(hist) and "wrmsse_revenue_weighted" not in metrics
    assert per["rmsse"][0] != pytest.approx(per["rmsse"][1])  # the equality is not trivial


def test_unit_weights_flag_and_weight_renormalised_over_predicted_series() -> None:
    hist = _history({("a", 1): [1.0, 1.0, 2.0], ("b", 1): [3.0, 3.0, 2.0], ("c", 1): [9.0] * 3})
    preds = _predictions({("a", 1): ([1.0], [2.0]), ("b", 1): ([2.0], [2.0])}, start=3)
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS, season_length=1)
    assert not M.uses_revenue_weights(hist) and "wrmsse_revenue_weighted" not in metrics
    assert per.height == 2
    np.testing.assert_allclose(per["weight"].to_numpy(), [1 / 3, 2 / 3])  # units 4 vs 8
    assert per["weight"].sum() == pytest.approx(1.0)


def test_quantile_metrics_and_coverage_near_nominal() -> None:
    rng = np.random.default_rng(12345)
    n_series, horizon = 4, 5000
    keys = [(f"p{i}", 1) for i in range(n_series)]
    hist = _history({k: rng.normal(100.0, 10.0, 50).tolist() for k in keys})
    mu = {k: np.full(horizon, 100.0 + 10 * i) for i, k in enumerate(keys)}
    sigma = 10.0
    truth = {k: (mu[k] + sigma * rng.standard_normal(horizon)).tolist() for k in keys}
    alphas = (0.1, 0.5, 0.9)
    q = {
        quantile_column(a): {k: (mu[k] + sigma * stats.norm.ppf(a)).tolist() for k in keys}
        for a in alphas
    }
    preds = _predictions({k: (truth[k], mu[k].tolist()) for k in keys}, start=50, **q)
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS, quantile_alphas=alphas)
    assert metrics["coverage_80"] == pytest.approx(0.8, abs=0.02)
    assert metrics["width_80"] == pytest.approx(2 * sigma * stats.norm.ppf(0.9))
    y = preds["y_true"].to_numpy()
    for a in alphas:
        col = preds[quantile_column(a)].to_numpy()
        assert metrics[f"pinball_{a:g}"] == pytest.approx(M.pinball(y, col, a))
    assert metrics["pinball_0.5"] == pytest.approx(metrics["mae"] / 2)
    assert metrics["mean_pinball"] == pytest.approx(
        np.mean([metrics[f"pinball_{a:g}"] for a in alphas])
    )
    assert {"spl", "wspl"} <= metrics.keys()
    assert {"spl", "mean_pinball"} <= set(per.columns)
    json.dumps(metrics, allow_nan=False)


def test_missing_quantile_column_raises() -> None:
    hist = _history({("a", 1): [1.0, 2.0, 3.0]})
    preds = _predictions({("a", 1): ([1.0], [1.0])}, start=3, **{"q_0.1": {("a", 1): [0.0]}})
    with pytest.raises(InputError, match="q_0.9"):
        M.evaluate_forecasts(preds, hist, id_columns=IDS, quantile_alphas=(0.1, 0.9))


def test_series_absent_from_history_raises() -> None:
    hist = _history({("a", 1): [1.0, 2.0, 3.0]})
    preds = _predictions({("a", 1): ([1.0], [1.0]), ("z", 9): ([1.0], [1.0])}, start=3)
    with pytest.raises(InputError, match="absent"):
        M.evaluate_forecasts(preds, hist, id_columns=IDS)


def test_non_finite_prediction_raises() -> None:
    hist = _history({("a", 1): [1.0, 2.0, 3.0]})
    preds = _predictions({("a", 1): ([1.0, 2.0], [1.0, float("nan")])}, start=3)
    with pytest.raises(InputError, match="y_pred"):
        M.evaluate_forecasts(preds, hist, id_columns=IDS)


def _oracle_case(with_dispersion: bool, alphas=(0.1, 0.9), pred_equals_oracle=False):
    rng = np.random.default_rng(7)
    keys = [("a", 1), ("b", 2)]
    hist = _history({k: rng.poisson(6, 30).astype(float).tolist() for k in keys})
    horizon = 10
    o_mean = {k: rng.uniform(2, 9, horizon).tolist() for k in keys}
    o_mean[("a", 1)][0] = 0.0  # mu == 0 gives quantile 0
    truth = {k: rng.poisson(np.array(o_mean[k])).astype(float).tolist() for k in keys}
    yhat = o_mean if pred_equals_oracle else {k: [5.0] * horizon for k in keys}
    extra = {"oracle_mean": o_mean}
    if with_dispersion:
        extra["oracle_dispersion"] = {k: [2.0] * horizon for k in keys}
    for a in alphas:
        extra[quantile_column(a)] = {k: (np.array(yhat[k]) + (a - 0.5) * 6).tolist() for k in keys}
    preds = _predictions({k: (truth[k], yhat[k]) for k in keys}, start=30, **extra)
    return preds, hist


def test_oracle_metrics_only_with_oracle_columns() -> None:
    preds, hist = _oracle_case(with_dispersion=True)
    plain = preds.drop(["oracle_mean", "oracle_dispersion"])
    metrics, per = M.evaluate_forecasts(plain, hist, id_columns=IDS, quantile_alphas=(0.1, 0.9))
    assert not [k for k in metrics if "oracle" in k]
    assert not [c for c in per.columns if "oracle" in c]

    mean_only = preds.drop("oracle_dispersion")
    metrics, per = M.evaluate_forecasts(mean_only, hist, id_columns=IDS, quantile_alphas=(0.1, 0.9))
    oracle_keys = {k for k in metrics if "oracle" in k}
    assert oracle_keys == {
        "oracle_mae",
        "oracle_rmse",
        "oracle_rmsse",
        "oracle_mase",
        "oracle_wrmsse",
        "oracle_smape",
        "mae_vs_oracle",
        "rmsse_vs_oracle",
        "wrmsse_vs_oracle",
    }
    assert {"oracle_rmsse", "rmsse_vs_oracle"} <= set(per.columns)

    metrics, _ = M.evaluate_forecasts(preds, hist, id_columns=IDS, quantile_alphas=(0.1, 0.9))
    assert {"oracle_mean_pinball", "oracle_spl", "oracle_coverage_80", "spl_vs_oracle"} <= set(
        metrics
    )
    assert metrics["spl_vs_oracle"] == pytest.approx(metrics["spl"] / metrics["oracle_spl"])
    assert metrics["mae_vs_oracle"] == pytest.approx(metrics["mae"] / metrics["oracle_mae"])
    json.dumps(metrics, allow_nan=False)

    # oracle point metrics without quantiles: no quantile oracle metrics
    metrics, _ = M.evaluate_forecasts(preds, hist, id_columns=IDS)
    assert "oracle_spl" not in metrics and "oracle_rmsse" in metrics


def test_rmsse_vs_oracle_is_one_when_predictions_equal_oracle() -> None:
    preds, hist = _oracle_case(with_dispersion=True, pred_equals_oracle=True)
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS)
    for key in ("rmsse_vs_oracle", "mae_vs_oracle", "wrmsse_vs_oracle"):
        assert metrics[key] == pytest.approx(1.0)
    np.testing.assert_allclose(per["rmsse_vs_oracle"].to_numpy(), 1.0)


def test_oracle_quantiles_are_negative_binomial() -> None:
    mu, k = np.array([0.0, 3.0, 10.0, 4.0]), np.array([2.0, 2.0, 0.5, np.inf])
    got = M._oracle_quantiles(mu, k, [0.9])[0.9]
    expected = [
        0.0,
        stats.nbinom.ppf(0.9, 2.0, 2.0 / 5.0),
        stats.nbinom.ppf(0.9, 0.5, 0.5 / 10.5),
        stats.poisson.ppf(0.9, 4.0),
    ]
    np.testing.assert_allclose(got, expected)


def test_per_series_joins_by_id_when_rows_shuffled() -> None:
    hist = _history(
        {("a", 1): _seasonal_trend(21), ("a", 2): [1.0, 2.0, 0.0] * 7, ("b", 1): [5.0] * 21}
    )
    preds = _predictions(
        {
            ("a", 1): ([40.0, 41.0, 42.0], [39.0, 45.0, 42.0]),
            ("a", 2): ([1.0], [3.0]),
            ("b", 1): ([5.0, 6.0], [5.0, 5.0]),
        },
        start=21,
    )
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS)
    assert per.height == 3
    assert per.select(IDS).rows() == [("a", 1), ("a", 2), ("b", 1)]
    np.testing.assert_allclose(per["mae"].to_numpy(), [5 / 3, 2.0, 0.5])
    # b is constant: scale falls back to its mean absolute value, 5
    assert per.filter(pl.col("product_id") == "b")["mase"].item() == pytest.approx(0.1)

    shuffled = preds.sample(fraction=1.0, shuffle=True, seed=3)
    assert shuffled["y_true"].to_list() != preds["y_true"].to_list()
    metrics2, per2 = M.evaluate_forecasts(shuffled, hist, id_columns=IDS)
    assert metrics2 == pytest.approx(metrics)
    assert per2.equals(per)


def test_id_dtype_mismatch_is_cast() -> None:
    hist = _history({("a", 1): [1.0, 2.0, 3.0]})
    preds = _predictions({("a", 1): ([4.0], [3.0])}, start=3).with_columns(
        pl.col("store_id").cast(pl.Int32)
    )
    metrics, per = M.evaluate_forecasts(preds, hist, id_columns=IDS, season_length=1)
    assert metrics["mase"] == pytest.approx(1.0)
    assert per.schema["store_id"] == pl.Int64


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(0, 50, allow_nan=False), min_size=12, max_size=12),
    errors=st.lists(st.floats(-10, 10, allow_nan=False), min_size=12, max_size=12),
    seed=st.integers(0, 10_000),
)
def test_property_frame_metrics_invariant_to_row_order(
    values: list[float], errors: list[float], seed: int
) -> None:
    keys = [("a", 1), ("b", 1), ("c", 2)]
    hist = _history({k: [float(i % 5 + j) for i in range(10)] for j, k in enumerate(keys)})
    series = {
        k: (
            values[4 * j : 4 * j + 4],
            [
                v + e
                for v, e in zip(values[4 * j : 4 * j + 4], errors[4 * j : 4 * j + 4], strict=True)
            ],
        )
        for j, k in enumerate(keys)
    }
    q = {
        "q_0.1": {k: [v - 3.0 for v in series[k][1]] for k in keys},
        "q_0.9": {k: [v + 3.0 for v in series[k][1]] for k in keys},
    }
    preds = _predictions(series, start=10, **q)
    kwargs = {"id_columns": IDS, "quantile_alphas": (0.1, 0.9), "season_length": 3}
    m1, p1 = M.evaluate_forecasts(preds, hist, **kwargs)
    m2, p2 = M.evaluate_forecasts(
        preds.sample(fraction=1.0, shuffle=True, seed=seed), hist, **kwargs
    )
    assert m1.keys() == m2.keys()
    for key in m1:
        assert m2[key] == pytest.approx(m1[key], rel=1e-9, abs=1e-9)
    assert m1["mae"] <= m1["rmse"] + 1e-9
    np.testing.assert_allclose(
        p2.select(pl.exclude(IDS)).to_numpy(),
        p1.select(pl.exclude(IDS)).to_numpy(),
        rtol=1e-9,
        atol=1e-9,
    )
