"""Hyperparameter search with Optuna, declared the same way for every task.

The search space maps dotted config paths to distributions (seed 002's form)::

    tuning:
      n_trials: 50
      storage: sqlite:///runs/optuna.db
      search_space:
        models.0.learning_rate: {type: loguniform, low: 0.01, high: 0.3}
        models.0.num_leaves: {type: int, low: 15, high: 255}
        models.0.objective: {type: categorical, choices: [l2, tweedie]}

>>> ParamSpace(type="loguniform", low=0.01, high=0.3).type
'loguniform'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from benchlab.errors import InputError

DEFAULT_STORAGE = "sqlite:///runs/optuna.db"


class ParamSpace(BaseModel):
    """One searched value: ``uniform``/``loguniform``/``float`` and ``int`` take ``low``/``high``
    (and optional ``step``/``log``), ``categorical`` takes ``choices``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["uniform", "loguniform", "float", "int", "categorical"]
    low: float | None = None
    high: float | None = None
    step: float | None = None
    log: bool = False
    choices: list[Any] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> ParamSpace:
        if self.type == "categorical":
            if not self.choices:
                raise ValueError("categorical needs a non-empty 'choices' list")
            return self
        if self.low is None or self.high is None:
            raise ValueError(f"{self.type} needs 'low' and 'high'")
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        if (self.type == "loguniform" or self.log) and self.low <= 0:
            raise ValueError(f"a log scale needs low > 0; got {self.low}")
        return self

    def suggest(self, trial: Any, path: str) -> Any:
        """This value for ``trial`` (an ``optuna.Trial``), named by its config path."""
        if self.type == "categorical":
            return trial.suggest_categorical(path, self.choices)
        assert self.low is not None and self.high is not None
        if self.type == "int":
            step = int(self.step or 1)
            return trial.suggest_int(path, int(self.low), int(self.high), step=step, log=self.log)
        log = self.log or self.type == "loguniform"
        step = None if log else self.step
        return trial.suggest_float(path, self.low, self.high, step=step, log=log)


class TuningConfig(BaseModel):
    """The ``tuning:`` section of a run config (seed 000's ``tuning_config`` keys)."""

    model_config = ConfigDict(extra="forbid")

    n_trials: int = Field(50, ge=1)
    n_folds: int = Field(3, ge=1)
    n_jobs: int = Field(1, ge=1, description="trials run at once (threads)")
    storage: str | None = Field(None, description=f"Optuna RDB URL; default {DEFAULT_STORAGE}")
    study_name: str | None = None
    direction: Literal["minimize", "maximize"] = "minimize"
    metric: str = "rmsse"
    sampler: Literal["tpe", "random"] = "tpe"
    pruner: Literal["median", "none"] = "median"
    dataloader_workers: int | None = Field(None, ge=0)
    accelerator: Literal["auto", "cpu", "cuda", "mps"] | None = None
    devices: int | str | None = None
    search_space: dict[str, ParamSpace] = Field(min_length=1)

    def storage_url(self, output_dir: Path) -> str:
        """The storage URL; the default SQLite file lives in the run output folder."""
        if self.storage:
            return self.storage
        return f"sqlite:///{Path(output_dir) / 'optuna.db'}"

    def resource_params(self) -> dict[str, Any]:
        """The resource keys set here, to pass to models that accept them."""
        keys = ("dataloader_workers", "accelerator", "devices")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


def suggest(trial: Any, space: dict[str, ParamSpace]) -> dict[str, Any]:
    """One value per searched path from ``trial`` (an ``optuna.Trial``).

    >>> import optuna
    >>> trial = optuna.trial.FixedTrial({"models.0.num_leaves": 31})
    >>> suggest(trial, {"models.0.num_leaves": ParamSpace(type="int", low=15, high=255)})
    {'models.0.num_leaves': 31}
    """
    return {path: spec.suggest(trial, path) for path, spec in space.items()}


def _sqlite_path(url: str) -> Path | None:
    match = re.match(r"^sqlite:///(.+)$", url)
    return Path(match.group(1)) if match else None


def _sqlite_storage(url: str, path: Path) -> Any:
    """An SQLite storage with a long lock timeout, created under a file lock: two processes
    making the same new file would otherwise race on its tables."""
    import optuna
    from filelock import FileLock

    with FileLock(f"{path}.lock"):
        return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 120}})


def open_study(config: TuningConfig, *, url: str, study_name: str, resume: bool, seed: int) -> Any:
    """Create the study, or with ``resume`` load it (creating it when new).

    Without ``resume`` an existing study of that name is an error, so a typo never mixes two
    searches. SQLite stores get a long lock timeout, so several processes can add trials.
    """
    import optuna

    sqlite = _sqlite_path(url)
    if sqlite is not None:
        sqlite.parent.mkdir(parents=True, exist_ok=True)
        storage = _sqlite_storage(url, sqlite)
    else:
        try:
            storage = optuna.storages.RDBStorage(url)
        except Exception as exc:  # noqa: BLE001 - any driver error is a bad URL for the user
            raise InputError(f"tuning.storage {url!r}: {str(exc).splitlines()[0]}") from None
    existing = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    if study_name in existing and not resume:
        raise InputError(
            f"study {study_name!r} already exists in {url}: pass --resume to add trials to it, "
            "or set tuning.study_name to start another"
        )
    sampler = (
        optuna.samplers.TPESampler(seed=seed)
        if config.sampler == "tpe"
        else optuna.samplers.RandomSampler(seed=seed)
    )
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=2)
        if config.pruner == "median"
        else optuna.pruners.NopPruner()
    )
    return optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction=config.direction,
        sampler=sampler,
        pruner=pruner,
        load_if_exists=resume,
    )
