"""Fit any ``LightningModule`` the same way: a quiet deterministic Trainer, early stopping,
the best epoch's weights restored, TensorBoard logs and checkpoints only where asked.

The module brings its own ``training_step``/``validation_step``/``configure_optimizers``; the
data comes as dataloaders or a ``LightningDataModule`` (or from the module's own
``*_dataloader`` hooks), exactly as ``lightning.Trainer.fit`` takes them. What the engine adds:

* with validation data and ``settings.monitor`` (``val_loss`` by default, logged by the module
  with ``self.log``), a ``ModelCheckpoint`` keeps the best epoch, ``EarlyStopping`` stops after
  ``settings.patience`` epochs without improvement, and the best weights are loaded back into
  the module after training (read with ``torch.load(weights_only=True)``);
* with ``settings.log_dir``, TensorBoard event files and that checkpoint stay under
  ``log_dir/<name>/<version>/`` (versions are unique, so parallel fits never collide); without,
  the checkpoint goes to a temporary folder that is removed, and nothing is written elsewhere.

Seeding and process state are :func:`benchlab.neural.session.torch_session`'s job: open one
around building and fitting the module.

>>> with torch_session(n_threads=2, seed=0):  # doctest: +SKIP
...     module = MyModule()
...     outcome = fit_module(module, TrainerSettings(max_epochs=20), datamodule=MyData())
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from benchlab.errors import FitError, InputError
from benchlab.neural.session import quiet_lightning, require_neural

if TYPE_CHECKING:
    import lightning

CHECKPOINT_NAME = "best"


@dataclass(frozen=True)
class TrainerSettings:
    """How to train a module: epochs, devices, what decides the best epoch, where logs go.

    ``monitor`` is a metric the module logs on validation (``None``: no checkpoint, every
    epoch runs); ``patience`` ``None`` keeps the best checkpoint without stopping early.
    ``checkpoint_every_n_epochs`` spaces the checkpoint's checks (the best epoch is chosen
    among those epochs); ``save_last`` also keeps the latest checked epoch's weights as
    ``last.ckpt`` beside ``best.ckpt``. ``trainer_kwargs`` go to ``lightning.Trainer`` as given
    (``precision``, ``gradient_clip_val``, ``limit_train_batches`` …).
    """

    max_epochs: int = 10
    accelerator: str = "auto"
    devices: int | str = 1
    monitor: str | None = "val_loss"
    mode: Literal["min", "max"] = "min"
    patience: int | None = 5
    log_dir: str | Path | None = None
    name: str = "model"
    hparams: Mapping[str, Any] | None = None
    deterministic: bool = True
    log_every_n_steps: int = 50
    checkpoint_every_n_epochs: int = 1
    save_last: bool = False
    trainer_kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FitOutcome:
    """How training went. The module itself holds the weights (the best epoch's, if any)."""

    epochs_trained: int
    best_epoch: int | None  # 0-based epoch whose weights were restored; None: no checkpoint
    best_score: float | None  # the monitored value at that epoch
    log_dir: Path | None  # the TensorBoard run folder (events, hparams, checkpoints)
    checkpoint: Path | None  # the best checkpoint, when kept under log_dir
    last_checkpoint: Path | None = None  # with save_last: the latest one, under log_dir


def fit_module(
    module: lightning.LightningModule,
    settings: TrainerSettings,
    *,
    train_dataloaders: Any = None,
    val_dataloaders: Any = None,
    datamodule: lightning.LightningDataModule | None = None,
) -> FitOutcome:
    """Train ``module`` with a Trainer built from ``settings``; restore its best epoch.

    Raises :class:`~benchlab.errors.InputError` for an unusable accelerator/devices pair and
    :class:`~benchlab.errors.FitError` when training itself fails.
    """
    require_neural("lightning")
    validates = _has_validation(module, train_dataloaders, val_dataloaders, datamodule)
    with quiet_lightning(), tempfile.TemporaryDirectory(prefix="benchlab-neural-") as scratch:
        logger, log_dir = _tensorboard(settings)
        checkpoint = _checkpoint(settings, log_dir or Path(scratch)) if validates else None
        trainer = _trainer(
            settings,
            logger=logger,
            checkpoint=checkpoint,
            scratch=scratch,
            n_batches=_length(train_dataloaders),
        )
        try:
            trainer.fit(
                module,
                train_dataloaders=train_dataloaders,
                val_dataloaders=val_dataloaders,
                datamodule=datamodule,
            )
        except (RuntimeError, ValueError) as exc:
            raise FitError(f"{settings.name}: training failed: {exc}") from exc
        best_epoch = _restore_best(module, checkpoint)
        best_path = Path(checkpoint.best_model_path) if best_epoch is not None else None
        score = checkpoint.best_model_score if best_epoch is not None else None
        last = checkpoint.last_model_path if checkpoint is not None else ""
        return FitOutcome(
            epochs_trained=int(trainer.current_epoch),
            best_epoch=best_epoch,
            best_score=None if score is None else float(score),
            log_dir=log_dir,
            checkpoint=best_path if log_dir is not None else None,
            last_checkpoint=Path(last) if last and log_dir is not None else None,
        )


def _has_validation(
    module: Any, train_dataloaders: Any, val_dataloaders: Any, datamodule: Any
) -> bool:
    """Whether ``Trainer.fit`` will run a validation loop with these arguments."""
    from lightning.pytorch.utilities.model_helpers import is_overridden

    if val_dataloaders is not None:
        return True
    if datamodule is not None:
        return is_overridden("val_dataloader", datamodule)
    return train_dataloaders is None and is_overridden("val_dataloader", module)


def _length(loader: Any) -> int | None:
    try:
        return len(loader)
    except TypeError:  # an iterable without a length, or None
        return None


def _tensorboard(settings: TrainerSettings) -> tuple[Any, Path | None]:
    """A TensorBoard logger writing to ``log_dir/<name>/<unique version>/``, and that folder;
    ``(None, None)`` without ``log_dir``."""
    if settings.log_dir is None:
        return None, None
    from lightning.pytorch.loggers import TensorBoardLogger

    version = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    logger = TensorBoardLogger(
        str(settings.log_dir), name=settings.name, version=version, default_hp_metric=False
    )
    if settings.hparams:
        logger.log_hyperparams(dict(settings.hparams))
    return logger, Path(logger.log_dir)


def _checkpoint(settings: TrainerSettings, folder: Path) -> Any:
    """A checkpoint of the best epoch's weights (``<folder>/checkpoints/best.ckpt``, and
    ``last.ckpt`` with ``save_last``)."""
    if settings.monitor is None:
        return None
    from lightning.pytorch.callbacks import ModelCheckpoint

    return ModelCheckpoint(
        dirpath=folder / "checkpoints",
        filename=CHECKPOINT_NAME,
        monitor=settings.monitor,
        mode=settings.mode,
        save_top_k=1,
        save_last=settings.save_last,
        every_n_epochs=settings.checkpoint_every_n_epochs,
        save_weights_only=True,
        enable_version_counter=False,
    )


def _trainer(
    settings: TrainerSettings,
    *,
    logger: Any,
    checkpoint: Any,
    scratch: str,
    n_batches: int | None,
) -> Any:
    """A quiet Trainer; with a checkpoint, early stopping on the same metric."""
    import lightning
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.pytorch.callbacks import EarlyStopping

    callbacks: list[Any] = []
    if checkpoint is not None:
        if settings.patience is not None:
            callbacks.append(
                EarlyStopping(settings.monitor, patience=settings.patience, mode=settings.mode)
            )
        callbacks.append(checkpoint)
    every = settings.log_every_n_steps
    options: dict[str, Any] = {
        "accelerator": settings.accelerator,
        "devices": settings.devices,
        "max_epochs": settings.max_epochs,
        "deterministic": settings.deterministic,
        "logger": logger or False,
        "callbacks": callbacks,
        "enable_checkpointing": checkpoint is not None,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "num_sanity_val_steps": 0,
        "log_every_n_steps": max(1, min(every, n_batches)) if n_batches else every,
        "default_root_dir": scratch,  # nothing lands in the working directory
        **settings.trainer_kwargs,
    }
    try:
        return lightning.Trainer(**options)
    except MisconfigurationException as exc:
        raise InputError(
            f"{settings.name}: accelerator={settings.accelerator!r}, "
            f"devices={settings.devices!r}: {exc}"
        ) from exc


def _restore_best(module: Any, checkpoint: Any) -> int | None:
    """Load the best epoch's weights into ``module`` (``weights_only=True``); its epoch."""
    if checkpoint is None or not checkpoint.best_model_path:
        return None
    import torch

    state = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=True)
    module.load_state_dict(state["state_dict"])
    return int(state["epoch"])
