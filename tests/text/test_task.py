"""The text task end to end on a tiny labelled CSV: what a run writes, the records it returns,
how it shows in the dashboard, bad input before any run folder, failing models, tuning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.config import parse_run_config
from benchlab.errors import FitError, InputError
from benchlab.runner import RunSummary, run_task
from benchlab.text.metrics import quality_metrics
from benchlab.text.results import SEED_KEYS
from benchlab.text.task import TextTask

from .conftest import tiny_raw

MODELS = ("majority", "tfidf_logreg", "tiny-bert")


def runs_in(root: Path) -> list[Path]:
    """Run folders (and leftovers of one) under ``root``."""
    return [p for p in root.rglob("*") if p.is_dir() and p.parent.parent.parent == root]


def test_a_run_writes_each_model_s_results_predictions_latencies_and_model(
    tiny_run: RunSummary,
) -> None:
    run_dir = tiny_run.run_dir
    dataset = json.loads((run_dir / "dataset.json").read_text())
    assert dataset["labels"] == ["negative", "neutral", "positive"]
    n_test = dataset["n_test"]
    assert dataset["n_train"] + dataset["n_validation"] + n_test == 90
    for model in MODELS:
        result = json.loads((run_dir / "results" / f"{model}_results.json").read_text())
        assert list(result)[: len(SEED_KEYS)] == list(SEED_KEYS)
        assert result["model_name"] == model and 0 <= result["f1"] <= 1
        assert (run_dir / "models" / model / "classifier.json").is_file()
    predictions = pl.read_parquet(run_dir / "predictions.parquet")
    assert predictions.height == len(MODELS) * n_test
    assert set(predictions.columns) >= {"model", "row", "text", "label", "prediction", "rating"}
    assert set(predictions["prediction"]) <= {"negative", "neutral", "positive"}
    latencies = pl.read_parquet(run_dir / "latencies.parquet")
    assert latencies.group_by("model").len().sort("model").rows() == [(m, 6) for m in MODELS]
    assert (latencies["latency_ms"] > 0).all()
    assert any((run_dir / "logs" / "tiny-bert").rglob("events.out.tfevents.*"))


def test_records_hold_quality_speed_and_cost_that_match_the_predictions(
    tiny_run: RunSummary,
) -> None:
    predictions = pl.read_parquet(tiny_run.run_dir / "predictions.parquet")
    records = {r.model: r for r in tiny_run.records}
    assert set(records) == set(MODELS)
    for model, record in records.items():
        rows = predictions.filter(model=model).sort("row")
        expected = quality_metrics(rows["label_id"].to_numpy(), rows["prediction_id"].to_numpy(), 3)
        for metric, value in expected.items():
            assert record.metrics[metric] == pytest.approx(value)
        info = record.info
        assert info["status"] == "finished"
        assert info["f1_macro_low"] <= record.metrics["f1_macro"] <= info["f1_macro_high"]
        assert record.metrics["latency_median_ms"] <= record.metrics["latency_p99_ms"]
        assert record.metrics["throughput_samples_per_sec"] > 0
    assert "trainable_share" not in records["tfidf_logreg"].metrics
    share = records["tiny-bert"].metrics["trainable_share"]
    info = records["tiny-bert"].info
    assert share == info["trainable_parameters"] / info["total_parameters"] and 0 < share < 0.1
    board = tiny_run.outcome.leaderboard
    assert board["f1_macro"].to_list() == sorted(board["f1_macro"].to_list(), reverse=True)


def test_the_run_shows_in_the_dashboard_with_composite_nps_and_latencies(
    tiny_run: RunSummary,
) -> None:
    from benchlab.dashboard.runs import load_catalog
    from benchlab.dashboard.views import render, training_views

    catalog = load_catalog(tiny_run.run_dir.parent.parent.parent)
    assert catalog.broken == ()
    (run,) = catalog.of_task("text")
    assert run.primary_metric == "f1_macro" and run.dataset == "reviews"
    views = render(catalog, [run.label])
    assert set(views.composite["experiment"]) == set(MODELS)
    assert views.weights["metric"].to_list() == [
        "accuracy",
        "f1_macro",
        "throughput_samples_per_sec",
        "latency_median_ms",
    ]
    ranking = tiny_run.outcome.details.comparison.ranking.frame
    shown = dict(views.composite.select("experiment", "composite_score").rows())
    for model, score in ranking.select("model", "composite_score").rows():
        assert shown[model] == pytest.approx(score, rel=1e-3)
    assert set(views.nps["model"]) == set(MODELS)
    assert views.nps["n"].to_list() == [json.loads((run.path / "dataset.json").read_text())[
        "n_test"]] * 3  # fmt: skip
    assert [trace.type for trace in views.latency.data] == ["box"] * 3
    assert views.scatter is not None and views.bars is not None
    matrix, _ = training_views(catalog)
    assert set(matrix[run.run_id]) == {"finished"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"models": ["majority", "no-such-model"]}, "unknown model 'no-such-model'"),
        ({"models": ["DistilBERT-base"]}, "is not on disk .* put its files"),
        ({"models": ["majority", "tiny-random-bert", "tiny-bert"]}, "listed twice"),
        ({"data": {"source": "missing.csv"}}, "missing.csv"),
        ({"data": {"label_column": "stars"}}, "stars"),
    ],
)
def test_bad_input_fails_before_any_run_folder(
    reviews_csv: Path, tmp_path: Path, change: dict, message: str
) -> None:
    raw = tiny_raw(reviews_csv, tmp_path / "runs", models_dir=str(tmp_path / "models"))
    if "data" in change:
        change = {"data": {**raw["data"], **change["data"]}}
    config = parse_run_config({**raw, **change})
    with pytest.raises(InputError, match=message):
        run_task(config, progress=False)
    assert runs_in(tmp_path / "runs") == []


def test_a_failing_model_is_reported_and_the_others_go_on(
    reviews_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import benchlab.text.task as task

    real = task.fit_classifier

    def fit(plan, *args, **kwargs):
        if plan.name == "tfidf_logreg":
            raise RuntimeError("out of memory\nsecond line")
        return real(plan, *args, **kwargs)

    monkeypatch.setattr(task, "fit_classifier", fit)
    raw = tiny_raw(reviews_csv, tmp_path / "runs", models=["majority", "tfidf_logreg"])
    summary = run_task(parse_run_config(raw), progress=False)
    board = summary.outcome.leaderboard
    failed = board.filter(model="tfidf_logreg").row(0, named=True)
    assert failed["status"] == "failed" and failed["error"] == "RuntimeError: out of memory"
    assert failed["f1_macro"] is None and failed["rank"] is None
    assert board.filter(model="majority")["status"].to_list() == ["finished"]
    assert not (summary.run_dir / "results" / "tfidf_logreg_results.json").exists()
    assert set(pl.read_parquet(summary.run_dir / "predictions.parquet")["model"]) == {"majority"}
    report = (summary.run_dir / "report.md").read_text()
    assert "## Failed models" in report and "**tfidf_logreg**: RuntimeError" in report
    assert "tfidf_logreg failed" in (summary.run_dir / "benchlab.log").read_text()


def test_every_model_failing_fails_the_run_and_leaves_no_folder(
    reviews_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import benchlab.text.task as task

    def fit(plan, *args, **kwargs):
        raise ValueError(f"{plan.name} cannot fit")

    monkeypatch.setattr(task, "fit_classifier", fit)
    raw = tiny_raw(reviews_csv, tmp_path / "runs", models=["majority", "tfidf_logreg"])
    with pytest.raises(FitError, match="every model failed: majority: ValueError"):
        run_task(parse_run_config(raw), progress=False)
    assert runs_in(tmp_path / "runs") == []


@pytest.mark.parametrize(
    ("source", "name"),
    [("data/tweets/tweets.parquet", "tweets"), ("imdb", "imdb"), ("saved/amazon_ds", "amazon_ds")],
)
def test_the_dataset_level_of_the_run_folder(source: str, name: str) -> None:
    config = parse_run_config({"task": "text", "data": {"source": source}})
    assert TextTask().dataset_name(config) == name


def test_the_task_lists_the_registry() -> None:
    rows = {row["name"]: row for row in TextTask().models()}
    assert rows["MiniLM-L6"]["on disk"] == "yes" and rows["tiny-bert"]["on disk"] == "yes"
    assert len(rows) >= 20


@pytest.mark.slow
def test_tune_searches_lora_on_validation_then_runs_the_best(
    reviews_csv: Path, tmp_path: Path
) -> None:
    raw = tiny_raw(
        reviews_csv,
        tmp_path / "runs",
        models=["majority", "tiny-bert"],
        tuning={
            "n_trials": 2,
            "storage": f"sqlite:///{tmp_path / 'optuna.db'}",
            "search_space": {
                "lora.r": {"type": "categorical", "choices": [2, 4]},
                "lora.alpha": {"type": "categorical", "choices": [4, 8]},
                "training.learning_rate": {"type": "loguniform", "low": 1e-3, "high": 1e-2},
            },
        },
    )
    summary = TextTask().tune(parse_run_config(raw), n_trials=None, resume=False, progress=False)
    assert summary.metric == "val_f1_macro" and summary.direction == "maximize"
    assert summary.n_trials == 2 and 0 <= summary.best_value <= 1
    assert set(summary.best_params) == {"lora.r", "lora.alpha", "training.learning_rate"}
    trials = pl.read_csv(summary.run_dir / "tuning" / "trials.csv")
    assert trials.height == 2 and set(trials["state"]) == {"COMPLETE"}
    best = parse_run_config(
        __import__("yaml").safe_load((summary.run_dir / "tuning" / "best_config.yaml").read_text())
    )
    assert best.lora.r == summary.best_params["lora.r"]
    tuned = json.loads((summary.run_dir / "models" / "tiny-bert" / "classifier.json").read_text())
    assert tuned["training"]["r"] == best.lora.r
    assert np.isclose(tuned["training"]["learning_rate"], best.training.learning_rate)
    study = json.loads((summary.run_dir / "tuning" / "study.json").read_text())
    assert study["model"] == "tiny-bert" and "validation" in study["searched_on"]


def test_the_run_s_best_model_is_released_and_predicts(
    tiny_run: RunSummary, tmp_path: Path
) -> None:
    """The run folder holds what `benchlab release create` packs, for a baseline and LoRA."""
    from benchlab.release import ComprehensiveReleaseManager

    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    best = tiny_run.outcome.leaderboard.row(0, named=True)["model"]
    manager.create(tiny_run.run_dir, "moods", "1.0.0")
    manager.create(tiny_run.run_dir, "moods", "1.1.0", model="tiny-bert")
    for version, model in (("1.0.0", best), ("1.1.0", "tiny-bert")):
        info = manager.show(f"moods@{version}")
        assert info["model"] == model and info["labels"] == ["negative", "neutral", "positive"]
        classifier = manager.load(f"moods@{version}").models["classifier"]
        probabilities = classifier.predict_proba(["great friendly service", "awful and slow"])
        assert probabilities.shape == (2, 3)
        assert np.allclose(probabilities.sum(axis=1), 1.0)
