"""Training a vision run: load the fold, build the network, train with the configured trainer,
evaluate the best checkpoint on the test split.

:func:`prepare_training` does everything that can fail on bad input (images, index files,
architecture, resume checkpoint) before the runner creates the run folder;
:func:`run_training` trains into it. Files a run adds to the engine's run folder::

    weights/best.pt, weights/last.pt   full state (+ .sha256), see benchlab.vision.checkpoints
    tensorboard/                       TensorBoard event files (per-epoch and test metrics)
    logs/train.log                     the training log (a copy of what benchlab.log holds)
    confusion_matrix.png               on the test split
    classification_report.txt / .json  scikit-learn's per-class precision, recall, F1
    predictions.csv                    every test image: true and predicted class, confidence
    training_curves.png                loss and accuracy per epoch

Everything random follows ``config.seed``; with ``deterministic: true`` torch uses
deterministic algorithms only, so two runs give the same weights bit for bit.

A run stopped with Ctrl-C after at least one epoch ends gracefully: the epoch under way is
dropped, the best checkpoint is evaluated and the run folder is written, so
``--resume <run>/weights/last.pt`` continues from the last finished epoch.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.logs import get_logger, log_to_file
from benchlab.tasks import RunOutcome

if TYPE_CHECKING:
    from rich.console import Console
    from torch import nn
    from torch.utils.data import DataLoader

    from benchlab.runs import RunFolder
    from benchlab.vision.checkpoints import Checkpoint
    from benchlab.vision.config import VisionRunConfig
    from benchlab.vision.data.dataset import VisionData
    from benchlab.vision.trainers.base import BaseTrainer, EpochCallback, TrainHistory

log = get_logger("vision.train")

TENSORBOARD_DIR = "tensorboard"
TRAIN_LOG = "logs/train.log"
BEST_CHECKPOINT = "weights/best.pt"
LAST_CHECKPOINT = "weights/last.pt"
CONFUSION_MATRIX = "confusion_matrix.png"
TRAINING_CURVES = "training_curves.png"
REPORT_TXT = "classification_report.txt"
REPORT_JSON = "classification_report.json"
PREDICTIONS = "predictions.csv"


@dataclass
class PreparedTraining:
    """What a run trains on: the fold's data and loaders, the network (built with the config's
    seed; trained once), the device and, when resuming, the checkpoint to continue."""

    data: VisionData
    loaders: dict[str, DataLoader]
    model: nn.Module
    device: str
    resume: Checkpoint | None = None


@dataclass
class FitResult:
    """A finished :func:`fit_model`: the trainer (its ``core_model()`` holds the last weights)
    and the history; ``wall_seconds`` is the whole fit (validation and checkpoints too)."""

    trainer: BaseTrainer
    history: TrainHistory
    wall_seconds: float
    interrupted: bool = False


@dataclass
class VisionResult:
    """The task's own result (``RunOutcome.details``): history, test evaluation and files."""

    history: TrainHistory
    test: dict[str, Any]
    classes: list[str]
    model_label: str
    trainer_type: str
    device: str
    train_seconds: float
    files: dict[str, str] = field(default_factory=dict)
    resumed_from: str | None = None
    interrupted: bool = False


@contextmanager
def training_session(config: VisionRunConfig) -> Iterator[None]:
    """A seeded torch session (:func:`benchlab.neural.session.torch_session`) with
    ``training.num_threads`` threads and ``config.deterministic`` applied; process state is
    restored afterwards."""
    import torch

    from benchlab.neural.session import torch_session

    with torch_session(n_threads=config.training.num_threads, seed=config.seed):
        cudnn = torch.backends.cudnn
        saved = (cudnn.benchmark, cudnn.deterministic, os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
        if config.deterministic:
            torch.use_deterministic_algorithms(True)
            cudnn.benchmark, cudnn.deterministic = False, True
            if torch.cuda.is_available() and saved[2] is None:
                os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        try:
            yield
        finally:
            cudnn.benchmark, cudnn.deterministic = saved[0], saved[1]
            if saved[2] is None:
                os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)


def prepare_training(
    config: VisionRunConfig, *, console: Console | None = None, data: VisionData | None = None
) -> PreparedTraining:
    """Load the fold (or reuse ``data``), build the loaders and the network, read the resume
    checkpoint: any bad input fails here, before a run folder exists."""
    from benchlab.extras import require_installed

    require_installed(["torch", "torchvision", "PIL", "sklearn"], "vision", what="the vision task")
    from benchlab.vision.checkpoints import load_checkpoint
    from benchlab.vision.data.dataset import create_datasets
    from benchlab.vision.data.loaders import create_dataloaders
    from benchlab.vision.models import create_model
    from benchlab.vision.trainers import resolve_device
    from benchlab.vision.trainers.base import check_resumable

    resume = load_checkpoint(config.resume) if config.resume is not None else None
    if resume is not None:
        check_resumable(resume, config)
    with training_session(config):
        data = data if data is not None else create_datasets(config)
        if resume is not None and resume.classes != data.classes:
            raise InputError(
                f"{config.resume}: trained on classes {resume.classes}, but "
                f"{config.data.data_dir} has {data.classes}"
            )
        model = create_model(
            config.model,
            num_classes=data.num_classes,
            channels=data.channels,
            image_size=data.image_size,
        )
        if resume is not None:
            model = resumable_model(model, resume)
        loaders = create_dataloaders(config, data, seed=config.seed)
    device = resolve_device(config.training.device)
    log.debug("prepared %s: %d classes, %s", config.name, data.num_classes, device)
    return PreparedTraining(data=data, loaders=loaders, model=model, device=device, resume=resume)


def resumable_model(model: nn.Module, checkpoint: Checkpoint) -> nn.Module:
    """``model`` holding ``checkpoint``'s weights (as the trainer will restore them): a network
    that does not fit them fails here, before a run folder exists."""
    if checkpoint.module_fix == "opacus":
        from benchlab.vision.trainers.differential_privacy import make_private_compatible

        model = make_private_compatible(model)
    try:
        model.load_state_dict(checkpoint.model_state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{checkpoint.path}: weights do not fit the network ({first})") from None
    return model


def fit_model(
    config: VisionRunConfig,
    prepared: PreparedTraining,
    run_dir: str | Path,
    *,
    on_epoch_end: EpochCallback | None = None,
    writer: Any | None = None,
    logger: logging.Logger | None = None,
    keep_on_interrupt: bool = False,
) -> FitResult:
    """Train ``prepared.model`` with the configured trainer in a seeded session, writing
    ``weights/`` under ``run_dir``; resumes from ``prepared.resume`` when set.

    ``on_epoch_end(epoch, metrics)`` is called after every epoch (``val_accuracy``,
    ``val_loss``, ``train_loss``, ``train_accuracy`` …); returning True stops training.
    With ``keep_on_interrupt``, Ctrl-C after the first finished epoch ends the fit with the
    epochs saved so far (``interrupted``); otherwise it propagates (a search stops).
    """
    from benchlab.vision.trainers import get_trainer

    with training_session(config):
        trainer = get_trainer(
            config,
            prepared.model,
            prepared.loaders,
            device=prepared.device,
            run_dir=run_dir,
            log=logger or log,
            data=prepared.data,
            writer=writer,
        )
        started = time.perf_counter()
        interrupted = False
        try:
            history = trainer.fit(start_state=prepared.resume, on_epoch_end=on_epoch_end)
        except KeyboardInterrupt:
            if not keep_on_interrupt:
                raise
            history = _after_interrupt(trainer, Path(run_dir))
            interrupted = True
        seconds = time.perf_counter() - started
    return FitResult(trainer, history, seconds, interrupted)


def _after_interrupt(trainer: BaseTrainer, run_dir: Path) -> TrainHistory:
    """The history as of the last checkpoint after Ctrl-C; none yet: the interrupt goes on."""
    from benchlab.vision.checkpoints import load_checkpoint
    from benchlab.vision.trainers.base import TrainHistory

    last = run_dir / LAST_CHECKPOINT
    if not last.is_file():
        raise KeyboardInterrupt
    saved = load_checkpoint(last)
    log.warning("interrupted: keeping the %d finished epoch(s); resume with %s", saved.epoch, last)
    return TrainHistory(
        epochs=saved.history,
        best_epoch=saved.best_epoch,
        best_val_accuracy=saved.best_metric,
        stopped_early=True,
    )


def run_training(
    config: VisionRunConfig,
    prepared: PreparedTraining,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> RunOutcome:
    """Train into ``run``, evaluate the best checkpoint on the test split, write the files the
    module docstring lists, and return the run's one :class:`ExperimentRecord`."""
    from benchlab.extras import require
    from benchlab.vision.models import model_label

    tensorboard = require("torch.utils.tensorboard", "vision", what="TensorBoard logging")
    with log_to_file(run.file(TRAIN_LOG)):
        label = model_label(config.model)
        log.info(
            "training %s with the %s trainer on %s: %d classes, %d/%d/%d train/val/test images",
            label,
            config.training.trainer_type,
            prepared.device,
            prepared.data.num_classes,
            len(prepared.data.train),
            len(prepared.data.val),
            len(prepared.data.test),
        )
        writer = tensorboard.SummaryWriter(log_dir=str(run.directory(TENSORBOARD_DIR)))
        try:
            with _epoch_progress(config, progress, console) as on_epoch_end:
                fitted = fit_model(
                    config,
                    prepared,
                    run.path,
                    on_epoch_end=on_epoch_end,
                    writer=writer,
                    keep_on_interrupt=True,
                )
            test = _evaluate_best(fitted.trainer, prepared, run.path)
            files = _write_results(run, prepared, fitted.history, test)
            _log_test(writer, test, fitted.history)
        finally:
            writer.close()
        log.info(
            "test accuracy %.4f, macro F1 %.4f (best epoch %d, val accuracy %.4f); %.1f s",
            test["accuracy"],
            test["f1_macro"],
            fitted.history.best_epoch,
            fitted.history.best_val_accuracy,
            fitted.wall_seconds,
        )
    result = VisionResult(
        history=fitted.history,
        test=test,
        classes=list(prepared.data.classes),
        model_label=label,
        trainer_type=config.training.trainer_type,
        device=prepared.device,
        train_seconds=fitted.wall_seconds,
        files=files,
        resumed_from=str(config.resume) if config.resume is not None else None,
        interrupted=fitted.interrupted,
    )
    return _outcome(config, result)


@contextmanager
def _epoch_progress(
    config: VisionRunConfig, progress: bool, console: Console
) -> Iterator[EpochCallback | None]:
    """An ``on_epoch_end`` that advances a progress bar over the epochs (None without one)."""
    if not progress:
        yield None
        return
    from benchlab.parallel import make_progress

    bar = make_progress(console)
    task = bar.add_task("epochs", total=config.training.num_epochs, rate="")

    def advance(epoch: int, metrics: dict[str, float]) -> bool:
        bar.update(task, completed=epoch, rate=f"val acc {metrics['val_accuracy']:.3f}")
        return False

    with bar:
        yield advance


def _evaluate_best(
    trainer: BaseTrainer, prepared: PreparedTraining, run_dir: Path
) -> dict[str, Any]:
    """Load ``weights/best.pt`` into the trained network and evaluate it on the test split."""
    from benchlab.vision.checkpoints import load_checkpoint
    from benchlab.vision.evaluation import evaluate

    best = load_checkpoint(run_dir / BEST_CHECKPOINT)
    model = trainer.core_model()
    model.load_state_dict(best.model_state)
    device = next(model.parameters()).device
    return evaluate(model, prepared.loaders["test"], device=device, classes=prepared.data.classes)


def _write_results(
    run: RunFolder, prepared: PreparedTraining, history: TrainHistory, test: dict[str, Any]
) -> dict[str, str]:
    """The confusion matrix, classification report, predictions and curves; their names."""
    import polars as pl

    from benchlab.vision.evaluation import confusion_matrix_figure
    from benchlab.vision.report import training_curves_figure

    classes = prepared.data.classes
    confusion_matrix_figure(test["confusion_matrix"], classes, run.file(CONFUSION_MATRIX))
    training_curves_figure(history, run.file(TRAINING_CURVES))
    run.file(REPORT_TXT).write_text(test["report_text"])
    run.write_json(REPORT_JSON, test["report"])
    import torch

    probabilities = torch.softmax(torch.from_numpy(test["logits"]), dim=1).numpy()
    pl.DataFrame(
        {
            "path": prepared.data.test.paths,
            "true": [classes[i] for i in test["labels"]],
            "predicted": [classes[i] for i in test["predictions"]],
            "confidence": probabilities.max(axis=1).round(6),
        }
    ).write_csv(run.file(PREDICTIONS))
    return {
        "best_checkpoint": BEST_CHECKPOINT,
        "last_checkpoint": LAST_CHECKPOINT,
        "confusion_matrix": CONFUSION_MATRIX,
        "training_curves": TRAINING_CURVES,
        "classification_report": REPORT_TXT,
        "classification_report_json": REPORT_JSON,
        "predictions": PREDICTIONS,
        "tensorboard": TENSORBOARD_DIR,
        "train_log": TRAIN_LOG,
    }


def _log_test(writer: Any, test: dict[str, Any], history: TrainHistory) -> None:
    step = history.completed
    writer.add_scalar("test/accuracy", test["accuracy"], step)
    writer.add_scalar("test/f1_macro", test["f1_macro"], step)
    writer.add_text("test/classification_report", f"```\n{test['report_text']}\n```", step)
    writer.flush()


def _outcome(config: VisionRunConfig, result: VisionResult) -> RunOutcome:
    from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard

    history = result.history
    info: dict[str, Any] = {
        "epochs": history.completed,
        "best_epoch": history.best_epoch,
        "train_seconds": round(result.train_seconds, 3),
        "images_per_second": round(history.images_per_second, 1),
    }
    if history.epochs and "epsilon" in history.epochs[-1]:
        info["epsilon"] = history.epochs[-1]["epsilon"]
    record = ExperimentRecord(
        model=result.model_label,
        metrics={
            "test_accuracy": result.test["accuracy"],
            "test_f1_macro": result.test["f1_macro"],
            "best_val_accuracy": history.best_val_accuracy,
        },
        keys={"trainer": result.trainer_type, "fold": str(config.data.fold)},
        info=info,
        params={
            "optimizer": config.optimizer.name,
            "lr": config.optimizer.lr,
            "batch_size": config.training.batch_size,
            "num_epochs": config.training.num_epochs,
            "scheduler": config.scheduler.type,
            "seed": config.seed,
        },
    )
    board = Leaderboard("test_accuracy", greater_is_better=True)
    board.add(record)
    return RunOutcome(
        records=[record],
        leaderboard=board.frame(),
        primary_metric="test_accuracy",
        details=result,
        files={name: Path(path) for name, path in result.files.items()},
    )


def run_metrics(outcome: RunOutcome) -> dict[str, Any]:
    """``train --json``'s ``metrics``: the record's metrics and its numbers (epochs, seconds)."""
    record = outcome.records[0]
    return {**dict(record.metrics), **dict(record.info)}
