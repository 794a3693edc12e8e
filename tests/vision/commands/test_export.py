"""``benchlab vision export`` from the command line: checks, --json, globs and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from tests.vision.checkpoint_factory import digits_run_config, untrained_checkpoint

runner = CliRunner()


@pytest.fixture(scope="module")
def checkpoint(digits_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export_cli")
    return untrained_checkpoint(
        digits_run_config(digits_dir, folder / "runs"), folder / "weights" / "best.pt"
    )


def test_comprehensive_validation_as_json(checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.onnx"
    result = runner.invoke(
        app,
        [
            "vision",
            "export",
            "--checkpoint",
            str(checkpoint),
            "--output",
            str(out),
            "--comprehensive-validate",
            "--input_size",
            "8",
            "8",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout.strip().splitlines()[-1])["exports"]
    assert entry["onnx"] == str(out.resolve()) and entry["passed"]
    check = entry["comprehensive_validation"]
    assert check["max_abs_logit_diff"] <= 1e-4 and check["top1_agreement"] == 1.0
    assert Path(entry["report"]) == tmp_path / "validation_report.json"
    assert "top-1 agreement 100.00%" in result.stdout


def test_a_quoted_glob_exports_each_checkpoint(checkpoint: Path, tmp_path: Path) -> None:
    for run in ("a", "b"):
        weights = tmp_path / run / "weights"
        weights.mkdir(parents=True)
        shutil.copy(checkpoint, weights / "best.pt")
        shutil.copy(checkpoint.with_name("best.pt.sha256"), weights / "best.pt.sha256")
    result = runner.invoke(
        app, ["vision", "export", "--checkpoint", str(tmp_path / "*" / "weights" / "best.pt")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "weights" / "best.onnx").is_file()
    assert (tmp_path / "b" / "weights" / "best.onnx").is_file()


def test_a_file_that_is_not_a_checkpoint_exits_2(tmp_path: Path) -> None:
    bogus = tmp_path / "best.pt"
    bogus.write_text("hello")
    result = runner.invoke(app, ["vision", "export", "--checkpoint", str(bogus), "--validate"])
    assert result.exit_code == 2
    assert str(bogus) in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not (tmp_path / "best.onnx").exists()
