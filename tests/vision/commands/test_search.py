"""``benchlab vision search`` and ``benchlab tune`` on a vision config: the search, the refit,
and a best config that ``benchlab vision train`` takes as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def _write_config(digits_dir: Path, tmp_path: Path) -> Path:
    config = {
        "task": "vision",
        "name": "digits",
        "seed": 0,
        "output_dir": str(tmp_path / "runs"),
        "tracking": {"enabled": False},
        "data": {"data_dir": str(digits_dir), "fold": 0},
        "model": {"type": "custom", "custom_architecture": "tiny_net"},
        "training": {"num_epochs": 1, "batch_size": 64},
        "search": {
            "n_trials": 3,
            "metric": "val_acc",
            "sampler": {"type": "TPESampler", "n_startup_trials": 10},
            "pruner": {"type": "MedianPruner", "n_startup_trials": 5, "n_warmup_steps": 5},
            "search_space": {
                "optimizer.lr": {"type": "loguniform", "low": 1e-3, "high": 1e-2},
                "training.batch_size": {"type": "categorical", "choices": [32, 64]},
            },
        },
    }
    path = tmp_path / "digits_config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_search_writes_a_best_config_that_train_takes(digits_dir: Path, tmp_path: Path) -> None:
    config = _write_config(digits_dir, tmp_path)
    result = runner.invoke(
        app,
        [
            "vision",
            "search",
            "--config",
            str(config),
            "--n-trials",
            "1",
            "--study-name",
            "mine",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = _last_json(result.stdout)
    assert payload["study_name"] == "mine" and payload["n_trials"] == 1
    best = Path(payload["study_best_config"])
    assert best == tmp_path / "runs" / "optuna_studies" / "mine" / "best_config.yaml"
    assert yaml.safe_load(best.read_text()) == yaml.safe_load(
        Path(payload["best_config_path"]).read_text()
    )
    trained = runner.invoke(
        app, ["vision", "train", "--config", str(best), "--epochs", "1", "--json"]
    )
    assert trained.exit_code == 0, trained.output
    metrics = _last_json(trained.stdout)["metrics"]
    assert metrics["epochs"] == 1 and 0 <= metrics["test_accuracy"] <= 1
    again = runner.invoke(
        app, ["vision", "search", "--config", str(config), "--study-name", "mine"]
    )
    assert again.exit_code == 2 and "--resume" in again.output


def test_a_config_without_a_search_section_exits_2(digits_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "plain.yaml"
    raw = yaml.safe_load(_write_config(digits_dir, tmp_path).read_text())
    raw.pop("search")
    config.write_text(yaml.safe_dump(raw))
    result = runner.invoke(app, ["vision", "search", "--config", str(config)])
    assert result.exit_code == 2 and "no 'tuning:' section" in result.output


@pytest.mark.slow
def test_benchlab_tune_runs_the_vision_search(digits_dir: Path, tmp_path: Path) -> None:
    config = _write_config(digits_dir, tmp_path)
    result = runner.invoke(app, ["tune", str(config), "--n-trials", "1", "--json"])
    assert result.exit_code == 0, result.output
    payload = _last_json(result.stdout)
    assert payload["study_name"] == "digits"
    assert Path(payload["run_dir"]).parent == tmp_path / "runs" / "vision" / "digits"
    assert (Path(payload["run_dir"]) / "tuning" / "study.json").is_file()
