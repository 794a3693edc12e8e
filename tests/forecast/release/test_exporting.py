from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.errors import InputError
from benchlab.forecast.release.exporting import sample_features
from benchlab.release import ComprehensiveReleaseManager
from benchlab.release.dispatch import export_target

runner = CliRunner()


def test_export_a_run_experiment_validated(run_dir: Path, tmp_path: Path) -> None:
    report = export_target(
        str(run_dir),
        tmp_path / "onnx",
        model="lightgbm_quantile",
        strategy="individual",
        validate=True,
        benchmark=True,
    )
    assert sorted(report.artifacts) == ["80558_1", "80558_2", "80651_2"]
    for sku, artifacts in report.artifacts.items():
        assert sorted(a.key for a in artifacts) == ["alpha0.1", "alpha0.5", "alpha0.9"]
        assert all(a.path.parent == tmp_path / "onnx" / sku and a.path.is_file() for a in artifacts)
    assert report.parity_ok and len(report.parity) == 3
    assert report.sample.endswith("rows of train_data_features.feather")
    assert [r.runtime for r in report.latency] == ["native", "onnxruntime"]


def test_export_a_release_verifies_it_first(run_dir: Path, tmp_path: Path) -> None:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    path = manager.create(run_dir, "trees", "1.0.0", model="lightgbm_quantile", strategy="combined")
    report = export_target("trees@1.0.0", tmp_path / "onnx", manager=manager, validate=True)
    assert list(report.artifacts) == ["combined"] and report.parity_ok
    booster = sorted((path / "models").rglob("*.txt"))[0]
    booster.chmod(0o644)
    booster.write_text(booster.read_text() + " ")
    with pytest.raises(InputError, match="does not match its SHA-256"):
        export_target("trees@1.0.0", tmp_path / "again", manager=manager)


def test_sample_falls_back_to_random_rows_when_the_data_is_gone(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset.json"
    dataset.write_text(json.dumps({"feature_columns": ["a", "b"], "source": "/gone.feather"}))
    X, description = sample_features(2, dataset, None)
    assert X.shape == (2000, 2) and np.isnan(X).any() and "random rows" in description
    with pytest.raises(InputError, match="cannot read the model's 2 feature columns"):
        sample_features(2, dataset, tmp_path / "nope.parquet")


def test_cli_export(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "onnx"
    ok = runner.invoke(
        app, ["export", str(run_dir), "--out", str(out), "--validate", "--benchmark"]
    )
    assert ok.exit_code == 0, ok.output
    assert "parity ok" in ok.stdout and "onnxruntime: p50" in ok.stdout
    assert list(out.rglob("*.onnx"))
    strict = runner.invoke(
        app,
        [
            "export",
            str(run_dir),
            "--out",
            str(tmp_path / "o2"),
            "--validate",
            "--tolerance",
            "1e-9",
        ],
    )
    assert strict.exit_code == 1 and "differ from the native models" in strict.output
    for args, message in (
        (["export", str(run_dir), "--model", "statquant"], "has no trees to export"),
        (["export", str(run_dir), "--format", "pmml"], "--format must be onnx"),
        (["export", str(tmp_path / "no" / "run")], "no such run folder"),
    ):
        result = runner.invoke(app, [*args, "--out", str(tmp_path / "o3")])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
    shutil.rmtree(tmp_path / "o3", ignore_errors=True)
