"""Integration tests of BenchmarkPipeline on the tiny synthetic data (seed 000's API)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchlab import BenchmarkPipeline, DataConfig, ModelingStrategy, TrainingConfig
from benchlab.errors import InputError
from benchlab.forecast.schema import DATE, TARGET, Y_PRED, Y_TRUE

SKUS = [(80558, 2), (80651, 2)]


@pytest.fixture()
def pipeline(tiny_data_config: DataConfig) -> BenchmarkPipeline:
    training = TrainingConfig(random_state=42)
    training.set_model_config("xgboost_quantile", n_estimators=30, quantile_alphas=[0.1, 0.5, 0.9])
    pipe = BenchmarkPipeline(tiny_data_config, training)
    pipe.load_and_prepare_data()
    return pipe


def test_seed_api_individual_quantiles(pipeline: BenchmarkPipeline) -> None:
    result = pipeline.run_experiment(
        sku_tuples=SKUS,
        modeling_strategy=ModelingStrategy.INDIVIDUAL,
        model_type="xgboost_quantile",
        n_workers=None,
        progress=False,
    )
    preds = result.predictions
    assert preds.height == 2 * 28
    assert sorted(preds.select("product_id", "store_id").unique().rows()) == SKUS
    assert preds[DATE].min().isoformat() == "2020-03-01"
    q = preds.select("q_0.1", "q_0.5", "q_0.9").to_numpy()
    assert np.all(np.diff(q, axis=1) >= 0), "quantiles must not cross"
    for key in ("rmsse", "mase", "smape", "wrmsse", "pinball_0.1", "coverage_80", "oracle_rmsse"):
        assert key in result.metrics, key
    assert set(result.models) == {"80558_2", "80651_2"}
    assert result.failures == []
    assert np.isfinite(result.metrics["rmsse_vs_oracle"])
    # The seed files carry prices: wrmsse weights by revenue, said beside the metrics.
    assert result.revenue_weights is True and "wrmsse_revenue_weighted" not in result.metrics


def test_combined_uses_configured_model(pipeline: BenchmarkPipeline) -> None:
    result = pipeline.run_experiment(SKUS, ModelingStrategy.COMBINED, progress=False)
    assert result.model_type == "xgboost_quantile"
    assert set(result.models) == {"combined"}
    assert result.predictions.height == 2 * 28


def test_a_labelled_model_keeps_its_label_and_its_type(tiny_data_config: DataConfig) -> None:
    training = TrainingConfig(random_state=1)
    training.set_model_config("statquant", label="baseline")
    pipe = BenchmarkPipeline(tiny_data_config, training)
    result = pipe.run_experiment(SKUS, ModelingStrategy.COMBINED, "baseline", progress=False)
    assert (result.model, result.model_type) == ("baseline", "statquant")
    assert result.label == "baseline [combined]" and result.record().model == "baseline"


def test_trained_models_beat_naive_and_approach_oracle(pipeline: BenchmarkPipeline) -> None:
    """A real model on the generator's data lands between the oracle and a naive baseline."""
    tree = pipeline.run_experiment(
        None,
        "combined",
        "lightgbm_standard",
        hyperparameters={"n_estimators": 150},
        progress=False,
    )
    naive = pipeline.run_experiment(None, "combined", "seasonal_naive", progress=False)
    assert tree.metrics["rmsse"] < naive.metrics["rmsse"]
    assert tree.metrics["rmsse_vs_oracle"] >= 0.9  # cannot beat the irreducible error by much


def test_workers_do_not_change_predictions(pipeline: BenchmarkPipeline) -> None:
    kwargs = dict(
        modeling_strategy="individual",
        model_type="lightgbm_quantile",
        hyperparameters={"n_estimators": 20, "quantile_alphas": [0.1, 0.5, 0.9]},
        progress=False,
    )
    one = pipeline.run_experiment(None, n_workers=1, **kwargs)
    two = pipeline.run_experiment(None, n_workers=2, **kwargs)
    assert one.n_workers == 1 and two.n_workers == 2
    assert one.predictions.equals(two.predictions)


def test_same_seed_same_numbers(tiny_data_config: DataConfig) -> None:
    def run() -> pl.DataFrame:
        training = TrainingConfig(random_state=3)
        training.set_model_config(
            "lightgbm_standard", n_estimators=20, bagging_fraction=0.7, bagging_freq=1
        )
        pipe = BenchmarkPipeline(tiny_data_config, training)
        return pipe.run_experiment(SKUS, "combined", progress=False).predictions

    assert run().equals(run())


def test_failing_sku_is_reported_and_others_go_on(
    pipeline: BenchmarkPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchlab.forecast import strategies

    real = strategies.fit_and_forecast

    def flaky(task, train, test, *, keep_model=True):
        if train["product_id"][0] == 80558:
            raise RuntimeError("solver diverged")
        return real(task, train, test, keep_model=keep_model)

    monkeypatch.setattr(strategies, "fit_and_forecast", flaky)
    result = pipeline.run_experiment(SKUS, "individual", "statquant", n_workers=1, progress=False)
    assert [f.sku for f in result.failures] == [(80558, 2)]
    assert "solver diverged" in result.failures[0].reason
    assert result.predictions["product_id"].unique().to_list() == [80651]


def test_every_sku_failing_is_one_clear_error(
    pipeline: BenchmarkPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchlab.forecast import strategies

    def broken(task, train, test, *, keep_model=True):
        raise RuntimeError("solver diverged")

    monkeypatch.setattr(strategies, "fit_and_forecast", broken)
    with pytest.raises(InputError, match=r"produced no forecasts: \(80558, 2\): RuntimeError"):
        pipeline.run_experiment(SKUS, "individual", "statquant", n_workers=1, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sku_tuples": [(1, 1)]}, "unknown SKU tuple"),
        ({"sku_tuples": []}, "empty"),
        ({"model_type": "prophet_magic"}, "unknown forecast model 'prophet_magic'"),
        ({"hyperparameters": {"n_estimators": -5}}, "n_estimators"),
        ({"hyperparameters": {"n_estimatorz": 5}}, "n_estimatorz"),
        ({"quantile_alphas": [0.9, 0.1]}, "increasing"),
        ({"quantile_alphas": [0.1, 1.5]}, "between 0 and 1"),
    ],
)
def test_bad_requests_fail_clearly(pipeline: BenchmarkPipeline, kwargs: dict, message: str) -> None:
    call = {
        "sku_tuples": SKUS,
        "modeling_strategy": "combined",
        "model_type": "xgboost_quantile",
        "progress": False,
        **kwargs,
    }
    with pytest.raises(InputError, match=message):
        pipeline.run_experiment(**call)


def test_split_date_outside_data(tiny_data_config: DataConfig) -> None:
    config = DataConfig.model_validate(tiny_data_config.model_dump() | {"split_date": "2031-01-01"})
    with pytest.raises(InputError, match="outside the data"):
        BenchmarkPipeline(config, TrainingConfig()).load_and_prepare_data()


@pytest.mark.parametrize("strategy", ["combined", "individual"])
@pytest.mark.parametrize("model", ["lightgbm_quantile", "statquant"])
def test_long_panel_both_strategies(tiny_panel, strategy: str, model: str) -> None:
    config = DataConfig(panel_path=tiny_panel, target_column="sales", horizon=14)
    training = TrainingConfig(random_state=1)
    params = {"quantile_alphas": [0.1, 0.5, 0.9]}
    if model == "lightgbm_quantile":
        params["n_estimators"] = 30
    training.set_model_config(model, **params)
    pipe = BenchmarkPipeline(config, training)
    pipe.load_and_prepare_data()
    assert pipe.feature_spec is not None and not pipe.feature_spec.is_direct(14)
    result = pipe.run_experiment(SKUS, strategy, progress=False, n_workers=2)
    assert result.predictions.height == 2 * 14
    assert result.predictions[Y_PRED].is_finite().all()
    assert result.metrics["rmsse"] < 3
    assert result.revenue_weights is False  # no price column configured: unit-sales weights


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(noise=st.lists(st.floats(0, 1000, allow_nan=False), min_size=14, max_size=14))
def test_no_actual_after_origin_is_seen(tiny_panel, noise: list[float]) -> None:
    """Rewriting every test-period actual leaves recursive forecasts unchanged."""
    config = DataConfig(panel_path=tiny_panel, target_column="sales", horizon=14)
    training = TrainingConfig(random_state=0)
    training.set_model_config("lightgbm_quantile", n_estimators=10, quantile_alphas=[0.2, 0.8])
    pipe = BenchmarkPipeline(config, training)
    pipe.load_and_prepare_data()
    before = pipe.run_experiment([SKUS[0]], "combined", progress=False).predictions
    assert pipe.split is not None
    test = pipe.split.test
    rank = pl.int_range(pl.len()).over("product_id", "store_id")
    pipe.split.test = (
        test.with_columns(pl.Series("_noise", noise * (test.height // 14)).alias("_noise"))
        .with_columns((pl.col("_noise") + rank).alias(TARGET))
        .drop("_noise")
    )
    after = pipe.run_experiment([SKUS[0]], "combined", progress=False).predictions
    cols = [c for c in before.columns if c not in (Y_TRUE,)]
    assert before.select(cols).equals(after.select(cols))
    assert not before[Y_TRUE].equals(after[Y_TRUE])


def test_theta_forecasts_of_sales_are_clipped_and_scored_over_the_m5_levels(
    tiny_data_config: DataConfig,
) -> None:
    pipeline = BenchmarkPipeline(tiny_data_config, TrainingConfig())
    result = pipeline.run_experiment(
        None, ModelingStrategy.COMBINED, "theta", quantile_alphas=[0.1, 0.5, 0.9], progress=False
    )
    q = result.predictions.select("y_pred", "q_0.1", "q_0.5", "q_0.9").to_numpy()
    assert result.clipped_at_zero and q.min() >= 0.0
    assert np.all(np.diff(q[:, 1:], axis=1) >= 0)
    levels = result.level_metrics
    assert levels is not None and levels["level"].to_list() == list(range(1, 13))
    assert result.metrics["m5_wrmsse"] == pytest.approx(levels["wrmsse"].mean())
    # level 12 (item × store) is the bottom level: the same series as wrmsse
    assert levels.filter(pl.col("level") == 12)["wrmsse"].item() == pytest.approx(
        result.metrics["wrmsse"]
    )
    assert "m5_wspl" in result.metrics and "rmsse_seasonal" in result.metrics
