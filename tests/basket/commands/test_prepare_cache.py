"""``benchlab basket prepare-cache``: stage 2 from the command line, one line and exit 2 on
bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchlab.basket.layout import ProjectLayout
from benchlab.basket.samples import enhance_temporal_metadata
from benchlab.cli import app

runner = CliRunner()


def _run(*args: str):  # noqa: ANN202
    return runner.invoke(app, ["basket", "prepare-cache", "--no-progress", *args])


def test_writes_the_cache_and_prints_its_files(basket_root: Path) -> None:
    enhance_temporal_metadata(basket_root)
    result = _run("--project-root", str(basket_root), "--max-seq-len", "12", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    cache = ProjectLayout(basket_root).tensor_cache
    assert payload["path"] == str(cache.resolve())
    assert payload["shapes"]["positional_encodings"] == [12, 256]
    assert payload["shapes"]["product_embeddings"] == [payload["n_products"] + 3, 256]
    vocab = json.loads((cache / "vocab.json").read_text())
    assert vocab["input_hash"] == payload["input_hash"]
    for name in payload["shapes"]:
        assert f"{name}.npy" in result.stdout
    assert (
        "from the training weeks" in result.stdout and payload["input_hash"][:16] in result.stdout
    )


def test_without_stage_1_it_says_what_to_run(basket_root: Path) -> None:
    result = _run("--project-root", str(basket_root))
    assert result.exit_code == 2
    assert "train_samples.parquet: missing; run stage 1 first" in result.output
    assert "Traceback" not in result.output
    assert not ProjectLayout(basket_root).tensor_cache.exists()
