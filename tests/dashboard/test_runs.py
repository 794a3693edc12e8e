"""Reading run folders: discovery, a run's parts, broken and temporary folders, statuses."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from benchlab.dashboard.runs import (
    experiments,
    find_run_folders,
    load_catalog,
    read_run,
    status_matrix,
    training_status,
)
from benchlab.errors import InputError


def leaderboard_rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "leaderboard.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_every_run_is_found_with_its_task_metrics_and_leaderboard(runs_root: Path) -> None:
    catalog = load_catalog(runs_root)
    assert catalog.broken == ()
    assert catalog.tasks() == ["forecast", "reviews", "toy"]
    for run in catalog.runs:
        manifest = json.loads((run.path / "manifest.json").read_text())
        assert (run.task, run.dataset, run.run_id) == (
            manifest["task"], manifest["dataset"], manifest["run_id"]
        )  # fmt: skip
        assert run.path.relative_to(runs_root).parts == (run.task, run.dataset, run.run_id)
        rows = leaderboard_rows(run.path)
        assert run.leaderboard["model"].to_list() == [r["model"] for r in rows]
        for metric in run.metrics:
            assert run.leaderboard[metric].to_list() == pytest.approx(
                [float(r[metric]) for r in rows]
            )
    by_task = {run.task: run for run in catalog.runs}
    assert by_task["forecast"].primary_metric == "rmsse"
    assert by_task["forecast"].keys == ("strategy",)
    assert by_task["reviews"].primary_metric == "f1_macro"
    assert by_task["toy"].primary_metric == "r2"
    assert "fit_seconds" in by_task["forecast"].info
    assert "fit_seconds" not in by_task["forecast"].metrics


def test_experiments_of_several_runs_share_one_frame(runs_root: Path) -> None:
    catalog = load_catalog(runs_root)
    frame = experiments(catalog.runs)
    assert frame.columns[:5] == ["run", "dataset", "experiment", "rank", "model"]
    assert frame.height == sum(run.leaderboard.height for run in catalog.runs)
    forecast = frame.filter(model="statquant")
    assert forecast["experiment"].to_list() == ["statquant [combined]"]
    assert experiments([]).is_empty()


def test_temporary_hidden_and_foreign_folders_are_skipped(runs_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "runs"
    shutil.copytree(runs_root, root)
    run = next(iter(load_catalog(root).runs))
    # a run being written, a hidden folder, MLflow's files, a folder of another kind
    shutil.copytree(run.path, run.path.parent / f".tmp-{run.run_id}@host@1@abcd")
    (root / ".cache" / "x" / "y").mkdir(parents=True)
    (root / "mlartifacts" / "1" / "abc" / "artifacts").mkdir(parents=True)
    (root / "mlflow.db").write_text("")
    found = list(find_run_folders(root))
    assert len(found) == 3
    assert all(not part.startswith(".") for p in found for part in p.relative_to(root).parts)
    # the root itself may be a run folder, or a task folder
    assert list(find_run_folders(run.path)) == [run.path]
    assert list(find_run_folders(root / run.task)) == [run.path]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p: (p / "manifest.json").unlink(), "no manifest.json (an incomplete run)"),
        (lambda p: (p / "manifest.json").write_text("{not json"), "manifest.json cannot be read"),
        (lambda p: (p / "metrics.json").write_text('{"results": 3}'), "no list of results"),
        (lambda p: (p / "leaderboard.csv").unlink(), "no leaderboard.csv"),
        (lambda p: (p / "leaderboard.csv").write_text("model\na\n"), "has no 'rank' column"),
        (lambda p: (p / "leaderboard.csv").write_text("rank,model\n1,a\n"), "csv lacks the metric"),
    ],
    ids=["no-manifest", "bad-manifest", "bad-metrics", "no-leaderboard", "no-rank", "no-metric"],
)
def test_a_broken_run_is_listed_with_its_reason(runs_root: Path, tmp_path: Path, damage, reason):
    root = tmp_path / "runs"
    shutil.copytree(runs_root, root)
    victim = load_catalog(root).of_task("toy")[0]
    damage(victim.path)
    catalog = load_catalog(root)
    assert [run.task for run in catalog.runs] == [
        r.task for r in load_catalog(runs_root).runs if r.task != "toy"
    ]
    assert [b.path for b in catalog.broken] == [victim.path]
    assert reason in catalog.broken[0].reason
    assert catalog.notes()[0].startswith(f"toy/{victim.dataset}/{victim.run_id}: ")
    with pytest.raises(InputError, match="runs folder not found"):
        load_catalog(tmp_path / "nowhere")
    status = training_status(catalog).filter(status="broken")
    assert status.select("run", "task", "note").row(0) == (
        victim.run_id, "toy", catalog.broken[0].reason
    )  # fmt: skip


def test_training_status_and_matrix(runs_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "runs"
    shutil.copytree(runs_root, root)
    catalog = load_catalog(root)
    forecast = catalog.of_task("forecast")[0]
    # a forecaster that failed on 2 SKUs, and a model without its primary metric
    board = leaderboard_rows(forecast.path)
    board[0]["n_failed"] = "2"
    toy = catalog.of_task("toy")[0]
    toy_rows = leaderboard_rows(toy.path)
    toy_rows[-1]["r2"] = ""
    for run, rows in ((forecast, board), (toy, toy_rows)):
        with (run.path / "leaderboard.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    status = training_status(load_catalog(root))
    expected_rows = sum(run.leaderboard.height for run in catalog.runs)
    assert status.height == expected_rows
    by_model = {
        (t, m): (s, n) for t, m, s, n in status.select("task", "model", "status", "note").rows()
    }
    assert by_model[("forecast", "statquant [combined]")] == ("partial", "2 failed unit(s)")
    assert by_model[("toy", toy_rows[-1]["model"])] == ("failed", "no r2 value")
    assert by_model[("reviews", "logreg")] == ("finished", "")
    matrix = status_matrix(status)
    assert matrix.columns[0] == "task · model"
    assert sorted(matrix.columns[1:]) == sorted(run.run_id for run in catalog.runs)
    assert matrix.height == expected_rows
    reviews = next(run.run_id for run in catalog.runs if run.task == "reviews")
    assert matrix.filter(pl.col("task · model") == "reviews · logreg")[reviews].item() == "finished"


def test_read_run_reads_the_config(runs_root: Path) -> None:
    run = read_run(load_catalog(runs_root).of_task("reviews")[0].path)
    assert run.config["task"] == "reviews"
    assert run.config["n_reviews"] == 400
    assert [p.name for p in run.parquet_files("rating", "prediction")] == ["predictions.parquet"]
    assert [p.name for p in run.parquet_files("latency_ms")] == ["latency.parquet"]
