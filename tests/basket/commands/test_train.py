"""``benchlab basket train CONFIG [key=value …]`` and ``benchlab run`` with ``task: basket``."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app

TINY = [
    "model.d_model=32",
    "model.n_layers=1",
    "model.n_heads=2",
    "model.dim_feedforward=64",
    "training.max_epochs=1",
    "training.accelerator=cpu",
    "training.num_threads=1",
    "data.batch_size=64",
    "evaluation.group_by=[week]",
    "tracking.enabled=false",
]


@pytest.fixture()
def demo_config(basket_prepared_root: Path, tmp_path: Path) -> Path:
    """The shipped demo config pointed at a copy of the tiny prepared project."""
    root = tmp_path / "project"
    shutil.copytree(basket_prepared_root, root)
    with resources.as_file(resources.files("benchlab") / "configs" / "basket_demo.yaml") as path:
        raw = yaml.safe_load(path.read_text())
    raw["project_root"] = str(root)
    raw["output_dir"] = str(tmp_path / "runs")
    config = tmp_path / "basket.yaml"
    config.write_text(yaml.safe_dump(raw))
    return config


def test_basket_train_runs_the_shipped_config(demo_config: Path) -> None:
    result = CliRunner().invoke(app, ["basket", "train", str(demo_config), *TINY, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert {r["model"] for r in payload["results"]} == {
        "world_model",
        "popularity",
        "customer_frequency",
        "majority_class",
    }
    run_dir = Path(payload["run_dir"])
    assert run_dir.is_absolute() and (run_dir / "report.md").is_file()
    assert (run_dir / "breakdown_week.csv").is_file()


def test_print_config_shows_the_overrides(demo_config: Path) -> None:
    result = CliRunner().invoke(
        app, ["basket", "train", str(demo_config), "training.max_epochs=7", "--print-config"]
    )
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["training"]["max_epochs"] == 7


def test_a_missing_project_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "basket.yaml"
    config.write_text(yaml.safe_dump({"task": "basket", "project_root": str(tmp_path / "nowhere")}))
    result = CliRunner().invoke(app, ["run", str(config), "tracking.enabled=false"])
    assert result.exit_code == 2
    assert "benchlab data baskets --out" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


def test_another_tasks_config_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "vision.yaml"
    config.write_text(yaml.safe_dump({"task": "vision"}))
    result = CliRunner().invoke(app, ["basket", "train", str(config)])
    assert result.exit_code == 2
    assert "is not basket" in result.output
