"""``benchlab vision inference``: --json for the test split and for a folder; bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from tests.vision.checkpoint_factory import digits_run_config, untrained_checkpoint

runner = CliRunner()


@pytest.fixture(scope="module")
def checkpoint(digits_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inference_cli")
    return untrained_checkpoint(
        digits_run_config(digits_dir, folder / "runs"), folder / "weights" / "best.pt"
    )


def test_the_test_split_as_json(checkpoint: Path) -> None:
    result = runner.invoke(
        app, ["vision", "inference", "--checkpoint_path", str(checkpoint), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert 0 <= payload["accuracy"] <= 1 and payload["images"] > 0
    assert "macro avg" in result.stdout  # the classification report


def test_a_folder_into_a_csv(checkpoint: Path, digits_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "images"
    shutil.copytree(digits_dir / "raw" / "3", folder / "3")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "vision",
            "inference",
            "--checkpoint",
            str(checkpoint),
            "--images",
            str(folder),
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    frame = pl.read_csv(out)
    assert payload["images"] == frame.height == len(list((folder / "3").iterdir()))
    assert sum(payload["predicted_counts"].values()) == frame.height


def test_a_tampered_checkpoint_exits_2_naming_it(checkpoint: Path, tmp_path: Path) -> None:
    copy = tmp_path / "best.pt"
    copy.write_bytes(checkpoint.read_bytes()[:-10])
    shutil.copy(checkpoint.with_name("best.pt.sha256"), tmp_path / "best.pt.sha256")
    result = runner.invoke(app, ["vision", "inference", "--checkpoint", str(copy)])
    assert result.exit_code == 2
    assert f"checkpoint {copy} fails its SHA-256 check" in " ".join(result.output.split())
    assert "Traceback" not in result.output
