"""``benchlab augment generate RUN_DIR …`` run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import torch
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(quick_gan_run: Path) -> Path:
    return quick_gan_run


def test_generate_writes_parquet_and_the_pt_file(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "synthetic" / "gan_samples.parquet"
    result = runner.invoke(
        app,
        [
            "augment",
            "generate",
            str(run_dir),
            "--samples-per-real",
            "2",
            "--out",
            str(out),
            "--pt",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    frame = pl.read_parquet(out)
    assert payload["path"] == str(out.resolve()) and payload["rows"] == frame.height
    assert payload["pt"] == str(out.with_suffix(".pt").resolve())
    assert frame.height == 2 * frame.filter(pl.col("sample") == 0).height
    assert torch.load(out.with_suffix(".pt"), weights_only=True)["target"].shape == (
        frame.height,
        7,
    )


def test_a_checkpoint_from_another_model_is_one_line_exit_2(run_dir: Path, tmp_path: Path) -> None:
    fake = tmp_path / "run"
    (fake / "models").mkdir(parents=True)
    (fake / "models" / "gan.json").write_text((run_dir / "models" / "gan.json").read_text())
    torch.save(torch.nn.LSTM(1, 4).state_dict(), fake / "models" / "generator.pt")
    result = runner.invoke(
        app, ["augment", "generate", str(fake), "--out", str(tmp_path / "x.parquet")]
    )
    assert result.exit_code == 2, result.output
    assert "a checkpoint from another model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x.parquet").exists()


def test_a_missing_run_folder_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["augment", "generate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
