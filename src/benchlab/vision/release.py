"""What releases need from vision: a run folder's best checkpoint, its card, predicting a folder
of images, and ONNX export.

A vision run is one experiment, so the experiment is the run folder itself. A release holds
``models/best.pt`` with its ``best.pt.sha256`` (the run's ``weights/best.pt``, verified against
the run's manifest when the release is created and against the release's manifest before it is
loaded), the run's config, leaderboard, metrics, classification report, figures and report,
and a model card. ``benchlab predict NAME@VERSION --images DIR --out preds.csv`` predicts every
image under DIR (path, predicted class, probability of each class; ``.parquet`` works too).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.errors import InputError
from benchlab.release.adapter import ExportReport, ReleaseAdapter

if TYPE_CHECKING:
    import polars as pl

    from benchlab.release.manager import LoadedRelease

CHECKPOINT = "best.pt"
WEIGHTS_FOLDER = "weights"
#: The key of the loaded network in ``LoadedRelease.models``.
MODEL_KEY = "best"


class VisionReleaseAdapter(ReleaseAdapter):
    """A vision run (one trained network) as a release."""

    task: ClassVar[str] = "vision"
    run_files: ClassVar[tuple[str, ...]] = (
        "config.yaml",
        "leaderboard.csv",
        "metrics.json",
        "classification_report.json",
        "classification_report.txt",
        "confusion_matrix.png",
        "training_curves.png",
        "report.md",
    )
    experiment_files: ClassVar[tuple[str, ...]] = ()
    selection_keys: ClassVar[tuple[str, ...]] = ("model",)

    def experiment_path(self, run_dir: Path, row: dict[str, Any]) -> Path:
        return run_dir

    def models_source(self, experiment: Path) -> Path:
        return experiment / WEIGHTS_FOLDER

    def copy_models(self, source: Path, target: Path) -> None:
        """The best checkpoint and its SHA-256 file only (not ``last.pt``)."""
        from benchlab.vision.checkpoints import digest_path

        checkpoint = source / CHECKPOINT
        if not checkpoint.is_file():
            raise InputError(f"{source}: no {CHECKPOINT} to release")
        target.mkdir(parents=True)
        for file in (checkpoint, digest_path(checkpoint)):
            shutil.copy2(file, target / file.name)

    def experiment_metrics(self, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        """The test metrics the run recorded for its network (its ``metrics.json``)."""
        path = experiment / "metrics.json"
        if not path.is_file():
            return {}
        results = json.loads(path.read_text()).get("results", [])
        entry = next((r for r in results if r.get("model") == row.get("model")), None)
        return dict(entry.get("metrics", {})) if entry else {}

    def release_info(self, run_dir: Path, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        from benchlab.vision.checkpoints import load_checkpoint

        checkpoint = load_checkpoint(self.models_source(experiment) / CHECKPOINT)
        config = checkpoint.config
        return {
            "trainer": row.get("trainer"),
            "fold": row.get("fold"),
            "epochs": row.get("epochs"),
            "best_epoch": checkpoint.best_epoch,
            "classes": list(checkpoint.classes),
            "channels": checkpoint.channels,
            "image_size": list(checkpoint.image_size),
            "mean": list(checkpoint.mean),
            "std": list(checkpoint.std),
            "architecture": config.get("model", {}),
            "training": {
                "optimizer": config.get("optimizer", {}),
                "scheduler": config.get("scheduler", {}),
                "batch_size": config.get("training", {}).get("batch_size"),
                "seed": config.get("seed"),
            },
            "dataset": {
                "name": Path(str(config.get("data", {}).get("data_dir", ""))).name,
                "classes": len(checkpoint.classes),
                "image_size": list(checkpoint.image_size),
                "channels": checkpoint.channels,
            },
        }

    def load_models(self, models_dir: Path) -> dict[str, Any]:
        from benchlab.vision.inference import LoadedModel

        return {MODEL_KEY: LoadedModel.load(models_dir / CHECKPOINT, device="cpu")}

    def model_card(self, info: dict[str, Any], release_dir: Path) -> str:
        return model_card(info)

    def predict_file(
        self, release: LoadedRelease, input_path: Path, out_path: Path
    ) -> pl.DataFrame:
        """Every image under the folder ``input_path`` into ``out_path`` (.csv or .parquet)."""
        from benchlab.vision.inference import check_out_path, predict_images, write_predictions

        check_out_path(out_path)
        if not Path(input_path).is_dir():
            raise InputError(
                f"{input_path}: a vision release predicts a folder of images (--images DIR)"
            )
        frame = predict_images(release.models[MODEL_KEY], input_path)
        write_predictions(frame, out_path)
        return frame

    def export(
        self,
        models_dir: Path,
        out_dir: Path,
        *,
        label: str,
        source_dir: Path,
        validate: bool,
        benchmark: bool,
        sample: Path | None,
        tolerance: float,
    ) -> ExportReport:
        """``best.pt`` to ``<out_dir>/<label>.onnx`` (checker and a forward pass with
        ``validate``; latency with ``benchmark``)."""
        from benchlab.vision.export import export_checkpoint

        if sample is not None:
            raise InputError("--sample: a vision export validates on random images, not a file")
        result = export_checkpoint(
            models_dir / CHECKPOINT,
            output=Path(out_dir) / f"{label}.onnx",
            validate=validate,
            benchmark=benchmark,
            tolerance=tolerance,
        )
        return VisionExportReport(Path(out_dir), result)


@dataclass
class VisionExportReport:
    """``benchlab export``'s view of a vision export (see :class:`ExportReport`)."""

    out_dir: Path
    result: Any  # benchlab.vision.export.ExportResult
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parity_ok(self) -> bool:
        return bool(self.result.passed)

    def lines(self) -> list[str]:
        return list(self.result.lines())


def _table(rows: list[tuple[str, Any]]) -> list[str]:
    from benchlab.reports.markdown import format_value, table_cell

    lines = ["| item | value |", "|---|---|"]
    lines += [f"| {name} | {table_cell(format_value(value))} |" for name, value in rows]
    return lines


def model_card(info: dict[str, Any]) -> str:
    """The Markdown of ``MODEL_CARD.md`` for a vision release ``info`` (its release.json)."""
    ref = f"{info['name']}@{info['version']}"
    metrics: dict[str, Any] = info.get("metrics", {})
    height, width = info.get("image_size", ["?", "?"])
    architecture = info.get("architecture", {})
    training = info.get("training", {})
    optimizer = training.get("optimizer", {})
    lines = [
        f"# Model card: {ref}",
        "",
        f"`{info['model']}` image classifier ({len(info.get('classes', []))} classes), trained "
        f"with the **{info.get('trainer')}** trainer; released {info.get('created')}.",
    ]
    if info.get("notes"):
        lines += ["", f"> {info['notes']}"]
    lines += [
        "",
        "## Data",
        "",
        *_table(
            [
                ("dataset", info.get("dataset", {}).get("name")),
                ("classes", ", ".join(info.get("classes", []))),
                ("fold", info.get("fold")),
                ("image size", f"{height}×{width}"),
                ("channels", info.get("channels")),
                ("normalisation mean", info.get("mean")),
                ("normalisation std", info.get("std")),
            ]
        ),
        "",
        "## Model",
        "",
        *_table(
            [
                ("family", architecture.get("type")),
                ("network", info.get("model")),
                ("dropout", architecture.get("dropout")),
                ("optimizer", f"{optimizer.get('name')} (lr {optimizer.get('lr')})"),
                ("batch size", training.get("batch_size")),
                ("epochs (best)", f"{info.get('epochs')} ({info.get('best_epoch')})"),
                ("seed", training.get("seed")),
                ("source run", (info.get("source_run") or {}).get("run_id")),
                ("git commit", info.get("git_commit") or "unknown"),
            ]
        ),
        "",
        "## Test metrics",
        "",
        f"Primary metric: **{info.get('primary_metric', 'test_accuracy')}**, on the test split "
        "shared by every fold (never seen in training or model selection).",
        "",
        *_table([(name, value) for name, value in sorted(metrics.items())]),
        "",
        "## Use",
        "",
        "```bash",
        f"benchlab release verify {ref}",
        f"benchlab predict {ref} --images DIR --out predictions.csv",
        f"benchlab export {ref} --validate",
        "```",
        "",
        "Images are read as the training images were: converted to "
        f"{'grayscale' if info.get('channels') == 1 else 'RGB'}, resized to {height}×{width}, "
        "scaled to [0, 1] and normalised with the mean and std above. The predictions file has "
        "one row per image: `path`, `predicted`, `probability` and `prob_<class>` per class.",
        "",
        "## Limitations",
        "",
        "Measured on one test split of one dataset; images unlike the training images (other "
        "sizes, colours, subjects) may be classified with high confidence and still be wrong.",
        "",
    ]
    return "\n".join(lines)
