"""Run configs: YAML + key=value overrides + validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchlab.config import apply_overrides, load_run_config
from benchlab.errors import InputError
from benchlab.forecast.results import ModelingStrategy

SHIPPED = Path(__file__).resolve().parents[1] / "configs"


def test_shipped_configs_validate() -> None:
    """Every shipped config loads with its task's model; there is one for each task but the
    text task (not built yet)."""
    tasks = set()
    for path in sorted(SHIPPED.glob("*.yaml")):
        config = load_run_config(path)
        tasks.add(config.task)
        if config.task == "forecast":
            assert config.models, path
    assert {"forecast", "vision", "augment"} <= tasks


def test_overrides_reach_lists_and_new_keys() -> None:
    raw = {"models": [{"type": "statquant"}], "data": {"horizon": 28}}
    out = apply_overrides(raw, ["models.0.quantile_alphas=[0.1, 0.9]", "data.horizon=14", "seed=7"])
    assert out == {
        "models": [{"type": "statquant", "quantile_alphas": [0.1, 0.9]}],
        "data": {"horizon": 14},
        "seed": 7,
    }


def test_override_out_of_range_index_is_clear() -> None:
    with pytest.raises(InputError, match="models.5.n_estimators=1"):
        apply_overrides({"models": [{"type": "x"}]}, ["models.5.n_estimators=1"])


def test_repeated_model_types_are_numbered(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "data": {"panel_path": "p.parquet"},
                "strategy": "individual",
                "models": [
                    {"type": "lightgbm_standard", "n_estimators": 10},
                    {"type": "lightgbm_standard", "n_estimators": 50},
                    {"type": "statquant", "name": "baseline"},
                ],
            }
        )
    )
    config = load_run_config(path)
    assert config.strategy == [ModelingStrategy.INDIVIDUAL]
    training = config.training_config()
    assert list(training.models) == ["lightgbm_standard", "lightgbm_standard2", "baseline"]
    assert training.models["lightgbm_standard2"].params == {"n_estimators": 50}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"data": {"panel_path": "p.csv"}, "models": []}, "models"),
        ({"data": {"panel_path": "p.csv"}, "models": [{"n_estimators": 3}]}, "type"),
        ({"data": {}, "models": [{"type": "statquant"}]}, "panel_path"),
        (
            {"data": {"panel_path": "p.csv", "horizon": 0}, "models": [{"type": "statquant"}]},
            "data.horizon",
        ),
        (
            {
                "data": {"panel_path": "p.csv", "split_date": "March"},
                "models": [{"type": "statquant"}],
            },
            "data.split_date",
        ),
        (
            {"data": {"panel_path": "p.csv"}, "models": [{"type": "statquant"}], "colour": 1},
            "colour",
        ),
    ],
)
def test_invalid_configs_name_the_key(tmp_path: Path, raw: dict, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=message) as info:
        load_run_config(path)
    assert str(path) in str(info.value)


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("data: [unclosed")
    with pytest.raises(InputError, match="not valid YAML"):
        load_run_config(path)
