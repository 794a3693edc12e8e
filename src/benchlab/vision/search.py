"""Hyperparameter search for vision (seed 002's ``ml-search``) on the engine's study lifecycle.

Each trial sets its values into the config, trains on the fold's **train split and validates on
its val split** — the test split is never looked at while searching — and reports the epoch's
validation metric to Optuna after every epoch (through the trainer's ``on_epoch_end``), so the
configured pruner (median, percentile, Hyperband) can stop a hopeless trial. A trial's value is
its best epoch: ``best_val_accuracy`` (default; ``val_accuracy`` and seed 002's ``val_acc`` mean
the same) or the lowest ``val_loss`` (``direction`` then defaults to ``minimize``).

:func:`benchlab.tuning.run_study` opens or resumes the study (SQLite under ``output_dir`` by
default, or ``tuning.storage``: a PostgreSQL URL for many processes or hosts), runs the trials
and builds the best config (``mode: train``). That config is then trained like any run
(:func:`benchlab.runner.run_task`), and evaluated on the test split there, into a run folder
that also holds the search (``tuning/best_config.yaml``, ``trials.csv``, ``study.json``, plots).
The best config is also written to ``<output_dir>/optuna_studies/<study>/best_config.yaml``
(seed 002's place), where each trial's TensorBoard logs go too (``tensorboard/trial_<n>``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.logs import get_logger
from benchlab.tuning import TuneSummary, tuning_of

if TYPE_CHECKING:
    from benchlab.runs import RunFolder
    from benchlab.tuning import StudyOutcome
    from benchlab.vision.config import VisionRunConfig
    from benchlab.vision.data.dataset import VisionData

log = get_logger("vision.search")
STUDIES_FOLDER = "optuna_studies"
#: Config sections that change the datasets themselves: searching them rebuilds the data.
DATA_SECTIONS = ("data.", "augmentation.")


@dataclass(frozen=True)
class SearchMetric:
    """What a trial is scored on: the per-epoch validation value it reports and how its epochs
    make one value (the best one)."""

    name: str
    epoch_key: str
    best: Callable[[list[float]], float]
    direction: str


SEARCH_METRICS: dict[str, SearchMetric] = {
    "best_val_accuracy": SearchMetric("best_val_accuracy", "val_accuracy", max, "maximize"),
    "val_accuracy": SearchMetric("val_accuracy", "val_accuracy", max, "maximize"),
    "val_acc": SearchMetric("val_acc", "val_accuracy", max, "maximize"),
    "val_loss": SearchMetric("val_loss", "val_loss", min, "minimize"),
}


def search_metric(config: VisionRunConfig) -> SearchMetric:
    """The validation metric ``tuning.metric`` names (default ``best_val_accuracy``)."""
    name = tuning_of(config).metric or "best_val_accuracy"
    if name.startswith("test"):
        raise InputError(
            f"tuning.metric {name!r}: the search never looks at the test split; use one of "
            f"{', '.join(SEARCH_METRICS)}"
        )
    if name not in SEARCH_METRICS:
        raise InputError(f"tuning.metric {name!r}: choose one of {', '.join(SEARCH_METRICS)}")
    return SEARCH_METRICS[name]


def search_config(config: VisionRunConfig) -> VisionRunConfig:
    """``config`` with ``tuning.metric`` and ``tuning.direction`` filled in for the study."""
    tuning = tuning_of(config)
    if tuning.n_jobs > 1:
        raise InputError(
            "tuning.n_jobs: vision trials run one at a time per process; to search in parallel, "
            "start more `benchlab vision search --resume` processes on the same tuning.storage"
        )
    metric = search_metric(config)
    filled = tuning.model_copy(
        update={"metric": metric.name, "direction": tuning.direction or metric.direction}
    )
    return config.model_copy(update={"tuning": filled})


def studies_dir(config: VisionRunConfig, study_name: str) -> Path:
    """``<output_dir>/optuna_studies/<study>``: the best config and the trials' TensorBoard."""
    from benchlab.runs import safe_name

    return Path(config.output_dir) / STUDIES_FOLDER / safe_name(study_name)


class VisionObjective:
    """Optuna objective: train the config with a trial's values, report each epoch's validation
    metric, prune on the pruner's word, return the best epoch's value."""

    def __init__(
        self, config: VisionRunConfig, data: VisionData | None, *, tensorboard_dir: Path | None
    ) -> None:
        self.raw = config.to_raw()
        self.raw.pop("resume", None)
        self.space = tuning_of(config).search_space
        self.metric = search_metric(config)
        rebuilds = any(path.startswith(DATA_SECTIONS) for path in self.space)
        self.data = None if rebuilds else data  # shared by every trial when the space allows
        self.tensorboard_dir = tensorboard_dir
        self.scratch_parent = Path(config.output_dir) / STUDIES_FOLDER

    def trial_config(self, values: dict[str, Any]) -> VisionRunConfig:
        """The config with ``values`` set; a path the config lacks or a bad value is one error."""
        from benchlab.config import parse_run_config, set_values

        return parse_run_config(set_values(self.raw, values), source="search trial")

    def __call__(self, trial: Any) -> float:
        import optuna

        from benchlab.runs import scratch_directory
        from benchlab.tuning import record_step_values, suggest
        from benchlab.vision.training import fit_model, prepare_training

        config = self.trial_config(suggest(trial, self.space))
        scores: list[float] = []
        pruned = False

        def on_epoch_end(epoch: int, metrics: dict[str, float]) -> bool:
            nonlocal pruned
            value = float(metrics[self.metric.epoch_key])
            scores.append(value)
            trial.report(value, epoch)
            pruned = trial.should_prune()
            return pruned

        writer = self._writer(trial.number)
        try:
            with scratch_directory(self.scratch_parent, f"trial-{trial.number}") as scratch:
                prepared = prepare_training(config, data=self.data)
                fit_model(
                    config,
                    prepared,
                    scratch,
                    on_epoch_end=on_epoch_end,
                    writer=writer,
                    logger=_quiet_trial_logger(),
                )
        finally:
            if writer is not None:
                writer.close()
        record_step_values(trial, scores)
        if not scores:
            raise InputError(f"search trial {trial.number}: no epoch finished")
        value = self.metric.best(scores)
        if pruned:
            log.info("trial %d pruned after %d epoch(s)", trial.number, len(scores))
            raise optuna.TrialPruned(f"pruned after {len(scores)} epoch(s)")
        log.info("trial %d: %s %.4f", trial.number, self.metric.name, value)
        return value

    def _writer(self, number: int) -> Any:
        if self.tensorboard_dir is None:
            return None
        from torch.utils.tensorboard import SummaryWriter

        return SummaryWriter(log_dir=str(self.tensorboard_dir / f"trial_{number}"))


def _quiet_trial_logger() -> logging.Logger:
    """The trainer's per-epoch lines of a trial stay out of the console (warnings pass)."""
    trial_log = get_logger("vision.search.trial")
    trial_log.setLevel(logging.WARNING)
    return trial_log


@dataclass
class VisionTuneSummary(TuneSummary):
    """The engine's summary plus where the seed's ``best_config.yaml`` went."""

    study_best_config: Path | None = None

    def to_json(self) -> dict[str, Any]:
        payload = super().to_json()
        if self.study_best_config is not None:
            payload["study_best_config"] = str(self.study_best_config.resolve())
        return payload


def run_search(
    config: VisionRunConfig,
    *,
    n_trials: int | None = None,
    resume: bool = False,
    progress: bool = True,
) -> StudyOutcome:
    """The study alone (no refit): every trial on the fold's train/val split."""
    from benchlab.tuning import run_study
    from benchlab.vision.data.dataset import create_datasets
    from benchlab.vision.training import training_session

    config = search_config(config)
    tuning = tuning_of(config)
    study_name = tuning.study_name or config.name
    with training_session(config):
        data = create_datasets(config)  # bad images or index files fail before the study opens
    objective = VisionObjective(
        config, data, tensorboard_dir=studies_dir(config, study_name) / "tensorboard"
    )
    return run_study(
        config,
        objective,
        n_trials=n_trials,
        resume=resume,
        progress=progress,
        first_values_check=objective.trial_config,
        note=f", fold {config.data.fold} train/val",
        value_name=objective.metric.name,
    )


def tune_vision(
    config: VisionRunConfig,
    *,
    n_trials: int | None = None,
    resume: bool = False,
    progress: bool = True,
) -> VisionTuneSummary:
    """Search, then train the best config into a run folder that also holds the search."""
    from benchlab.runner import run_task
    from benchlab.tuning import write_study_files

    outcome = run_search(config, n_trials=n_trials, resume=resume, progress=progress)
    seed_copy = studies_dir(config, outcome.study_name) / "best_config.yaml"
    _write_yaml(seed_copy, outcome.best_raw)

    def write_tuning(run: RunFolder) -> None:
        split = f"fold {config.data.fold}: train on its train split, score on its val split"
        write_study_files(run, outcome, details={"searched_on": split})

    summary = run_task(outcome.best_config, progress=progress, extra=write_tuning)
    return VisionTuneSummary.of(outcome, summary.run_dir, study_best_config=seed_copy)


def _write_yaml(path: Path, payload: dict[str, Any]) -> None:
    import yaml

    from benchlab.runs import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(yaml.safe_dump(payload, sort_keys=False))
