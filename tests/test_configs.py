"""The configs shipped in benchlab/configs load, and the long-panel one runs as documented."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.config import load_run_config

from .conftest import weekly_panel

CONFIGS = resources.files("benchlab") / "configs"


@pytest.mark.parametrize("name", ["m5_quick.yaml", "panel_weekly.yaml"])
def test_shipped_forecast_configs_validate(name: str) -> None:
    with resources.as_file(CONFIGS / name) as path:
        config = load_run_config(path)
    assert config.models and config.strategy


def test_panel_weekly_runs_on_a_weekly_panel(tmp_path: Path) -> None:
    panel = tmp_path / "weekly.parquet"
    weekly_panel(n_series=3, n_weeks=110).write_parquet(panel)
    with resources.as_file(CONFIGS / "panel_weekly.yaml") as path:
        result = CliRunner().invoke(
            app,
            [
                "run",
                str(path),
                f"data.panel_path={panel}",
                "data.id_columns=[unique_id]",
                "data.date_column=week",
                "data.target_column=units",
                "models.1.n_estimators=20",
                f"output_dir={tmp_path / 'runs'}",
                "tracking.enabled=false",
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert {(r["model"], r["strategy"]) for r in payload["results"]} == {
        (m, s) for m in ("statquant", "lightgbm_quantile") for s in ("combined", "individual")
    }
    assert all(r["metrics"]["rmsse"] > 0 for r in payload["results"])


def test_the_vision_example_trains_as_shipped(tmp_path: Path, monkeypatch) -> None:
    """configs/digits_config.yaml after the two data commands it names, one epoch."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["data", "digits", "--out", "data/digits"]).exit_code == 0
    split = ["vision", "split", "--raw-data", "data/digits/raw", "--folds", "5"]
    assert runner.invoke(app, split).exit_code == 0
    with resources.as_file(CONFIGS / "digits_config.yaml") as path:
        result = runner.invoke(
            app,
            ["run", str(path), "training.num_epochs=1", "tracking.enabled=false", "--json"],
        )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["results"][0]["metrics"]["test_accuracy"] > 0.5
