"""``benchlab augment evaluate CONFIG …`` run as a user would: the run folder and ``--json``,
and one line with exit status 2 for a bad GAN run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from benchlab.cli import app

from ..evaluation_run import evaluation_raw

runner = CliRunner()


@pytest.fixture(scope="module")
def gan_run(quick_gan_run: Path) -> Path:
    return quick_gan_run


def _config(path: Path, processed: Path, runs: Path, gan_run: Path | None, **sections) -> Path:
    raw = evaluation_raw(processed, runs, gan_run, **sections)
    raw.pop("stage")  # the command sets it
    path.write_text(yaml.safe_dump(raw))
    return path


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_evaluate_writes_a_run_and_prints_json(
    olist_processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    config = _config(tmp_path / "evaluate.yaml", olist_processed, tmp_path / "runs", None)
    result = runner.invoke(
        app, ["augment", "evaluate", str(config), f"evaluation.gan_run={gan_run}", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "Leaderboard (ranked by test_mae)" in result.stdout
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    run_dir = Path(payload["run_dir"])
    assert {entry["model"] for entry in payload["results"]} == {"real_only", "augmented", "tstr"}
    assert all("test_mae" in entry["metrics"] for entry in payload["results"])
    assert payload["evaluation"]["verdict"].startswith("Augmentation ")
    assert payload["evaluation"]["verdict"] in result.stdout
    assert payload["evaluation"]["gan_run"] == str(gan_run.resolve())
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["stage"] == "evaluate" and saved["evaluation"]["gan_run"] == str(gan_run)
    assert json.loads((run_dir / "metrics.json").read_text())["results"] == payload["results"]


def test_a_missing_gan_run_folder_is_one_line_exit_2(olist_processed: Path, tmp_path: Path) -> None:
    missing = tmp_path / "runs" / "augment" / "olist" / "nothing-here"
    config = _config(tmp_path / "evaluate.yaml", olist_processed, tmp_path / "out", missing)
    result = runner.invoke(app, ["augment", "evaluate", str(config)])
    assert result.exit_code == 2
    (line,) = _error_lines(result.output)
    assert line.startswith("error:") and f"{missing} does not exist" in line
    assert not (tmp_path / "out").exists()


def test_a_checkpoint_from_another_model_is_one_line_exit_2(
    olist_processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "gan"
    shutil.copytree(gan_run, copy)
    torch.save(torch.nn.LSTM(1, 4).state_dict(), copy / "models" / "generator.pt")
    config = _config(tmp_path / "evaluate.yaml", olist_processed, tmp_path / "out", copy)
    result = runner.invoke(app, ["augment", "evaluate", str(config)])
    assert result.exit_code == 2
    (line,) = _error_lines(result.output)
    assert "a checkpoint from another model" in line and "generator.pt" in line
    assert not (tmp_path / "out").exists()


def test_a_config_of_another_task_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "forecast.yaml"
    config.write_text(yaml.safe_dump({"task": "forecast", "name": "m5"}))
    result = runner.invoke(app, ["augment", "evaluate", str(config)])
    assert result.exit_code == 2
    (line,) = _error_lines(result.output)
    assert "is not augment" in line


@pytest.mark.slow
def test_quick_mode_trains_a_gan_then_evaluates_five_seeds(
    olist_processed: Path, tmp_path: Path
) -> None:
    config = _config(
        tmp_path / "evaluate.yaml",
        olist_processed,
        tmp_path / "runs",
        None,
        evaluation={"seeds": [0, 1, 2, 3, 4]},
    )
    result = runner.invoke(
        app, ["augment", "evaluate", str(config), "quick_run.enabled=true", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    evaluation = payload["evaluation"]
    gan_run = Path(evaluation["gan_run"])
    assert (gan_run / "models" / "generator.pt").is_file()
    assert gan_run.parent == Path(payload["run_dir"]).parent
    augmented = evaluation["comparisons"]["units"]["augmented"]
    assert augmented["seeds"]["n"] == 5 and augmented["improvement_seeds_ci"] is not None
    assert "over seeds" in evaluation["verdict"]
    report = (Path(payload["run_dir"]) / "report.md").read_text()
    assert evaluation["verdict"] in report


def test_a_synthetic_file_without_the_window_columns_is_one_line_exit_2(
    olist_processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    import polars as pl

    bad = tmp_path / "synthetic.parquet"
    pl.DataFrame({"product_id": ["p1"], "sample": [0]}).write_parquet(bad)
    config = _config(tmp_path / "evaluate.yaml", olist_processed, tmp_path / "out", gan_run)
    result = runner.invoke(
        app, ["augment", "evaluate", str(config), f"evaluation.synthetic_path={bad}"]
    )
    assert result.exit_code == 2
    (line,) = _error_lines(result.output)
    assert line.startswith("error:") and "synthetic.parquet" in line and "history" in line
    assert not (tmp_path / "out").exists()
