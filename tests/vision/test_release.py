"""Releases of vision runs: create, verify, load, predict a folder of images, export; through the
engine's manager and the shared CLI (``benchlab release create``, ``benchlab predict --images``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.errors import InputError
from benchlab.release import ComprehensiveReleaseManager
from benchlab.release.dispatch import export_target, predict_file
from benchlab.runner import run_task
from benchlab.vision.release import MODEL_KEY, VisionReleaseAdapter
from tests.vision.checkpoint_factory import digits_run_config

runner = CliRunner()


@pytest.fixture(scope="module")
def vision_run(digits_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real one-epoch digits run (simple_cnn)."""
    config = digits_run_config(digits_dir, tmp_path_factory.mktemp("release") / "runs")
    return run_task(config, progress=False).run_dir


@pytest.fixture()
def test_images(vision_run: Path, digits_dir: Path, tmp_path: Path) -> Path:
    """Twenty of the run's test images, copied as ``images/<class>/<n>.png``."""
    predictions = pl.read_csv(vision_run / "predictions.csv").head(20)
    folder = tmp_path / "images"
    for relative in predictions["path"]:
        target = folder / Path(relative).relative_to("raw")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(digits_dir / relative, target)
    return folder


def test_a_vision_run_is_released_loaded_and_predicts_like_its_run(
    vision_run: Path, test_images: Path, tmp_path: Path
) -> None:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    path = manager.create(vision_run, "digits-cnn", "1.0.0", notes="first")
    assert sorted(p.name for p in (path / "models").iterdir()) == ["best.pt", "best.pt.sha256"]
    assert (path / "MODEL_CARD.md").read_text().startswith("# Model card: digits-cnn@1.0.0")
    info = manager.show("digits-cnn@1.0.0")
    run_metrics = json.loads((vision_run / "metrics.json").read_text())["results"][0]["metrics"]
    assert info["task"] == "vision" and info["primary_metric"] == "test_accuracy"
    assert info["metrics"] == run_metrics
    assert info["classes"] == [str(i) for i in range(10)] and info["image_size"] == [8, 8]

    release = manager.load("digits-cnn@latest")
    assert isinstance(release.adapter, VisionReleaseAdapter) and MODEL_KEY in release.models
    out = tmp_path / "preds.csv"
    frame = predict_file(release, test_images, out)
    saved = pl.read_csv(out)
    assert saved.height == frame.height == 20
    run_predictions = pl.read_csv(vision_run / "predictions.csv").with_columns(
        pl.col("path").str.replace("^raw/", ""), pl.col("predicted").cast(pl.String)
    )
    joined = saved.with_columns(pl.col("predicted").cast(pl.String)).join(
        run_predictions, on="path", suffix="_run"
    )
    assert joined.height == 20
    assert joined["predicted"].to_list() == joined["predicted_run"].to_list()
    assert (joined["probability"] - joined["confidence"]).abs().max() < 1e-4


def test_a_tampered_release_is_refused_before_loading(vision_run: Path, tmp_path: Path) -> None:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    path = manager.create(vision_run, "digits-cnn", "1.0.0")
    weights = path / "models" / "best.pt"
    weights.chmod(0o644)
    weights.write_bytes(weights.read_bytes()[:-8])
    with pytest.raises(InputError, match="file models/best.pt does not match its SHA-256"):
        manager.load("digits-cnn@1.0.0")


def test_predicting_a_file_instead_of_a_folder_is_refused(vision_run: Path, tmp_path: Path) -> None:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    manager.create(vision_run, "digits-cnn", "1.0.0")
    release = manager.load("digits-cnn@1.0.0")
    with pytest.raises(InputError, match="a folder of images"):
        predict_file(release, vision_run / "leaderboard.csv", tmp_path / "p.csv")
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        predict_file(release, tmp_path, tmp_path / "p.json")


def test_the_shared_cli_creates_predicts_and_exports(
    vision_run: Path, test_images: Path, tmp_path: Path
) -> None:
    releases = str(tmp_path / "releases")
    created = runner.invoke(
        app,
        [
            "release",
            "create",
            str(vision_run),
            "--name",
            "digits-cnn",
            "--version",
            "1.2.0",
            "--releases-dir",
            releases,
        ],
    )
    assert created.exit_code == 0, created.output
    out = tmp_path / "preds.parquet"
    predicted = runner.invoke(
        app,
        [
            "predict",
            "digits-cnn@latest",
            "--images",
            str(test_images),
            "--out",
            str(out),
            "--releases-dir",
            releases,
        ],
    )
    assert predicted.exit_code == 0, predicted.output
    assert "20 predictions" in predicted.output and pl.read_parquet(out).height == 20
    exported = runner.invoke(
        app,
        [
            "export",
            "digits-cnn@1.2.0",
            "--validate",
            "--out",
            str(tmp_path / "onnx"),
            "--releases-dir",
            releases,
        ],
    )
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "onnx" / "digits-cnn-1.2.0.onnx").is_file()


def test_a_run_folder_exports_too(vision_run: Path, tmp_path: Path) -> None:
    report = export_target(str(vision_run), tmp_path / "onnx", validate=True)
    assert report.parity_ok
    assert (tmp_path / "onnx" / f"{vision_run.name}-simple_cnn.onnx").is_file()
