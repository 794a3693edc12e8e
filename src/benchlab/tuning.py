"""Hyperparameter search with Optuna, the same study lifecycle for every task.

A task brings an objective (``optuna.Trial`` → value) and, for ``benchlab tune``, a refit of
the best config; the engine does the rest (:func:`run_study`): check the first values before
any trial, open or resume the study (refusing an existing one without ``resume``), run the
trials with each one logged to MLflow as a child run of the study's run, then build the best
config (the best values set into the raw config, ``mode: train``). :func:`write_study_files`
writes the search into the refit's run folder: ``tuning/best_config.yaml``, ``trials.csv``,
``study.json`` and Optuna's plots as HTML.

The metric defaults to the task's primary metric and the direction to its
``greater_is_better``. The search space maps dotted config paths to distributions (seed 002's
form)::

    tuning:
      n_trials: 50
      storage: sqlite:///runs/optuna.db
      search_space:
        models.0.learning_rate: {type: loguniform, low: 0.01, high: 0.3}
        models.0.num_leaves: {type: int, low: 15, high: 255}
        models.0.objective: {type: categorical, choices: [l2, tweedie]}

The sampler (``tpe`` default, ``random``, ``cmaes``, ``grid``) and the pruner (``median``
default, ``percentile``, ``hyperband``, ``none``) take a bare name or seed 002's mapping with the
Optuna class name and its settings; both spellings validate to one model::

    sampler: {type: TPESampler, n_startup_trials: 10}
    pruner: {type: MedianPruner, n_startup_trials: 5, n_warmup_steps: 5}

>>> ParamSpace(type="loguniform", low=0.01, high=0.3).type
'loguniform'
>>> PrunerConfig.model_validate({"type": "HyperbandPruner", "reduction_factor": 2}).type
'hyperband'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from benchlab.errors import InputError

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console

    from benchlab.runs import RunFolder

DEFAULT_STORAGE = "sqlite:///runs/optuna.db"
#: The folder of a run that holds its search (``best_config.yaml``, ``trials.csv`` …).
TUNING_FOLDER = "tuning"
#: ``trial.user_attrs`` key under which an objective may record its per-step scores.
STEP_VALUES = "benchlab.step_values"
Direction = Literal["minimize", "maximize"]


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


SamplerName = Literal["tpe", "random", "cmaes", "grid"]
PrunerName = Literal["median", "percentile", "hyperband", "none"]
#: Optuna's class names (seed 002's ``type:`` values) and other spellings → benchlab's names.
SAMPLER_NAMES: dict[str, str] = {
    "tpesampler": "tpe",
    "randomsampler": "random",
    "cmaessampler": "cmaes",
    "gridsampler": "grid",
}
PRUNER_NAMES: dict[str, str] = {
    "medianpruner": "median",
    "percentilepruner": "percentile",
    "hyperbandpruner": "hyperband",
    "noppruner": "none",
    "nop": "none",
}
#: The settings each kind takes; any other setting given is refused.
SAMPLER_SETTINGS: dict[str, tuple[str, ...]] = {
    "tpe": ("n_startup_trials",),
    "random": (),
    "cmaes": ("n_startup_trials",),
    "grid": (),
}
PRUNER_SETTINGS: dict[str, tuple[str, ...]] = {
    "median": ("n_startup_trials", "n_warmup_steps", "interval_steps"),
    "percentile": ("percentile", "n_startup_trials", "n_warmup_steps", "interval_steps"),
    "hyperband": ("min_resource", "max_resource", "reduction_factor"),
    "none": (),
}
#: Trials a median or percentile pruner lets finish before it compares.
DEFAULT_PRUNER_STARTUP = 2


class _Named(BaseModel):
    """A sampler or pruner: a kind (``type``) and the settings that kind takes.

    A bare name or a mapping whose ``type`` is Optuna's class name (``TPESampler``) validates to
    benchlab's name (``tpe``); a setting the kind does not take is refused; settings left unset
    are left out when dumped, so a dumped config validates again.
    """

    model_config = ConfigDict(extra="forbid")
    kind: ClassVar[str]
    names: ClassVar[dict[str, str]]
    settings: ClassVar[dict[str, tuple[str, ...]]]
    type: str

    @model_validator(mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = {"type": value}
        if isinstance(value, Mapping) and isinstance(value.get("type"), str):
            key = re.sub(r"[^a-z]", "", value["type"].lower())
            known = key in cls.names.values()
            value = {**value, "type": cls.names.get(key, key if known else value["type"])}
        return value

    @model_validator(mode="after")
    def _settings(self) -> Self:
        takes = self.settings[self.type]
        wrong = sorted(k for k, v in self if k != "type" and v is not None and k not in takes)
        if wrong:
            allowed = ", ".join(takes) or "no settings"
            raise ValueError(f"{self.kind} {self.type!r} takes {allowed}; got {', '.join(wrong)}")
        return self

    @model_serializer(mode="wrap")
    def _without_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}

    def given(self) -> dict[str, Any]:
        """The settings set (not ``type``)."""
        return {k: v for k, v in self if k != "type" and v is not None}


class SamplerConfig(_Named):
    """``sampler: tpe`` or ``sampler: {type: TPESampler, n_startup_trials: 10}``.

    ``tpe`` (default), ``random``, ``cmaes`` (continuous values; categorical ones are drawn at
    random) and ``grid`` (every combination of a choices-only space, then the study stops).
    """

    kind: ClassVar[str] = "sampler"
    names: ClassVar[dict[str, str]] = SAMPLER_NAMES
    settings: ClassVar[dict[str, tuple[str, ...]]] = SAMPLER_SETTINGS
    type: SamplerName = "tpe"
    n_startup_trials: int | None = Field(
        None, ge=0, description="tpe/cmaes: trials drawn at random first (default Optuna's)"
    )

    def build(self, space: Mapping[str, ParamSpace], *, seed: int) -> Any:
        """The Optuna sampler, seeded; ``grid`` enumerates the choices of ``space``."""
        from benchlab.extras import require

        optuna = require("optuna", "tuning", what="hyperparameter search")
        startup = (
            {} if self.n_startup_trials is None else {"n_startup_trials": self.n_startup_trials}
        )
        if self.type == "tpe":
            return optuna.samplers.TPESampler(seed=seed, **startup)
        if self.type == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        if self.type == "cmaes":
            require("cmaes", "tuning", what="the CMA-ES sampler")
            return optuna.samplers.CmaEsSampler(
                seed=seed, warn_independent_sampling=False, **startup
            )
        return optuna.samplers.GridSampler(
            {path: list(spec.choices or []) for path, spec in space.items()}, seed=seed
        )


class PrunerConfig(_Named):
    """``pruner: median`` or ``pruner: {type: MedianPruner, n_startup_trials: 5, …}``.

    ``median`` (default) and ``percentile`` stop a trial whose reported value is behind the
    median (the ``percentile``-th best) of earlier trials at the same step, after
    ``n_startup_trials`` finished trials (default 2) and ``n_warmup_steps`` steps; ``hyperband``
    runs successive halving brackets over the steps; ``none`` never prunes.
    """

    kind: ClassVar[str] = "pruner"
    names: ClassVar[dict[str, str]] = PRUNER_NAMES
    settings: ClassVar[dict[str, tuple[str, ...]]] = PRUNER_SETTINGS
    type: PrunerName = "median"
    n_startup_trials: int | None = Field(None, ge=0)
    n_warmup_steps: int | None = Field(None, ge=0)
    interval_steps: int | None = Field(None, ge=1)
    percentile: float | None = Field(None, gt=0, lt=100, description="default 25")
    min_resource: int | None = Field(None, ge=1)
    max_resource: int | Literal["auto"] | None = None
    reduction_factor: int | None = Field(None, ge=2)

    def build(self) -> Any:
        """The Optuna pruner with the settings given (the others at their defaults)."""
        from benchlab.extras import require

        optuna = require("optuna", "tuning", what="hyperparameter search")
        given = self.given()
        if self.type in ("median", "percentile"):
            given.setdefault("n_startup_trials", DEFAULT_PRUNER_STARTUP)
        if self.type == "median":
            return optuna.pruners.MedianPruner(**given)
        if self.type == "percentile":
            return optuna.pruners.PercentilePruner(**{"percentile": 25.0, **given})
        if self.type == "hyperband":
            return optuna.pruners.HyperbandPruner(**given)
        return optuna.pruners.NopPruner()


class TuningConfig(BaseModel):
    """The ``tuning:`` section of a run config (seed 000's ``tuning_config`` keys)."""

    model_config = ConfigDict(extra="forbid")

    n_trials: int = Field(50, ge=1)
    n_folds: int = Field(3, ge=1)
    n_jobs: int = Field(1, ge=1, description="trials run at once (threads)")
    storage: str | None = Field(None, description=f"Optuna RDB URL; default {DEFAULT_STORAGE}")
    study_name: str | None = None
    direction: Direction | None = Field(
        None, description="default: maximize when the task's greater_is_better, else minimize"
    )
    metric: str | None = Field(None, description="default: the task's primary metric")
    sampler: SamplerConfig = Field(default_factory=SamplerConfig)
    pruner: PrunerConfig = Field(default_factory=PrunerConfig)
    dataloader_workers: int | None = Field(None, ge=0)
    accelerator: Literal["auto", "cpu", "cuda", "mps"] | None = None
    devices: int | str | None = None
    search_space: dict[str, ParamSpace] = Field(min_length=1)

    @model_validator(mode="after")
    def _grid_needs_choices(self) -> TuningConfig:
        if self.sampler.type == "grid":
            ranged = [p for p, spec in self.search_space.items() if spec.type != "categorical"]
            if ranged:
                raise ValueError(
                    "the grid sampler needs a choices-only search space (type: categorical); "
                    f"not: {', '.join(ranged)}"
                )
        return self

    def grid_size(self) -> int | None:
        """The number of combinations a grid sampler tries (None for other samplers)."""
        if self.sampler.type != "grid":
            return None
        size = 1
        for spec in self.search_space.values():
            size *= len(spec.choices or [])
        return size

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


def open_study(
    config: TuningConfig,
    *,
    url: str,
    study_name: str,
    resume: bool,
    seed: int,
    direction: Direction | None = None,
) -> Any:
    """Create the study, or with ``resume`` load it (creating it when new).

    Without ``resume`` an existing study of that name is an error, so a typo never mixes two
    searches. SQLite stores get a long lock timeout, so several processes can add trials.
    ``direction`` (default: ``config.direction``, else minimize) is the study's.
    """
    from benchlab.extras import require

    optuna = require("optuna", "tuning", what="hyperparameter search")

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
    sampler = config.sampler.build(config.search_space, seed=seed)
    pruner = config.pruner.build()
    return optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction=direction or config.direction or "minimize",
        sampler=sampler,
        pruner=pruner,
        load_if_exists=resume,
    )


# --- what the study optimises ----------------------------------------------------------------
def tuning_of(config: Any) -> TuningConfig:
    """The ``tuning:`` section of a run config; a config without one is an input error."""
    if config.tuning is None:
        raise InputError("the config has no 'tuning:' section (n_trials, search_space, …)")
    return config.tuning


def study_metric(config: Any) -> str:
    """``tuning.metric``, else the metric that ranks the config's task (its primary metric)."""
    from benchlab.tasks import get_task

    return tuning_of(config).metric or get_task(config.task).primary_metric_of(config)


def study_direction(config: Any) -> Direction:
    """``tuning.direction``, else ``maximize`` for a task whose metric is greater-is-better."""
    from benchlab.tasks import get_task

    given = tuning_of(config).direction
    if given is not None:
        return given
    return "maximize" if get_task(config.task).greater_is_better else "minimize"


def first_values(tuning: TuningConfig) -> dict[str, Any]:
    """The lowest value (first choice) of every searched path: a check before any trial.

    >>> first_values(TuningConfig(search_space={"a": {"type": "int", "low": 2, "high": 9}}))
    {'a': 2}
    """

    def lowest(spec: ParamSpace) -> Any:
        if spec.type == "categorical":
            assert spec.choices is not None
            return spec.choices[0]
        assert spec.low is not None
        return int(spec.low) if spec.type == "int" else float(spec.low)

    return {path: lowest(spec) for path, spec in tuning.search_space.items()}


def record_step_values(trial: Any, values: list[float]) -> None:
    """Keep a trial's per-step scores (e.g. one per fold), logged with the trial; without
    them the values the objective reported with ``trial.report`` are logged."""
    trial.set_user_attr(STEP_VALUES, [float(v) for v in values])


def best_config(config: Any, params: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The raw config with ``params`` set at their paths and ``mode: train``, and that config
    validated by its task."""
    from benchlab.config import parse_run_config, set_values

    raw = set_values(config.to_raw(), params)
    raw["mode"] = "train"
    return raw, parse_run_config(raw, source="best config")


# --- the study -------------------------------------------------------------------------------
@dataclass
class StudyOutcome:
    """A finished search: the study, where it is stored, and the best config."""

    study: Any  # optuna.Study
    study_name: str
    storage: str
    metric: str
    direction: Direction
    best_raw: dict[str, Any]  # the best values set into the raw config, mode: train
    best_config: Any  # best_raw validated by the task's config class

    @property
    def n_trials(self) -> int:
        """Every trial the study holds (this search's and earlier ones)."""
        return len(self.study.trials)

    @property
    def best_value(self) -> float:
        return float(self.study.best_value)

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.study.best_params)


def run_study(
    config: Any,
    objective: Callable[[Any], float],
    *,
    n_trials: int | None = None,
    resume: bool = False,
    progress: bool = True,
    first_values_check: Callable[[dict[str, Any]], Any] | None = None,
    note: str = "",
    value_name: str | None = None,
    console: Console | None = None,
) -> StudyOutcome:
    """Search ``config.tuning.search_space`` with ``objective``; return the best config.

    ``first_values_check`` is called with :func:`first_values` before the study opens, so a bad
    path or value fails before anything is stored. ``n_trials`` (default ``tuning.n_trials``)
    trials run, ``tuning.n_jobs`` at once. The study is logged to MLflow as a run with one
    child run per finished trial: its values, its per-step scores and its value as
    ``value_name`` (default ``objective_<metric>``). ``note`` extends the opening line.
    """
    from benchlab.runs import check_writable_directory
    from benchlab.tracking import Tracker

    tuning = tuning_of(config)
    check_writable_directory(config.output_dir)
    metric, direction = study_metric(config), study_direction(config)
    if first_values_check is not None:
        first_values_check(first_values(tuning))
    _quiet_optuna()
    study_name = tuning.study_name or config.name
    url = tuning.storage_url(config.output_dir)
    study = open_study(
        tuning, url=url, study_name=study_name, resume=resume, seed=config.seed, direction=direction
    )
    trials = n_trials or tuning.n_trials
    _console(console).print(
        f"tuning {study_name}: {trials} trial(s){note}, metric {metric} ({direction}), "
        f"storage {url}",
        markup=False,
    )
    tracker = Tracker(config.tracking, output_dir=config.output_dir, experiment=config.name)
    tags = {"benchlab.study": study_name, "benchlab.storage": url, "benchlab.task": config.task}
    with tracker.run(f"study {study_name}", params=tuning.model_dump(), tags=tags) as study_run:
        log_trial = _trial_logger(tracker, study_run.run_id, metric, value_name)
        study.optimize(
            objective,
            n_trials=trials,
            n_jobs=tuning.n_jobs,
            callbacks=[log_trial],
            show_progress_bar=progress,
        )
        if _completed(study):
            study_run.log_metrics({f"best_{metric}": study.best_value})
            study_run.set_tags({f"best.{k}": v for k, v in study.best_params.items()})
    if not _completed(study):
        raise InputError(f"study {study_name!r}: no trial completed")
    best_raw, best = best_config(config, study.best_params)
    return StudyOutcome(study, study_name, url, metric, direction, best_raw, best)


def _quiet_optuna() -> None:
    """Optuna logs warnings only (no line per trial)."""
    from benchlab.extras import require

    optuna = require("optuna", "tuning", what="hyperparameter search")
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _console(console: Console | None) -> Console:
    from benchlab.parallel import stderr_console

    return console or stderr_console


def _completed(study: Any) -> bool:
    from optuna.trial import TrialState

    return any(t.state == TrialState.COMPLETE for t in study.trials)


def _trial_logger(
    tracker: Any, parent_run_id: str | None, metric: str, value_name: str | None
) -> Callable[[Any, Any], None]:
    """An Optuna callback logging each finished trial as a child run of the study's run: its
    values, its per-step scores (``metric`` at each step) and its value (the last reported one
    for a pruned trial)."""
    from optuna.trial import TrialState

    name = value_name or f"objective_{metric}"

    def log(study: Any, trial: Any) -> None:
        if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED):
            return
        reported = [trial.intermediate_values[k] for k in sorted(trial.intermediate_values)]
        steps = trial.user_attrs.get(STEP_VALUES, reported)
        value = trial.value if trial.state == TrialState.COMPLETE else (reported or [None])[-1]
        tags = {"optuna.trial": trial.number, "optuna.state": trial.state.name}
        with tracker.run(
            f"trial {trial.number}", params=trial.params, tags=tags, parent_run_id=parent_run_id
        ) as run:
            for step, score in enumerate(steps):
                run.log_metrics({metric: score}, step=step)
            run.log_metrics({name: value, "steps": len(steps)})

    return log


# --- the search's files ----------------------------------------------------------------------
def write_study_files(
    run: RunFolder,
    outcome: StudyOutcome,
    *,
    details: dict[str, Any] | None = None,
    folder: str = TUNING_FOLDER,
) -> None:
    """Write the search into ``run/<folder>/``: ``best_config.yaml``, ``trials.csv``,
    ``study.json`` (with the task's ``details``) and Optuna's plots as HTML."""
    study = outcome.study
    run.write_yaml(f"{folder}/best_config.yaml", outcome.best_raw)
    trials_frame(study).write_csv(run.file(f"{folder}/trials.csv"))
    run.write_json(
        f"{folder}/study.json",
        {
            "study_name": outcome.study_name,
            "storage": outcome.storage,
            "metric": outcome.metric,
            "direction": outcome.direction,
            "n_trials": outcome.n_trials,
            "best_value": outcome.best_value,
            "best_params": outcome.best_params,
            **(details or {}),
        },
    )
    write_plots(study, run, folder)


def trials_frame(study: Any) -> pl.DataFrame:
    """One row per trial: number, state, value, duration and its values (``param.<path>``)."""
    import polars as pl

    rows = [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "duration_s": t.duration.total_seconds() if t.duration else None,
            **{f"param.{k}": v for k, v in t.params.items()},
        }
        for t in study.trials
    ]
    return pl.DataFrame(rows, infer_schema_length=None)


def write_plots(study: Any, run: RunFolder, folder: str = TUNING_FOLDER) -> None:
    """Optimization history, parameter importances and parallel coordinates as HTML; a plot
    the study cannot draw yet (importances need two finished trials) is skipped with a note."""
    from optuna import visualization as vis

    plots = {
        "optimization_history": vis.plot_optimization_history,
        "param_importances": vis.plot_param_importances,
        "parallel_coordinate": vis.plot_parallel_coordinate,
    }
    for name, plot in plots.items():
        try:
            figure = plot(study)
        except (ValueError, RuntimeError) as exc:
            _console(None).print(f"skipped the {name} plot: {exc}", markup=False)
            continue
        figure.write_html(run.file(f"{folder}/{name}.html"), include_plotlyjs="directory")


@dataclass
class TuneSummary:
    """What ``benchlab tune`` reports: the study, its best trial and the refit's run folder."""

    study_name: str
    storage: str
    n_trials: int
    best_value: float
    best_params: dict[str, Any]
    best_config_path: Path
    run_dir: Path
    metric: str
    direction: Direction

    @classmethod
    def of(cls, outcome: StudyOutcome, run_dir: Path, **extra: Any) -> Self:
        """The summary of ``outcome`` refitted into ``run_dir`` (``extra``: a subclass's
        fields)."""
        return cls(
            study_name=outcome.study_name,
            storage=outcome.storage,
            n_trials=outcome.n_trials,
            best_value=outcome.best_value,
            best_params=outcome.best_params,
            best_config_path=Path(run_dir) / TUNING_FOLDER / "best_config.yaml",
            run_dir=Path(run_dir),
            metric=outcome.metric,
            direction=outcome.direction,
            **extra,
        )

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` output; paths are absolute."""
        from benchlab.plain import jsonable

        return jsonable(
            {
                "study_name": self.study_name,
                "storage": self.storage,
                "n_trials": self.n_trials,
                "best_value": self.best_value,
                "best_params": self.best_params,
                "best_config_path": str(Path(self.best_config_path).resolve()),
                "run_dir": str(Path(self.run_dir).resolve()),
            }
        )
