"""``benchlab text models`` and ``benchlab models --task text``: the registry and what is on
disk."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def test_text_models_lists_the_registry_and_what_is_on_disk() -> None:
    result = runner.invoke(app, ["text", "models", "--json"])
    assert result.exit_code == 0, result.output
    rows = {
        row["name"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])["models"]
    }
    assert len(rows) >= 20
    assert rows["MiniLM-L6"]["on disk"] == "yes" and rows["tiny-bert"]["on disk"] == "yes"
    assert rows["Phi-3-mini"]["hub id"] == "microsoft/Phi-3-mini-4k-instruct"
    assert "qkv_proj" in rows["Phi-3-mini"]["LoRA"]
    assert "MiniLM-L6" in result.stdout and "baselines: majority, tfidf_logreg" in result.stdout


def test_a_model_put_in_models_dir_is_on_disk(tmp_path: Path) -> None:
    (tmp_path / "bert-mini").mkdir()
    (tmp_path / "bert-mini" / "config.json").write_text("{}")
    result = runner.invoke(app, ["text", "models", "--models-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    rows = {
        row["alias"]: row for row in json.loads(result.stdout.strip().splitlines()[-1])["models"]
    }
    assert rows["bert-mini"]["on disk"] == "yes"
    assert rows["distilbert-base"]["on disk"] == "no"


def test_a_registry_of_ones_own(tmp_path: Path) -> None:
    registry = tmp_path / "models.yaml"
    registry.write_text(
        "families: {bert: {target_modules: [query, value]}}\n"
        "models:\n  - {name: My-BERT, hf_id: me/my-bert, params: 4, family: bert}\n"
    )
    result = runner.invoke(app, ["text", "models", "--registry", str(registry), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout.strip().splitlines()[-1])["models"]
    assert row["name"] == "My-BERT" and row["on disk"] == "no"
    bad = runner.invoke(app, ["text", "models", "--registry", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "does not exist" in bad.stderr


def test_the_shared_models_verb_lists_the_text_registry() -> None:
    result = runner.invoke(app, ["models", "--task", "text"])
    assert result.exit_code == 0, result.output
    assert "MiniLM-L6" in result.stdout and "tiny-bert" in result.stdout
