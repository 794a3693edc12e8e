"""run_forecast with the neural models on the tiny data: accuracy, TensorBoard logs, records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchlab.config import parse_run_config
from benchlab.forecast.runner import run_forecast


@pytest.fixture(scope="module")
def neural_run(tiny_paths, tmp_path_factory: pytest.TempPathFactory):
    config = parse_run_config(
        {
            "name": "neural",
            "seed": 5,
            "n_workers": 1,
            "data": {
                "features_path": str(tiny_paths.features),
                "target_path": str(tiny_paths.target),
                "mapping_path": str(tiny_paths.mapping_json),
                "split_date": "2020-03-01",
                "horizon": 28,
            },
            "strategy": ["combined"],
            "models": [
                {"type": "statquant"},
                {
                    "type": "lightning_quantile",
                    "quantile_alphas": [0.1, 0.5, 0.9],
                    "max_epochs": 15,
                    "accelerator": "cpu",
                },
                {"type": "lstm", "max_epochs": 15, "accelerator": "cpu"},
            ],
            "output_dir": str(tmp_path_factory.mktemp("runs")),
            "report": {"fan_charts": 0},
            "tracking": {"enabled": False},
        }
    )
    return run_forecast(config, progress=False)


def test_neural_models_beat_statquant_within_a_few_epochs(neural_run) -> None:
    rmsse = {r.model_type: r.metrics["rmsse"] for r in neural_run.details.results}
    assert rmsse["lightning_quantile"] < rmsse["statquant"]
    assert rmsse["lstm"] < rmsse["statquant"]
    quantile = next(r for r in neural_run.details.results if r.model_type == "lightning_quantile")
    assert 0.5 < quantile.metrics["coverage_80"] <= 1.0


def test_tensorboard_logs_and_checkpoints_land_in_the_run_folder(neural_run) -> None:
    run_dir: Path = neural_run.run_dir
    logs = run_dir / "combined" / "lightning_quantile" / "lightning"
    assert list(logs.rglob("events.out.tfevents.*")) and list(logs.rglob("*.ckpt"))
    recorded = json.loads(
        (run_dir / "combined" / "lightning_quantile" / "metrics.json").read_text()
    )
    assert recorded["hyperparameters"]["log_dir"] == str(logs.resolve())  # the final folder
    saved = json.loads(
        next(
            (run_dir / "combined" / "lightning_quantile" / "models").rglob("*.params.json")
        ).read_text()
    )
    assert saved["log_dir"] == str(logs.resolve())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert any(
        name.startswith("combined/lightning_quantile/lightning/") for name in manifest["files"]
    )
