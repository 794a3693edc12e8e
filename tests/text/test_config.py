"""The text run config: defaults from seed 004, the keys the task adds, and refusals."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from benchlab.config import load_run_config, parse_run_config
from benchlab.errors import InputError
from benchlab.text.config import MODELS_DIR_VARIABLE, TextRunConfig, default_models_dir


def test_defaults_follow_the_seed() -> None:
    config = TextRunConfig()
    assert config.training.learning_rate == 2e-4
    assert config.training.gradient_accumulation_steps == 4
    assert config.comparison.weights == {
        "accuracy": 0.3,
        "f1_macro": 0.3,
        "throughput_samples_per_sec": 0.2,
        "latency_median_ms": 0.2,
    }
    assert config.models == ["majority", "tfidf_logreg", "MiniLM-L6"]


def test_models_dir_comes_from_the_config_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MODELS_DIR_VARIABLE, raising=False)
    assert default_models_dir() == Path.home() / ".cache" / "benchlab" / "models"
    monkeypatch.setenv(MODELS_DIR_VARIABLE, str(tmp_path / "env"))
    assert TextRunConfig().models_directory() == tmp_path / "env"
    assert TextRunConfig(models_dir=tmp_path / "cfg").models_directory() == tmp_path / "cfg"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"models": ["majority", "majority"]}, "models: majority listed twice"),
        ({"models": []}, "models"),
        ({"data": {"validation_fraction": 0.45, "test_fraction": 0.45}}, "below 0.9"),
        ({"training": {"max_steps": 0}}, "training.max_steps"),
        ({"training": {"device": "tpu"}}, "training.device"),
        ({"comparison": {"bootstrap_resamples": 10}}, "comparison.bootstrap_resamples"),
        ({"training": {"learning_rate": 1e-3, "lr": 1e-3}}, "training.lr"),
    ],
)
def test_bad_values_are_one_message_naming_the_key(change: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_run_config({"task": "text", **change}, source="cfg.yaml")


def test_the_shipped_config_validates_and_searches_lora() -> None:
    with resources.as_file(resources.files("benchlab") / "configs" / "text_sentiment.yaml") as p:
        config = load_run_config(p)
    assert isinstance(config, TextRunConfig)
    assert config.models == ["majority", "tfidf_logreg", "MiniLM-L6"]
    assert config.data.source == "data/tweets/tweets.parquet"
    assert set(config.tuning.search_space) == {
        "lora.r",
        "lora.alpha",
        "training.learning_rate",
    }


def test_benchlab_run_of_the_shipped_config_prints_the_run_folder_and_metrics(
    reviews_csv: Path, tmp_path: Path
) -> None:
    """`benchlab run configs/text_sentiment.yaml --json`, pointed at the tiny reviews."""
    import json

    from typer.testing import CliRunner

    from benchlab.cli import app

    with resources.as_file(resources.files("benchlab") / "configs" / "text_sentiment.yaml") as p:
        result = CliRunner().invoke(
            app,
            [
                "run",
                str(p),
                f"data.source={reviews_csv}",
                "data.test_fraction=0.3",
                "models=[majority,tfidf_logreg]",
                "speed.latency_samples=5",
                "speed.throughput_batches=1",
                f"output_dir={tmp_path / 'runs'}",
                "tracking.enabled=false",
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(payload["run_dir"]).is_dir()
    by_model = {r["model"]: r for r in payload["results"]}
    assert set(by_model) == {"majority", "tfidf_logreg"}
    for entry in by_model.values():
        assert {"accuracy", "f1_macro", "latency_median_ms", "throughput_samples_per_sec"} <= set(
            entry["metrics"]
        )
        assert entry["status"] == "finished"
    assert by_model["tfidf_logreg"]["metrics"]["f1_macro"] > by_model["majority"]["metrics"][
        "f1_macro"]  # fmt: skip
