"""Overrides as a user types them: every value resolved as the same text in the YAML file
would be, validated by the same model, with one-line errors (``benchlab run --print-config``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()
CONFIG = Path(__file__).resolve().parents[2] / "src" / "benchlab" / "configs" / "m5_quick.yaml"


def resolved(*overrides: str) -> tuple[int, Any, str]:
    result = runner.invoke(app, ["run", str(CONFIG), *overrides, "--print-config"])
    config = yaml.safe_load(result.stdout) if result.exit_code == 0 else None
    return result.exit_code, config, result.stderr


def get(config: dict[str, Any], dotted: str) -> Any:
    value: Any = config
    for part in dotted.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


@pytest.mark.parametrize(
    ("override", "path", "expected"),
    [
        ("data.split_date=2020-02-01", "data.split_date", "2020-02-01"),
        ('data.split_date="2020-02-01"', "data.split_date", "2020-02-01"),
        ("data.horizon=14", "data.horizon", 14),
        ("models.0.quantile_alphas=[0.1,0.5]", "models.0.quantile_alphas", [0.1, 0.5]),
        ("models.2.learning_rate=1e-3", "models.2.learning_rate", 0.001),
        ("models.2.n_estimators=1_000", "models.2.n_estimators", 1000),
        ("data.sku_tuples=[[80558,2],[80651,2]]", "data.sku_tuples", [[80558, 2], [80651, 2]]),
        ("data.sku_tuples=null", "data.sku_tuples", None),
        ("n_workers=-1", "n_workers", -1),
        ("tracking.enabled=false", "tracking.enabled", False),
        ("name=run=2:b", "name", "run=2:b"),
        ("name=12:30", "name", "12:30"),
        ("name=a: b", "name", "a: b"),
        ("name=NO", "name", "NO"),
        ("tracking.uri=http://127.0.0.1:5000", "tracking.uri", "http://127.0.0.1:5000"),
    ],
)
def test_an_override_resolves_as_typed(override: str, path: str, expected: Any) -> None:
    code, config, stderr = resolved(override)
    assert code == 0, stderr
    assert get(config, path) == expected


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("data.split_date=2020-13-45", "data.split_date: Input should be a valid date"),
        ("data.horizon=soon", "data.horizon: Input should be a valid integer"),
        ("n_workers=0", "n_workers: Value error, 0 cannot run anything"),
        ("models.0.quantile_alphas=[0.1,", "is not a valid YAML list or mapping"),
        ("no_such_key=1", "no_such_key: Extra inputs are not permitted"),
        ("horizon", "is not key=value"),
        ("models.9.n_estimators=3", "cannot be applied"),
    ],
)
def test_a_bad_override_is_one_line_and_exit_2(override: str, message: str) -> None:
    code, _, stderr = resolved(override)
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_a_file_value_and_the_same_override_give_the_same_message(tmp_path: Path) -> None:
    raw = yaml.safe_load(CONFIG.read_text())
    raw["data"]["horizon"] = "soon"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    from_file = runner.invoke(app, ["run", str(bad), "--print-config"]).stderr
    from_override = resolved("data.horizon=soon")[2]
    assert from_file.split(".yaml: ", 1)[1] == from_override.split(".yaml: ", 1)[1]


def test_an_output_folder_that_cannot_be_written_is_named_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = runner.invoke(app, ["run", str(CONFIG), f"output_dir={blocker}/runs"])
    assert result.exit_code == 2
    assert (
        f"output folder {blocker}/runs cannot be created: {blocker} is not a folder"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
