"""ModelEvaluator: ranking, missing metrics, |bias|, coverage targets, strategy comparison.

``make_history`` and ``make_results`` build small hand-made experiments (two models × two
strategies; ``xgboost_quantile`` with quantiles and an oracle, ``statquant`` point-only with
one failed SKU) and are shared with the report tests.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import ranking_key
from benchlab.forecast.evaluator import ModelEvaluator, order_metrics
from benchlab.forecast.results import ExperimentResult, ModelingStrategy, SkuFailure
from benchlab.forecast.schema import quantile_column

ID_COLUMNS = ("product_id", "store_id")
SKUS = ((80558, 2), (80651, 2), (90001, 1))
ALPHAS = (0.1, 0.25, 0.5, 0.75, 0.9)
SPLIT = dt.date(2020, 4, 1)
HORIZON = 28
LEVELS = {(80558, 2): 40.0, (80651, 2): 12.0, (90001, 1): 0.6}


def _series(sku: tuple[int, int], dates: list[dt.date], seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    t = np.array([(d - SPLIT).days for d in dates], dtype=float)
    mean = LEVELS[sku] * (1.0 + 0.3 * np.sin(2 * np.pi * t / 7.0)) * (1.0 + 0.002 * t)
    actual = rng.poisson(np.clip(mean, 0.0, None)).astype(float)
    return mean, actual


def make_history(n_periods: int = 100) -> pl.DataFrame:
    """Training target of every SKU: id columns, ``date``, ``target``."""
    dates = [SPLIT - dt.timedelta(days=n_periods - i) for i in range(n_periods)]
    frames = []
    for i, sku in enumerate(SKUS):
        _, actual = _series(sku, dates, seed=i)
        frames.append(
            pl.DataFrame(
                {"product_id": sku[0], "store_id": sku[1], "date": dates, "target": actual}
            )
        )
    return pl.concat(frames)


def _predictions(*, quantiles: bool, noise: float, skip: tuple = (), seed: int = 0) -> pl.DataFrame:
    dates = [SPLIT + dt.timedelta(days=i) for i in range(HORIZON)]
    rng = np.random.default_rng(seed)
    frames = []
    for i, sku in enumerate(SKUS):
        if sku in skip:
            continue
        mean, actual = _series(sku, dates, seed=100 + i)
        point = np.clip(mean * (1.0 + noise * rng.standard_normal(HORIZON)), 0.0, None)
        columns: dict[str, object] = {
            "product_id": sku[0],
            "store_id": sku[1],
            "date": dates,
            "y_true": actual,
            "y_pred": point,
        }
        if quantiles:
            sigma = np.sqrt(np.maximum(point, 0.5))
            for alpha, z in zip(ALPHAS, (-1.2816, -0.6745, 0.0, 0.6745, 1.2816), strict=True):
                columns[quantile_column(alpha)] = np.clip(point + z * sigma, 0.0, None)
            columns["oracle_mean"] = mean
            columns["oracle_dispersion"] = np.full(HORIZON, np.inf)  # Poisson
        frames.append(pl.DataFrame(columns))
    return pl.concat(frames)


def make_result(
    model: str,
    strategy: ModelingStrategy,
    metrics: dict[str, float],
    *,
    quantiles: bool = False,
    failures: tuple[SkuFailure, ...] = (),
    fit_seconds: float = 1.0,
    seed: int = 0,
) -> ExperimentResult:
    predictions = _predictions(
        quantiles=quantiles, noise=0.1, skip=tuple(f.sku for f in failures), seed=seed
    )
    per_sku = predictions.group_by(ID_COLUMNS).agg(
        mae=(pl.col("y_true") - pl.col("y_pred")).abs().mean()
    )
    return ExperimentResult(
        model=model,
        model_type=model,
        strategy=strategy,
        id_columns=ID_COLUMNS,
        quantile_alphas=ALPHAS if quantiles else (),
        predictions=predictions,
        metrics=metrics,
        per_sku_metrics=per_sku,
        fit_seconds=fit_seconds,
        predict_seconds=0.05,
        failures=list(failures),
    )


def make_results() -> list[ExperimentResult]:
    """Four experiments; by rmsse: xgboost individual < xgboost combined < statquant ind < comb."""
    quantile_metrics = {
        "pinball_0.1": 0.4,
        "pinball_0.5": 0.9,
        "pinball_0.9": 0.5,
        "spl": 0.7,
        "oracle_rmsse": 0.75,
    }
    combined, individual = ModelingStrategy.COMBINED, ModelingStrategy.INDIVIDUAL
    return [
        make_result(
            "xgboost_quantile",
            combined,
            {"rmsse": 0.90, "mae": 2.0, "bias": -0.3, "mean_pinball": 0.62}
            | quantile_metrics
            | {"coverage_80": 0.78, "width_80": 5.0, "rmsse_vs_oracle": 1.2, "mae_vs_oracle": 1.1},
            quantiles=True,
            fit_seconds=2.5,
            seed=1,
        ),
        make_result(
            "xgboost_quantile",
            individual,
            {"rmsse": 0.85, "mae": 1.9, "bias": 0.5, "mean_pinball": 0.60}
            | quantile_metrics
            | {"coverage_80": 0.70, "width_80": 4.2, "rmsse_vs_oracle": 1.1333},
            quantiles=True,
            fit_seconds=12.0,
            seed=2,
        ),
        make_result(
            "statquant", combined, {"rmsse": 1.10, "mae": 2.6, "bias": 0.1}, fit_seconds=0.2, seed=3
        ),
        make_result(
            "statquant",
            individual,
            {"rmsse": 0.95, "mae": 2.3, "bias": -0.05},
            failures=(SkuFailure((90001, 1), "ValueError: series too short\n(needs 14 periods)"),),
            fit_seconds=0.4,
            seed=4,
        ),
    ]


def make_evaluator(primary: str = "rmsse", **kwargs: object) -> ModelEvaluator:
    evaluator = ModelEvaluator(primary, **kwargs)  # type: ignore[arg-type]
    for result in make_results():
        evaluator.add(result)
    return evaluator


def _order(board: pl.DataFrame) -> list[tuple[str, str]]:
    return list(board.select("model", "strategy").iter_rows())


def test_leaderboard_ranks_by_primary_metric_with_columns_in_order() -> None:
    board = make_evaluator().leaderboard()

    assert _order(board) == [
        ("xgboost_quantile", "individual"),
        ("xgboost_quantile", "combined"),
        ("statquant", "individual"),
        ("statquant", "combined"),
    ]
    assert board["rank"].to_list() == [1, 2, 3, 4]
    assert board.columns[:9] == [
        "rank", "model", "strategy", "rmsse", "mae", "bias", "mean_pinball", "spl", "coverage_80"
    ]  # fmt: skip
    assert board.columns[9:13] == ["width_80", "rmsse_vs_oracle", "mae_vs_oracle", "oracle_rmsse"]
    assert board.columns[-4:] == ["fit_seconds", "predict_seconds", "n_skus", "n_failed"]
    assert board.filter(pl.col("model") == "statquant")["coverage_80"].null_count() == 2
    assert board["n_skus"].to_list() == [3, 3, 2, 3]
    assert board["n_failed"].to_list() == [0, 0, 1, 0]


def test_missing_and_nan_primary_values_sort_last_with_null_rank() -> None:
    evaluator = make_evaluator("mean_pinball")
    board = evaluator.leaderboard()
    assert _order(board)[:2] == [
        ("xgboost_quantile", "individual"),
        ("xgboost_quantile", "combined"),
    ]
    assert board["rank"].to_list() == [1, 2, None, None]
    assert board["mean_pinball"].null_count() == 2

    nan_result = make_result("naive", ModelingStrategy.COMBINED, {"rmsse": math.nan, "mae": 1.0})
    evaluator = make_evaluator()
    evaluator.add(nan_result)
    board = evaluator.leaderboard()
    assert board.row(-1, named=True)["model"] == "naive"
    assert board.row(-1, named=True)["rank"] is None
    assert board.row(-1, named=True)["rmsse"] is None  # NaN shown as missing


def test_bias_ranked_by_absolute_value_and_coverage_by_distance_to_nominal() -> None:
    board = make_evaluator("bias").leaderboard()
    assert board["bias"].to_list() == [-0.05, 0.1, -0.3, 0.5]

    board = make_evaluator("coverage_80").leaderboard()
    assert board["coverage_80"].to_list()[:2] == [0.78, 0.70]
    assert ranking_key("coverage_95", 0.97) == pytest.approx(0.02)


def test_ties_share_a_rank_and_direction_can_be_overridden() -> None:
    evaluator = ModelEvaluator("rmsse")
    for model in ("b", "a", "c"):
        value = 0.5 if model != "c" else 0.4
        evaluator.add(make_result(model, ModelingStrategy.COMBINED, {"rmsse": value}))
    board = evaluator.leaderboard()
    assert _order(board) == [("c", "combined"), ("a", "combined"), ("b", "combined")]
    assert board["rank"].to_list() == [1, 2, 2]

    higher = make_evaluator("mae", lower_is_better={"mae": False}).leaderboard()
    assert higher["mae"].to_list() == [2.6, 2.3, 2.0, 1.9]


def test_adding_same_model_and_strategy_replaces_the_earlier_result() -> None:
    evaluator = make_evaluator()
    evaluator.add(make_result("statquant", ModelingStrategy.COMBINED, {"rmsse": 0.1}))
    board = evaluator.leaderboard()
    assert board.height == 4
    assert board.row(0, named=True)["model"] == "statquant"
    assert evaluator.best().metrics["rmsse"] == 0.1


def test_compare_strategies_names_the_winner() -> None:
    evaluator = make_evaluator()
    evaluator.add(make_result("naive", ModelingStrategy.COMBINED, {"rmsse": 1.5}))
    comparison = evaluator.compare_strategies()

    assert comparison["model"].to_list() == ["statquant", "xgboost_quantile"]  # naive: one only
    assert comparison["rmsse_combined"].to_list() == [1.10, 0.90]
    assert comparison["rmsse_individual"].to_list() == [0.95, 0.85]
    assert comparison["winner"].to_list() == ["individual", "individual"]
    assert comparison["improvement_pct"][0] == pytest.approx(100 * 0.15 / 1.10)

    by_bias = make_evaluator("bias").compare_strategies()
    assert by_bias["winner"].to_list() == ["individual", "combined"]


def test_best_and_empty_evaluator_errors() -> None:
    best = make_evaluator().best()
    assert (best.model_type, best.strategy) == ("xgboost_quantile", ModelingStrategy.INDIVIDUAL)

    empty = ModelEvaluator()
    for call in (empty.leaderboard, empty.best, lambda: empty.to_markdown(title="x")):
        with pytest.raises(InputError, match="no results"):
            call()
    with pytest.raises(InputError, match="primary metric 'wrmsse' is in no result"):
        make_evaluator("wrmsse").leaderboard()
    with pytest.raises(InputError, match="expects an ExperimentResult"):
        empty.add({"rmsse": 1.0})  # type: ignore[arg-type]


def test_order_metrics_is_generic() -> None:
    names = ["zeta", "coverage_95", "pinball_0.05", "width_50", "mase", "coverage_50", "rmsse"]
    names += ["wrmsse_vs_oracle", "rmsse_vs_oracle", "pinball_0.5", "custom_vs_oracle"]
    assert order_metrics(names, "mase") == [
        "mase", "rmsse", "coverage_50", "coverage_95", "width_50", "rmsse_vs_oracle",
        "wrmsse_vs_oracle", "custom_vs_oracle", "pinball_0.05", "pinball_0.5", "zeta",
    ]  # fmt: skip
