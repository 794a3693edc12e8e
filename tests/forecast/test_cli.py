"""The forecast task's own commands: `benchlab forecast …`, `benchlab data synth`, `demo`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.forecast.cli import DEMO_SEED, _synthetic_ready
from benchlab.forecast.data.seed_files import MAPPING_JSON, TARGET_FILE
from benchlab.forecast.model_types import model_registry

runner = CliRunner()


@pytest.mark.parametrize("args", [["forecast", "models"], ["models", "--task", "forecast"]])
def test_models_lists_every_forecast_model_with_its_columns(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for column in ("name", "task", "input", "quantiles", "description"):
        assert column in result.output
    for name in model_registry.list_available_types():
        assert name in result.output


def test_models_of_an_unknown_task_is_one_error() -> None:
    result = runner.invoke(app, ["models", "--task", "weather"])
    assert result.exit_code == 2
    assert "unknown task 'weather'" in result.output and "forecast" in result.output


def test_the_demo_reuses_only_its_own_data(tmp_path: Path) -> None:
    assert not _synthetic_ready(tmp_path, "tiny")
    (tmp_path / TARGET_FILE).write_bytes(b"")
    mapping = tmp_path / MAPPING_JSON
    mapping.write_text(json.dumps({"generator": {"size": "tiny", "seed": DEMO_SEED}}))
    assert _synthetic_ready(tmp_path, "tiny")
    assert not _synthetic_ready(tmp_path, "small")
    mapping.write_text(json.dumps({"generator": {"size": "tiny", "seed": DEMO_SEED + 1}}))
    assert not _synthetic_ready(tmp_path, "tiny")
    mapping.write_text("{not json")
    assert not _synthetic_ready(tmp_path, "tiny")


def test_the_forecast_sub_app_lists_its_commands() -> None:
    result = runner.invoke(app, ["forecast", "--help"])
    assert result.exit_code == 0, result.output
    assert "models" in result.output and "demo" in result.output


def test_models_lists_registry() -> None:
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    for name in ("statquant", "xgboost_quantile", "lightgbm_standard", "auto_ets", "theta"):
        assert name in result.output


def test_data_synth_writes_seed_files(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["data", "synth", "--size", "tiny", "--seed", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for name in (
        "train_data_features.feather",
        "train_data_target.feather",
        "feature_mapping_train.json",
        "feature_mapping_train.pkl",
        "train_data_oracle.feather",
    ):
        assert (tmp_path / name).is_file(), name


@pytest.mark.slow
def test_demo_end_to_end_on_tiny(tmp_path: Path) -> None:
    """What `make demo` runs, on the tiny data: synthesises it, then benchmarks every model."""
    args = ["demo", "--size", "tiny", "--data-dir", str(tmp_path / "data")]
    result = runner.invoke(app, [*args, "--output-dir", str(tmp_path / "runs"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    pairs = {(r["model"], r["strategy"]) for r in payload["results"]}
    models = {"statquant", "theta", "lightgbm_quantile", "xgboost_quantile"}
    assert pairs == {(m, s) for m in models for s in ("combined", "individual")}
    run_dir = Path(payload["run_dir"])
    assert (run_dir / "report.md").is_file() and (run_dir / "leaderboard.csv").is_file()
    assert "Leaderboard" in result.stdout
    # Trained models beat statquant's seasonal-naive point forecast on the generator's data.
    rmsse = {(r["model"], r["strategy"]): r["metrics"]["rmsse"] for r in payload["results"]}
    assert rmsse["lightgbm_quantile", "combined"] < rmsse["statquant", "combined"]
