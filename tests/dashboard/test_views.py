"""What each tab shows for the chosen runs: tables, composite, figures and notes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from benchlab.dashboard.nps import nps_table
from benchlab.dashboard.runs import experiments, load_catalog
from benchlab.dashboard.views import (
    NO_RATING,
    display,
    latency_figure,
    methodology_markdown,
    render,
    training_views,
)
from benchlab.evaluation.composite import DEFAULT_WEIGHTS

pytest.importorskip("plotly", reason="needs the dashboard extra: pip install 'benchlab[dashboard]'")


@pytest.fixture(scope="module")
def catalog(runs_root: Path):
    return load_catalog(runs_root)


def labels(catalog, task: str) -> list[str]:
    return [run.label for run in catalog.of_task(task)]


def test_reviews_get_the_composite_ranking_with_its_weights(catalog) -> None:
    views = render(catalog, labels(catalog, "reviews"), weights=dict(DEFAULT_WEIGHTS))
    board = catalog.of_task("reviews")[0].leaderboard
    assert views.leaderboard["model"].to_list() == board["model"].to_list()
    assert views.leaderboard["accuracy"].to_list() == pytest.approx(
        board["accuracy"].to_list(), rel=1e-3
    )
    assert sorted(views.composite["experiment"]) == sorted(board["model"])
    assert views.composite["composite_rank"].to_list() == [1, 2, 3]
    assert views.weights.rows() == [
        ("accuracy", 0.3, "higher is better"),
        ("f1_macro", 0.3, "higher is better"),
        ("throughput_samples_per_sec", 0.2, "higher is better"),
        ("latency_median_ms", 0.2, "lower is better"),
    ]
    assert "Weights used: accuracy 30%, f1_macro 30%" in views.composite_note
    assert views.metric == "f1_macro"
    assert views.scatter.layout.title.text == "Accuracy vs latency"
    assert views.latency.layout.title.text == "Latency per example (ms)"
    assert views.notes == []
    # the app's first render leaves the charts for later, and nothing else
    quick = render(
        catalog, labels(catalog, "reviews"), weights=dict(DEFAULT_WEIGHTS), figures=False
    )
    assert quick.scatter is quick.bars is quick.latency is quick.nps_figure is None
    assert quick.composite.equals(views.composite) and quick.nps.equals(views.nps)


def test_weights_from_the_sliders_change_the_ranking(catalog) -> None:
    runs = labels(catalog, "reviews")
    on_accuracy = render(catalog, runs, weights={"accuracy": 1.0, "f1": 0, "throughput": 0})
    board = catalog.of_task("reviews")[0].leaderboard.sort("accuracy", descending=True)
    assert on_accuracy.composite["experiment"].to_list() == board["model"].to_list()
    assert on_accuracy.weights["metric"].to_list() == ["accuracy"]
    on_speed = render(catalog, runs, weights={"throughput": 1.0})
    fastest = catalog.of_task("reviews")[0].leaderboard.sort(
        "throughput_samples_per_sec", descending=True
    )["model"][0]
    assert on_speed.composite["experiment"][0] == fastest
    nothing = render(catalog, runs, weights=dict.fromkeys(DEFAULT_WEIGHTS, 0.0))
    assert nothing.composite.is_empty()
    assert nothing.composite_note == "No composite ranking: every weight is 0."


def test_other_tasks_fall_back_and_say_why(catalog) -> None:
    forecast = render(catalog, labels(catalog, "forecast"))
    assert forecast.composite.is_empty()
    assert forecast.composite_note.startswith("No composite ranking: these runs have none")
    assert forecast.metric == "rmsse"
    assert forecast.scatter.layout.title.text == "rmsse vs fit_seconds"
    assert forecast.bars.layout.title.text == "rmsse (lower is better)"
    assert forecast.latency is None
    assert "no latency" in forecast.analysis_note
    assert forecast.nps.is_empty() and forecast.nps_figure is None
    assert forecast.nps_note == NO_RATING
    toy = render(catalog, labels(catalog, "toy"))
    assert toy.scatter is None
    assert toy.bars.layout.title.text == "r2 (higher is better)"
    nothing = render(catalog, [])
    assert nothing.notes == ["No run chosen."]
    assert nothing.leaderboard.is_empty()


def test_nps_of_the_reviews_run_comes_from_its_predictions(catalog) -> None:
    run = catalog.of_task("reviews")[0]
    views = render(catalog, [run.label])
    expected = display(nps_table(pl.read_parquet(run.path / "predictions.parquet")))
    assert views.nps.drop("run").equals(expected)
    assert set(views.nps["run"]) == {run.run_id}
    assert views.nps_note.startswith("NPS from 1 predictions file(s), 3 categories")
    assert [trace.name for trace in views.nps_figure.data] == [
        "model NPS",
        "customer NPS (actual)",
    ]


def test_several_runs_of_one_task_are_compared_with_their_run_named(
    runs_root: Path, tmp_path: Path
) -> None:
    root = tmp_path / "runs"
    shutil.copytree(runs_root, root)
    run = load_catalog(root).of_task("reviews")[0]
    copy = run.path.with_name(f"{run.run_id}-copy")
    shutil.copytree(run.path, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "run_id": copy.name}))
    catalog = load_catalog(root)
    both = labels(catalog, "reviews")
    assert len(both) == 2
    views = render(catalog, both)
    assert views.leaderboard.height == 2 * run.leaderboard.height
    assert views.composite["composite_rank"].to_list() == [1, 1, 3, 3, 5, 5]  # pairs tie
    assert sorted(views.bars.data[0].x) == sorted(
        f"{model} ({run_id})" for model in run.leaderboard["model"] for run_id in (
            run.run_id, copy.name)
    )  # fmt: skip


def test_latency_percentiles_without_samples(catalog, tmp_path: Path) -> None:
    run = catalog.of_task("reviews")[0]
    copy = tmp_path / "run"
    shutil.copytree(run.path, copy)
    (copy / "latency.parquet").unlink()
    moved = type(run)(**{**run.__dict__, "path": copy})
    figure, note = latency_figure([moved], experiments([moved]))
    assert figure.layout.title.text == "Latency percentiles (ms)"
    assert [trace.name for trace in figure.data] == ["latency_median_ms", "latency_p99_ms"]
    assert note == ""


def test_training_matrix_and_methodology(catalog) -> None:
    matrix, status = training_views(catalog)
    assert matrix.height == status.height == sum(r.leaderboard.height for r in catalog.runs)
    text = methodology_markdown()
    assert "accuracy 30%, f1 30%, throughput 20%, latency 20%" in text
    for heading in ("Composite ranking", "Analysis", "Training", "NPS", "Statistics"):
        assert f"## {heading}" in text


def test_display_rounds_floats_to_4_significant_digits() -> None:
    frame = pl.DataFrame({"model": ["a"], "x": [0.123456], "n": [12345]})
    assert display(frame).row(0) == ("a", 0.1235, 12345)
