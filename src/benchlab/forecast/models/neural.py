"""What the neural models share: hyperparameters, scalers, training with Lightning, persistence.

Importing this module is cheap: torch and Lightning are imported on first fit or load (the
networks live in :mod:`benchlab.forecast.models._nets`), so registry discovery stays fast.

Training (:func:`train_network`) seeds every generator (``lightning.seed_everything``), runs
deterministically, holds out a temporal validation set for early stopping, restores the best
epoch's weights from its checkpoint and leaves the process as it found it: torch's thread
count, deterministic mode, global random states and Lightning's log level are put back. With
``log_dir`` set, TensorBoard logs and the checkpoint stay under ``log_dir/<model>/<version>/``;
otherwise the checkpoint goes to a temporary folder that is removed.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from benchlab.errors import FitError, InputError
from benchlab.forecast.models.base import ForecastModel, resolve_n_jobs

if TYPE_CHECKING:
    import torch
    from torch.utils.data import Dataset

_LIGHTNING_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric", "lightning_utilities")
_PREDICT_BATCH = 8192


class NeuralParams(BaseModel):
    """Training and resource hyperparameters shared by the neural models (seed 000's keys)."""

    model_config = ConfigDict(extra="forbid")

    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    learning_rate: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(0.0, ge=0.0, description="AdamW decoupled weight decay")
    batch_size: int = Field(256, gt=0)
    max_epochs: int = Field(50, gt=0)
    patience: int = Field(5, gt=0, description="epochs without a better validation loss")
    val_fraction: float = Field(
        0.1, ge=0.0, lt=1.0, description="latest share held out for early stopping; 0: none"
    )
    accelerator: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    devices: int | Literal["auto"] = Field(
        1, description="devices per model; -1 or 'auto': all (multi-GPU runs Lightning's DDP)"
    )
    dataloader_workers: int = Field(0, ge=0)
    log_dir: str | None = Field(
        None, description="absolute folder for TensorBoard logs and checkpoints; None: none kept"
    )

    @field_validator("devices")
    @classmethod
    def _check_devices(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1 and value != -1:
            raise ValueError("must be a positive count, -1 (all) or 'auto'")
        return value

    @field_validator("log_dir")
    @classmethod
    def _check_log_dir(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_absolute():
            raise ValueError("must be an absolute path (workers may not share the cwd)")
        return value


# --- scaling -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureScaler:
    """NaN → the column's training median (0 when all NaN), then standardise (std 0 → 1).

    >>> s = FeatureScaler.fit(np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]]))
    >>> s.medians.tolist(), s.means.tolist(), s.stds.tolist()
    ([2.0, 0.0], [2.0, 0.0], [0.816496580927726, 1.0])
    """

    medians: np.ndarray
    means: np.ndarray
    stds: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> FeatureScaler:
        """Statistics of the training matrix ``X`` (rows, features), NaN allowed."""
        X = np.asarray(X, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            medians = np.nanmedian(X, axis=0)
        medians = np.where(np.isnan(medians), 0.0, medians)
        filled = np.where(np.isnan(X), medians, X)
        stds = filled.std(axis=0)
        return cls(medians, filled.mean(axis=0), np.where(stds > 0, stds, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scaled float32 copy of ``X``."""
        filled = np.where(np.isnan(X), self.medians, X)
        return ((filled - self.means) / self.stds).astype(np.float32)

    def to_dict(self) -> dict[str, list[float]]:
        return {k: getattr(self, k).tolist() for k in ("medians", "means", "stds")}

    @classmethod
    def from_dict(cls, data: dict[str, list[float]]) -> FeatureScaler:
        return cls(*(np.asarray(data[k], np.float64) for k in ("medians", "means", "stds")))


@dataclass(frozen=True)
class TargetScaler:
    """Standardise the target with its training mean and std (std 0 → 1).

    >>> TargetScaler.fit(np.array([1.0, 3.0])).inverse(np.array([0.0, 1.0])).tolist()
    [2.0, 3.0]
    """

    mean: float
    std: float

    @classmethod
    def fit(cls, y: np.ndarray) -> TargetScaler:
        std = float(np.std(y))
        return cls(float(np.mean(y)), std if std > 0 else 1.0)

    def transform(self, y: np.ndarray) -> np.ndarray:
        return ((np.asarray(y, np.float64) - self.mean) / self.std).astype(np.float32)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, np.float64) * self.std + self.mean


def validation_size(n_rows: int, fraction: float) -> int:
    """Rows held out for validation: ``fraction`` of them, at least 1, leaving 1 to train on.

    >>> validation_size(100, 0.1), validation_size(1, 0.1), validation_size(5, 0.0)
    (10, 0, 0)
    """
    if fraction <= 0 or n_rows < 2:
        return 0
    return min(max(math.ceil(n_rows * fraction - 1e-9), 1), n_rows - 1)


# --- devices and process state -------------------------------------------------------------------
def uses_gpu(accelerator: str) -> bool:
    """Whether Lightning will train on a GPU (CUDA or Apple MPS) for this ``accelerator``."""
    if accelerator == "cpu":
        return False
    if accelerator in ("cuda", "mps"):
        return True
    import torch

    mps = getattr(torch.backends, "mps", None)
    return torch.cuda.is_available() or bool(mps and mps.is_available())


@contextmanager
def torch_session(n_jobs: int, seed: int | None = None) -> Iterator[None]:
    """Run torch with ``n_jobs`` threads, Lightning quiet and (with ``seed``) every generator
    seeded; afterwards restore threads, deterministic mode, random states and log levels."""
    import torch

    if seed is not None:
        import lightning  # importing it sets its log level, which _quiet_lightning lowers

    with _kept_process_state(), _quiet_lightning():
        torch.set_num_threads(resolve_n_jobs(n_jobs))
        if seed is not None:
            lightning.seed_everything(seed, workers=True, verbose=False)
        yield


@contextmanager
def _kept_process_state() -> Iterator[None]:
    """Restore what training changes process-wide: threads, deterministic mode, random states
    and the seed variables Lightning exports."""
    import torch

    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    states = (random.getstate(), np.random.get_state(), torch.random.get_rng_state())
    env = {key: os.environ.get(key) for key in ("PL_GLOBAL_SEED", "PL_SEED_WORKERS")}
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.random.set_rng_state(states[2])
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _quiet_lightning() -> Iterator[None]:
    """No "GPU available" banners or tips (info logs) and no Lightning advice warnings."""
    loggers = [logging.getLogger(name) for name in _LIGHTNING_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"lightning(\.|$)")
            warnings.filterwarnings("ignore", message=r".*(num_workers|log_every_n_steps).*")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


# --- training ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingOutcome:
    """The trained network (on the CPU, in eval mode) and how training went."""

    net: torch.nn.Module
    epochs_trained: int
    best_epoch: int | None  # 0-based epoch whose weights were kept; None: no validation
    log_dir: Path | None


def train_network(
    net: torch.nn.Module,
    train: Dataset,
    val: Dataset | None,
    *,
    params: NeuralParams,
    alphas: tuple[float, ...],
    seed: int,
    name: str,
) -> TrainingOutcome:
    """Fit ``net`` with Lightning (MSE, or pinball loss over ``alphas``) and early stopping on
    ``val``; the best epoch's weights are restored from its checkpoint."""
    from benchlab.forecast.models import _nets

    module = _nets.Regressor(
        net, alphas=alphas, learning_rate=params.learning_rate, weight_decay=params.weight_decay
    )
    loaders = {
        "train_dataloaders": _loader(train, params, shuffle=True, seed=seed),
        "val_dataloaders": (
            None if val is None else _loader(val, params, shuffle=False, seed=seed)
        ),
    }
    with tempfile.TemporaryDirectory(prefix="benchlab-neural-") as scratch:
        trainer, checkpoint, logged = _make_trainer(
            params,
            name,
            scratch,
            has_val=val is not None,
            n_batches=len(loaders["train_dataloaders"]),
        )
        try:
            trainer.fit(module, **loaders)
        except (RuntimeError, ValueError) as exc:
            raise FitError(f"{name}: training failed: {exc}") from exc
        best_epoch = _restore_best(module, checkpoint)
        epochs = int(trainer.current_epoch)
    return TrainingOutcome(module.net.to("cpu").eval(), epochs, best_epoch, logged)


def _loader(data: Dataset, params: NeuralParams, *, shuffle: bool, seed: int) -> Any:
    from benchlab.forecast.models import _nets

    return _nets.batch_loader(
        data,
        batch_size=params.batch_size,
        shuffle=shuffle,
        workers=params.dataloader_workers,
        seed=seed,
    )


def _make_trainer(
    params: NeuralParams, name: str, scratch: str, *, has_val: bool, n_batches: int
) -> tuple[Any, Any, Path | None]:
    """A quiet, deterministic Trainer; with validation, early stopping and a best checkpoint."""
    import lightning
    from lightning.fabric.utilities.exceptions import MisconfigurationException
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    logger, folder = _tensorboard(params, name)
    callbacks: list[Any] = []
    checkpoint = None
    if has_val:
        checkpoint = ModelCheckpoint(
            dirpath=(folder or Path(scratch)) / "checkpoints",
            filename="best",
            monitor="val_loss",
            mode="min",
            save_top_k=1,
            save_weights_only=True,
            enable_version_counter=False,
        )
        callbacks = [EarlyStopping("val_loss", patience=params.patience, mode="min"), checkpoint]
    try:
        trainer = lightning.Trainer(
            accelerator=params.accelerator,
            devices=params.devices,
            max_epochs=params.max_epochs,
            deterministic=True,
            logger=logger or False,
            callbacks=callbacks,
            enable_checkpointing=has_val,
            enable_progress_bar=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,
            log_every_n_steps=max(1, min(50, n_batches)),
            default_root_dir=scratch,
        )
    except MisconfigurationException as exc:
        raise InputError(
            f"{name}: accelerator={params.accelerator!r}, devices={params.devices!r}: {exc}"
        ) from exc
    return trainer, checkpoint, folder


def _tensorboard(params: NeuralParams, name: str) -> tuple[Any, Path | None]:
    """A TensorBoard logger writing to ``log_dir/<name>/<unique version>/``, and that folder;
    ``(None, None)`` without ``log_dir``. Versions are unique so parallel fits never collide."""
    if params.log_dir is None:
        return None, None
    from lightning.pytorch.loggers import TensorBoardLogger

    version = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    logger = TensorBoardLogger(params.log_dir, name=name, version=version, default_hp_metric=False)
    logger.log_hyperparams(params.model_dump())
    return logger, Path(logger.log_dir)


def _restore_best(module: Any, checkpoint: Any) -> int | None:
    """Load the best epoch's weights (read with ``weights_only=True``); its epoch, or None."""
    if checkpoint is None or not checkpoint.best_model_path:
        return None
    import torch

    state = torch.load(checkpoint.best_model_path, map_location="cpu", weights_only=True)
    module.load_state_dict(state["state_dict"])
    return int(state["epoch"])


def run_network(net: torch.nn.Module, x: np.ndarray, *, n_jobs: int) -> np.ndarray:
    """The network's outputs for ``x`` (float32, batch first), computed in batches on the CPU."""
    import torch

    with torch_session(n_jobs), torch.inference_mode():
        parts = [
            net(torch.from_numpy(np.ascontiguousarray(x[i : i + _PREDICT_BATCH]))).numpy()
            for i in range(0, max(len(x), 1), _PREDICT_BATCH)
        ]
    return np.concatenate(parts).astype(np.float64)


# --- the shared model class ----------------------------------------------------------------------
class NeuralModel(ForecastModel):
    """Persistence and scheduling shared by the neural models.

    Subclasses build their network (``_build_net``) from fitted shapes and keep their scaling
    in ``_scaling``/``_restore_scaling``; ``save`` writes ``<name>.pt`` (the network's
    ``state_dict``) and ``<name>.scaling.json`` beside the base class's parameters.
    """

    Params = NeuralParams

    def runs_in_parallel(self) -> bool:
        """On a GPU, INDIVIDUAL runs its models one after another; on the CPU in parallel."""
        return self.info.parallel_individual and not uses_gpu(self.params_.accelerator)

    def _build_net(self) -> torch.nn.Module:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _scaling(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _restore_scaling(self, data: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _train(self, train: Dataset, val: Dataset | None, alphas: tuple[float, ...]) -> None:
        """Train a fresh network; sets ``net_``, ``epochs_trained_``, ``best_epoch_``."""
        with torch_session(self.n_jobs, self.random_state):
            outcome = train_network(
                self._build_net(),
                train,
                val,
                params=self.params_,
                alphas=alphas,
                seed=self.random_state,
                name=self.info.name,
            )
        self.net_ = outcome.net
        self.epochs_trained_ = outcome.epochs_trained
        self.best_epoch_ = outcome.best_epoch
        self.log_path_ = outcome.log_dir

    def _run(self, x: np.ndarray) -> np.ndarray:
        return run_network(self.net_, x, n_jobs=self.n_jobs)

    def _weights_path(self, directory: Path) -> Path:
        return Path(directory) / f"{self.info.name}.pt"

    def _scaling_path(self, directory: Path) -> Path:
        return Path(directory) / f"{self.info.name}.scaling.json"

    def save(self, directory: Path) -> list[Path]:
        """Parameters, the network's ``state_dict`` (``torch.save``) and the scaling as JSON."""
        import torch

        self._check_fitted("net_")
        files = super().save(directory)
        weights, scaling = self._weights_path(directory), self._scaling_path(directory)
        torch.save(self.net_.state_dict(), weights)
        scaling.write_text(json.dumps(self._scaling()))
        return [*files, weights, scaling]

    def _load_fitted(self, directory: Path) -> None:
        import torch

        weights, scaling = self._weights_path(directory), self._scaling_path(directory)
        if not (weights.is_file() and scaling.is_file()):
            return
        self._restore_scaling(json.loads(scaling.read_text()))
        net = self._build_net()
        try:
            net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        except (RuntimeError, KeyError) as exc:
            raise InputError(f"{weights}: weights do not fit {self.info.name!r}: {exc}") from exc
        self.net_ = net.eval()
