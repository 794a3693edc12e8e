"""`benchlab vision init-config` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.config import load_run_config
from tests.vision.conftest import write_image_folder

runner = CliRunner()


def test_init_config_writes_a_loadable_config(digits_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "configs"
    result = runner.invoke(
        app, ["vision", "init-config", str(digits_dir), "--optuna", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    path = out / "digits_config.yaml"
    assert str(path) in result.stdout
    config = load_run_config(path)
    assert config.model.num_classes == 10 and config.tuning is not None


def test_init_config_on_a_bad_folder_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    data_dir = write_image_folder(tmp_path / "data", {"a": 2})
    (data_dir / "raw" / "empty").mkdir()
    out = tmp_path / "configs"
    result = runner.invoke(app, ["vision", "init-config", str(data_dir), "--output", str(out)])
    assert result.exit_code == 2
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert str(data_dir / "raw" / "empty") in result.output
    assert not out.exists()
