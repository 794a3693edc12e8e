"""Inference with a vision checkpoint (seed 002's ``ml-inference``).

Two uses, both rebuilding the network from the checkpoint alone (verified against its SHA-256
first) and preparing images exactly as its test images were prepared (read as its channels,
resized to its image size, normalised with its mean and std):

- :func:`evaluate_checkpoint`: the test split of the checkpoint's data (its config's data folder
  and fold): accuracy, macro F1, per-class figures and scikit-learn's classification report;
- :func:`predict_folder`: every image under a folder into a CSV with one row per image: its
  path (relative to the folder), the predicted class, its probability, and the probability of
  every class (``prob_<class>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError

if TYPE_CHECKING:
    import polars as pl
    from torch import nn

    from benchlab.vision.checkpoints import Checkpoint

BATCH_SIZE = 64
PROBABILITY_PREFIX = "prob_"


@dataclass
class LoadedModel:
    """A checkpoint's network in eval mode on ``device``, and the transform of its images."""

    checkpoint: Checkpoint
    model: nn.Module
    transform: Any
    device: str

    @classmethod
    def load(cls, checkpoint_path: str | Path, *, device: str = "auto") -> LoadedModel:
        """Verify and load the checkpoint, rebuild its network and its test-time transform."""
        from benchlab.vision.checkpoints import build_model, load_checkpoint
        from benchlab.vision.config import VisionRunConfig
        from benchlab.vision.data.transforms import build_transform
        from benchlab.vision.trainers import resolve_device

        checkpoint = load_checkpoint(checkpoint_path)
        config = VisionRunConfig.model_validate(checkpoint.config)
        resolved = resolve_device(device)
        model = build_model(checkpoint).to(resolved)
        transform = build_transform(config, checkpoint, train=False)
        return cls(checkpoint, model, transform, resolved)

    @property
    def classes(self) -> list[str]:
        return list(self.checkpoint.classes)

    def probabilities(self, images: Sequence[Any]) -> Any:
        """Class probabilities (N × classes, NumPy) of PIL images or uint8 tensors."""
        import torch

        batch = torch.stack([self.transform(image).as_subclass(torch.Tensor) for image in images])
        with torch.inference_mode():
            logits = self.model(batch.to(self.device))
        return torch.softmax(logits.float(), dim=1).cpu().numpy()


# --- the test split ---------------------------------------------------------------------------
@dataclass
class SplitEvaluation:
    """The checkpoint's metrics on the test split of its data."""

    checkpoint: Path
    data_dir: Path
    fold: int
    images: int
    metrics: dict[str, Any]
    classes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "checkpoint": str(self.checkpoint.resolve()),
            "data_dir": str(self.data_dir.resolve()),
            "fold": self.fold,
            "images": self.images,
            "accuracy": m["accuracy"],
            "f1_macro": m["f1_macro"],
            "per_class": m["per_class"],
            "confusion_matrix": [[int(v) for v in row] for row in m["confusion_matrix"]],
            "classification_report": m["report"],
        }


def evaluate_checkpoint(
    checkpoint_path: str | Path, *, device: str = "auto", batch_size: int = BATCH_SIZE
) -> SplitEvaluation:
    """Accuracy, macro F1 and the classification report of the checkpoint on its test split."""
    from torch.utils.data import DataLoader

    from benchlab.vision.data.dataset import IndexedImageDataset
    from benchlab.vision.data.splits import read_split
    from benchlab.vision.evaluation import evaluate

    loaded = LoadedModel.load(checkpoint_path, device=device)
    checkpoint = loaded.checkpoint
    data = checkpoint.config.get("data", {})
    data_dir, fold = Path(data.get("data_dir", "")), int(data.get("fold", 0))
    if not data_dir.is_dir():
        raise InputError(
            f"checkpoint {checkpoint_path}: its data folder {data_dir} does not exist; pass "
            "--images DIR to predict a folder instead"
        )
    split = read_split(data_dir, fold)
    dataset = IndexedImageDataset(
        data_dir,
        split.test,
        checkpoint.classes,
        transform=loaded.transform,
        channels=checkpoint.channels,
        image_size=checkpoint.image_size,
    )
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    metrics = evaluate(loaded.model, loader, device=loaded.device, classes=checkpoint.classes)
    return SplitEvaluation(
        Path(checkpoint_path), data_dir, fold, len(dataset), metrics, loaded.classes
    )


# --- a folder of images -----------------------------------------------------------------------
def image_files(folder: str | Path) -> list[Path]:
    """Every image file under ``folder`` (sub-folders too, hidden ones skipped), sorted."""
    from benchlab.vision.data.images import IMAGE_SUFFIXES

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"--images {folder}: no such folder")
    found = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in IMAGE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    if not found:
        raise InputError(f"--images {folder}: no image files ({', '.join(IMAGE_SUFFIXES)}) in it")
    return found


def predict_images(loaded: LoadedModel, folder: str | Path) -> pl.DataFrame:
    """One row per image under ``folder``: ``path`` (relative to it), ``predicted``,
    ``probability`` (of the predicted class) and ``prob_<class>`` for every class."""
    import numpy as np
    import polars as pl

    from benchlab.vision.data.images import read_image

    folder = Path(folder)
    files = image_files(folder)
    checkpoint = loaded.checkpoint
    chunks = []
    for start in range(0, len(files), BATCH_SIZE):
        images = [
            read_image(path, channels=checkpoint.channels, image_size=checkpoint.image_size)
            for path in files[start : start + BATCH_SIZE]
        ]
        chunks.append(loaded.probabilities(images))
    probabilities = np.concatenate(chunks).astype(np.float64)
    best = probabilities.argmax(axis=1)
    classes = loaded.classes
    return pl.DataFrame(
        {
            "path": [path.relative_to(folder).as_posix() for path in files],
            "predicted": [classes[i] for i in best],
            "probability": probabilities.max(axis=1).round(6),
            **{
                f"{PROBABILITY_PREFIX}{name}": probabilities[:, i].round(6)
                for i, name in enumerate(classes)
            },
        }
    )


def check_out_path(out_path: str | Path) -> Path:
    """``out_path`` when it ends in ``.csv`` or ``.parquet`` (checked before any work)."""
    out_path = Path(out_path)
    if out_path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"{out_path}: image predictions are written as .csv or .parquet")
    return out_path


def write_predictions(frame: pl.DataFrame, out_path: str | Path) -> Path:
    """``frame`` at ``out_path``, CSV or Parquet by its suffix (renamed into place when
    complete)."""
    from benchlab.runs import atomic_path

    out_path = check_out_path(out_path)
    with atomic_path(out_path) as tmp:
        if out_path.suffix.lower() == ".csv":
            frame.write_csv(tmp)
        else:
            frame.write_parquet(tmp)
    return out_path


def predict_folder(
    checkpoint_path: str | Path,
    images_dir: str | Path,
    out_path: str | Path,
    *,
    device: str = "auto",
) -> pl.DataFrame:
    """Predict every image under ``images_dir`` with the checkpoint and write the CSV."""
    check_out_path(out_path)
    loaded = LoadedModel.load(checkpoint_path, device=device)
    frame = predict_images(loaded, images_dir)
    write_predictions(frame, out_path)
    return frame
