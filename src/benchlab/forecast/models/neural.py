"""What the forecast neural models share: hyperparameters, scalers, training, persistence.

Importing this module is cheap: torch and Lightning are imported on first fit or load (the
networks live in :mod:`benchlab.forecast.models._nets`), so registry discovery stays fast.

Training goes through the engine's Lightning harness (:mod:`benchlab.neural`): inside a
``torch_session`` every generator is seeded and the process is left as it was found; the
network trains deterministically with a temporal validation set for early stopping, and the
best epoch's weights are restored from its checkpoint. With ``log_dir`` set, TensorBoard logs
and the checkpoint stay under ``log_dir/<model>/<version>/``; otherwise nothing is kept.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from benchlab.errors import InputError
from benchlab.forecast.models.base import ForecastModel, require_files
from benchlab.neural import TrainerSettings, fit_module, torch_session, uses_gpu

if TYPE_CHECKING:
    import torch
    from torch.utils.data import Dataset

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
    """Fit ``net`` with the engine's Lightning harness (MSE, or pinball loss over ``alphas``)
    and early stopping on ``val``; the best epoch's weights are restored."""
    from benchlab.forecast.models import _nets

    module = _nets.Regressor(
        net, alphas=alphas, learning_rate=params.learning_rate, weight_decay=params.weight_decay
    )
    settings = TrainerSettings(
        max_epochs=params.max_epochs,
        accelerator=params.accelerator,
        devices=params.devices,
        monitor="val_loss",
        mode="min",
        patience=params.patience,
        log_dir=params.log_dir,
        name=name,
        hparams=params.model_dump(),
    )
    outcome = fit_module(
        module,
        settings,
        train_dataloaders=_loader(train, params, shuffle=True, seed=seed),
        val_dataloaders=None if val is None else _loader(val, params, shuffle=False, seed=seed),
    )
    return TrainingOutcome(
        module.net.to("cpu").eval(), outcome.epochs_trained, outcome.best_epoch, outcome.log_dir
    )


def _loader(data: Dataset, params: NeuralParams, *, shuffle: bool, seed: int) -> Any:
    from benchlab.neural.data import batch_loader

    return batch_loader(
        data,
        batch_size=params.batch_size,
        shuffle=shuffle,
        workers=params.dataloader_workers,
        seed=seed,
    )


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
        require_files(self.info.name, [weights, scaling])
        self._restore_scaling(json.loads(scaling.read_text()))
        net = self._build_net()
        try:
            net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        except (RuntimeError, KeyError) as exc:
            raise InputError(f"{weights}: weights do not fit {self.info.name!r}: {exc}") from exc
        self.net_ = net.eval()
