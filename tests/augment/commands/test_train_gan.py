"""``benchlab augment train-gan CONFIG …`` run as a user would, and ``benchlab run`` beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from benchlab.augment.models.weights import load_generator
from benchlab.cli import app

from ..gan_run import write_tiny_config

runner = CliRunner()


def _json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_train_gan_quick_run_end_to_end(olist_processed: Path, tmp_path: Path) -> None:
    config = write_tiny_config(tmp_path / "gan.yaml", tmp_path / "elsewhere", tmp_path / "runs")
    result = runner.invoke(
        app,
        [
            "augment",
            "train-gan",
            str(config),
            "quick_run.enabled=true",
            "quick_run.max_epochs=2",
            f"data.processed_dir={olist_processed}",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Leaderboard (ranked by val_wasserstein_gap)" in result.stdout
    payload = _json(result.stdout)
    run_dir = Path(payload["run_dir"])
    (entry,) = payload["results"]
    assert entry["model"] == "wgan_gp" and entry["epochs"] == 2
    assert set(entry["metrics"]) == {
        "val_wasserstein_gap",
        "d_loss",
        "g_loss",
        "gp",
        "mean_grad_norm",
    }
    assert entry["windows_per_second"] > 0
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["quick_run"]["enabled"] is True
    assert saved["data"]["processed_dir"] == str(olist_processed)
    assert (run_dir / "models" / "generator.pt").is_file()


def test_benchlab_run_does_what_train_gan_does(olist_processed: Path, tmp_path: Path) -> None:
    config = write_tiny_config(
        tmp_path / "gan.yaml", olist_processed, tmp_path / "runs", quick_run={"enabled": True}
    )
    payloads = []
    for command in (["run"], ["augment", "train-gan"]):
        result = runner.invoke(app, [*command, str(config), "--json"])
        assert result.exit_code == 0, result.output
        payloads.append(_json(result.stdout))
    (by_run,), (by_train_gan,) = (p["results"] for p in payloads)
    assert by_run["metrics"] == by_train_gan["metrics"]
    assert by_run["epochs"] == by_train_gan["epochs"]
    first, second = (
        load_generator(Path(p["run_dir"]) / "models" / "generator.pt").state_dict()
        for p in payloads
    )
    for key, value in first.items():
        torch.testing.assert_close(second[key], value, rtol=0, atol=0)


def test_a_config_of_another_task_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "forecast.yaml"
    config.write_text(yaml.safe_dump({"task": "forecast", "name": "x"}))
    result = runner.invoke(app, ["augment", "train-gan", str(config)])
    assert result.exit_code == 2
    assert "is not augment (use `benchlab run" in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "data.processed_dir=/nowhere/processed",
            "does not exist: run `benchlab augment preprocess",
        ),
        ("data.history_window=500", "too short for one window"),
        ("training.n_critic=0", "training.n_critic"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_run_folder(
    olist_processed: Path, tmp_path: Path, override: str, message: str
) -> None:
    config = write_tiny_config(tmp_path / "gan.yaml", olist_processed, tmp_path / "runs")
    result = runner.invoke(app, ["augment", "train-gan", str(config), override])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert result.stderr.startswith("error:")
    assert not (tmp_path / "runs").exists()
