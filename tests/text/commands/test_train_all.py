"""``benchlab text train-all`` as a user runs it: models after --models, overrides, --json, one
message and exit status 2 for bad input (and no run folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.errors import InputError
from benchlab.text.commands.train_all import split_items

from ..conftest import tiny_raw

runner = CliRunner()


def test_words_after_models_are_names_and_key_values_are_overrides() -> None:
    assert split_items(["C", "training.epochs=2", "D,E"], ["A,B"]) == (
        ["A", "B", "C", "D", "E"],
        ["training.epochs=2"],
    )
    assert split_items(["seed=3"], None) == (None, ["seed=3"])
    with pytest.raises(InputError, match="model names go after --models"):
        split_items(["MiniLM-L6"], None)


def test_train_all_runs_the_named_models_on_the_dataset(reviews_csv: Path, tmp_path: Path) -> None:
    config = tmp_path / "text.yaml"
    raw = tiny_raw(Path("elsewhere.csv"), tmp_path / "runs", models=["tiny-bert"])
    config.write_text(yaml.safe_dump(raw))
    args = ["text", "train-all", "--config", str(config), "--dataset", str(reviews_csv)]
    args += ["--models", "majority", "tfidf_logreg", "--device", "cpu", "seed=11", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    run_dir = Path(payload["run_dir"])
    assert run_dir.is_absolute() and run_dir.parent == tmp_path / "runs" / "text" / "reviews"
    assert [r["model"] for r in payload["results"]] in (
        ["majority", "tfidf_logreg"],
        ["tfidf_logreg", "majority"],
    )
    assert all(0 <= r["metrics"]["f1_macro"] <= 1 for r in payload["results"])
    used = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert used["data"]["source"] == str(reviews_csv) and used["seed"] == 11
    assert used["training"]["device"] == "cpu"
    assert "Composite ranking" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--models", "no-such-model"], "unknown model 'no-such-model'"),
        (["MiniLM-L6"], "model names go after --models"),
        (["--models", "majority", "training.epochs=0"], "training.epochs"),
        (["--models", "majority", "--dataset", "missing.parquet"], "missing.parquet"),
        (["--models", "majority", "--device", "cuda"], "'cuda' was asked for but is not available"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(
    reviews_csv: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    import torch

    if "cuda" in extra and torch.cuda.is_available():
        pytest.skip("a CUDA device is present here")
    args = ["text", "train-all", "--dataset", str(reviews_csv), *extra]
    args += [f"output_dir={tmp_path / 'runs'}", "tracking.enabled=false"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs" / "text").exists()
