"""``benchlab vision lr-find`` (and its seed name ``lr-finder``) from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def _config(digits_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "digits.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "task": "vision",
                "name": "digits",
                "seed": 0,
                "output_dir": str(tmp_path / "runs"),
                "tracking": {"enabled": False},
                "data": {"data_dir": str(digits_dir), "fold": 0},
                "model": {"type": "custom", "custom_architecture": "tiny_net"},
                "optimizer": {"name": "sgd", "lr": 0.01},
            }
        )
    )
    return path


def test_lr_finder_with_the_seeds_spellings_writes_its_files(
    digits_dir: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "vision",
            "lr-finder",
            "--config",
            str(_config(digits_dir, tmp_path)),
            "--fold",
            "1",
            "--start_lr",
            "1e-4",
            "--end_lr",
            "1e4",
            "--num_iter",
            "30",
            "--beta",
            "0.5",
            "--diverge_threshold",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    out_dir = Path(payload["out_dir"])
    assert out_dir.parent == tmp_path / "runs" / "vision" / "digits"
    saved = json.loads((out_dir / "results.json").read_text())
    assert saved["diverge_threshold"] == 3 and saved["num_iter"] == 30
    assert saved["config"]["fold"] == 1
    assert payload["suggested_lr"] == saved["suggested_lr"]
    assert "suggested lr" in result.stdout and Path(payload["plot"]).is_file()


def test_bad_settings_exit_2_and_write_nothing(digits_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "vision",
            "lr-find",
            "--config",
            str(_config(digits_dir, tmp_path)),
            "--start-lr",
            "1",
            "--end-lr",
            "0.1",
        ],
    )
    assert result.exit_code == 2
    assert "--start-lr must be positive and below --end-lr" in result.output
    assert not (tmp_path / "runs").exists()
