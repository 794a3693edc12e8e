"""``benchlab text benchmark RUN_DIR``: the comparison recomputed from a run's files, written
beside it (the run folder unchanged), other weights on demand, one message for a bad folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.errors import InputError
from benchlab.release.manager import verify_manifest
from benchlab.runner import RunSummary
from benchlab.text.commands.benchmark import parse_weights

runner = CliRunner()


@pytest.fixture()
def run_copy(tiny_run: RunSummary, tmp_path: Path) -> Path:
    copy = tmp_path / "runs" / "text" / "reviews" / tiny_run.run_dir.name
    shutil.copytree(tiny_run.run_dir, copy)
    return copy


def test_benchmark_writes_the_comparison_beside_the_run(
    run_copy: Path, tiny_run: RunSummary
) -> None:
    result = runner.invoke(app, ["text", "benchmark", str(run_copy), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    out = run_copy.with_name(f"{run_copy.name}-benchmark")
    assert payload["out_dir"] == str(out)
    for name in ("comparison.md", "comparison.html", "comparison.json", "composite.csv",
                 "intervals.csv", "mcnemar.csv", "figures/f1.png"):  # fmt: skip
        assert (out / name).is_file(), name
    in_run = tiny_run.outcome.details.comparison
    assert [r["model"] for r in payload["composite"]] == in_run.ranking.frame["model"].to_list()
    assert payload["weights"] == in_run.ranking.weights
    assert pl.read_csv(out / "mcnemar.csv").height == 3
    assert "Composite ranking" in result.stdout and "McNemar (Holm)" in result.stdout
    verify_manifest(run_copy, what="run")  # nothing was written into the run folder


def test_other_weights_rerank(run_copy: Path, tmp_path: Path) -> None:
    args = [
        "text",
        "benchmark",
        str(run_copy),
        "--weight",
        "latency=1",
        "--out",
        str(tmp_path / "o"),
    ]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["weights"] == {"latency_median_ms": 1.0}
    latency = pl.read_csv(tmp_path / "o" / "composite.csv").sort("composite_rank")
    assert latency["latency_median_ms"].is_sorted()


def test_weights_are_metric_equals_number() -> None:
    assert parse_weights([]) is None
    with pytest.raises(InputError, match="give metric=weight"):
        parse_weights(["f1"])
    with pytest.raises(InputError, match="give metric=weight"):
        parse_weights(["f1=high"])


@pytest.mark.parametrize("case", ["missing", "not a run", "bad weight"])
def test_bad_input_is_one_message_and_exit_2(run_copy: Path, tmp_path: Path, case: str) -> None:
    target = {"missing": tmp_path / "nothing", "not a run": tmp_path}.get(case, run_copy)
    extra = ["--weight", "bleu=1"] if case == "bad weight" else []
    result = runner.invoke(app, ["text", "benchmark", str(target), *extra])
    if case == "bad weight":  # a weight on a metric no model has: said, no ranking
        assert result.exit_code == 0 and "No composite ranking" in result.stdout
        return
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and "Traceback" not in result.output
