"""Inference with a checkpoint: its test split, and a folder of images into a CSV."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.vision.data.splits import read_split
from benchlab.vision.inference import (
    LoadedModel,
    evaluate_checkpoint,
    predict_folder,
    predict_images,
)
from tests.vision.checkpoint_factory import digits_run_config, untrained_checkpoint


@pytest.fixture(scope="module")
def checkpoint(digits_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inference")
    config = digits_run_config(digits_dir, folder / "runs")
    return untrained_checkpoint(config, folder / "weights" / "best.pt", seed=3)


def test_the_test_split_is_evaluated(checkpoint: Path, digits_dir: Path) -> None:
    evaluation = evaluate_checkpoint(checkpoint, device="cpu")
    test = read_split(digits_dir, 0).test
    assert evaluation.images == len(test) and evaluation.fold == 0
    metrics = evaluation.metrics
    labels, predictions = metrics["labels"], metrics["predictions"]
    assert metrics["accuracy"] == pytest.approx(float(np.mean(labels == predictions)))
    assert set(metrics["per_class"]) == set(evaluation.classes)
    payload = json.loads(json.dumps(evaluation.to_json()))
    assert payload["accuracy"] == metrics["accuracy"]
    assert np.array(payload["confusion_matrix"]).sum() == len(test)


def test_a_folder_is_predicted_like_the_test_split(
    checkpoint: Path, digits_dir: Path, tmp_path: Path
) -> None:
    evaluation = evaluate_checkpoint(checkpoint, device="cpu")
    test = read_split(digits_dir, 0).test
    folder = tmp_path / "images"
    chosen = test[:25]
    for relative in chosen:  # raw/<class>/<n>.png → images/<class>/<n>.png
        target = folder / Path(relative).relative_to("raw")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(digits_dir / relative, target)
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden").mkdir()
    shutil.copy(digits_dir / test[0], folder / ".hidden" / "x.png")
    out = tmp_path / "preds.csv"
    frame = predict_folder(checkpoint, folder, out, device="cpu")
    saved = pl.read_csv(out)
    assert saved.height == frame.height == 25
    classes = evaluation.classes
    assert saved.columns == ["path", "predicted", "probability", *[f"prob_{c}" for c in classes]]
    expected = {
        Path(r).relative_to("raw").as_posix(): classes[int(p)]
        for r, p in zip(test, evaluation.metrics["predictions"], strict=True)
    }
    assert dict(zip(saved["path"], saved["predicted"].cast(pl.String), strict=True)) == {
        path: expected[path] for path in saved["path"]
    }
    probabilities = saved.select([f"prob_{c}" for c in classes]).to_numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(saved["probability"], probabilities.max(axis=1))


def test_bad_folders_and_images_are_named(checkpoint: Path, tmp_path: Path) -> None:
    loaded = LoadedModel.load(checkpoint, device="cpu")
    with pytest.raises(InputError, match="--images .*missing: no such folder"):
        predict_images(loaded, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no image files"):
        predict_images(loaded, tmp_path / "empty")
    broken = tmp_path / "broken" / "a.png"
    broken.parent.mkdir()
    broken.write_bytes(b"not a png")
    with pytest.raises(InputError, match=f"{broken}: not a readable image"):
        predict_images(loaded, broken.parent)
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        predict_folder(checkpoint, broken.parent, tmp_path / "preds.txt")


def test_a_checkpoint_that_is_not_benchlabs_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "model.pt"
    fake.write_bytes(b"\x00" * 64)
    with pytest.raises(InputError, match=f"checkpoint {fake}: no model.pt.sha256"):
        evaluate_checkpoint(fake)
