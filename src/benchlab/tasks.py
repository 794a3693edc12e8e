"""Tasks: the contract every workload fulfils, and the registry the engine finds them by.

The engine never imports a task package by name. A task declares itself with strings only, in
its package's ``__init__.py`` (importing it costs nothing: no torch, no pandas)::

    TASK = TaskSpec(
        name="forecast",
        summary="Demand forecasting per SKU tuple (seed 000).",
        task="benchlab.forecast.task:ForecastTask",
        cli="benchlab.forecast.cli:app",
        data={"synth": "benchlab.forecast.cli:data_synth"},
        extra="forecast",
    )

and registers that object under the ``benchlab.tasks`` entry-point group of ``pyproject.toml``
(``forecast = "benchlab.forecast:TASK"``). That is the whole registration: adding a task edits
no engine file. Every ``"module:attr"`` string is imported on first use and cached, so listing
the tasks (``benchlab --help``) stays fast, and resolving by name works in any process (DDP
ranks, DataLoader and joblib workers, Optuna trials).

>>> spec = TaskSpec(name="demo", summary="a demo task", task="benchlab.tasks:Task")
>>> spec.load_task() is Task
True
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.errors import BenchlabError, InputError

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic import BaseModel
    from rich.console import Console

    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder

ENTRY_POINT_GROUP = "benchlab.tasks"


class TaskRegistrationError(BenchlabError):
    """A task is registered twice, or a registered string does not resolve to what it should."""


def resolve(target: str) -> Any:
    """The object a ``"package.module:attribute"`` string names, imported now.

    >>> resolve("benchlab.errors:InputError").__name__
    'InputError'

    An import error inside the target module is re-raised with the string that led to it.
    """
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise TaskRegistrationError(f"{target!r} is not of the form 'package.module:attribute'")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise TaskRegistrationError(f"{target!r}: {module_name} has no {attribute!r}") from exc
    return obj


@dataclass(frozen=True)
class TaskSpec:
    """What a task registers: its name and where its parts live, as ``"module:attr"`` strings.

    Parameters
    ----------
    name
        The value of ``task:`` in a config and the name of the task's CLI sub-app.
    summary
        One line, shown by ``benchlab --help`` and ``benchlab models``.
    task
        The :class:`Task` subclass.
    cli
        A Typer app mounted as ``benchlab <name> …`` (optional).
    data
        Data generators mounted as ``benchlab data <key>``: Typer command functions.
    commands
        Top-level commands the task contributes (``benchlab demo``): Typer command functions.
    extra
        The ``pip install 'benchlab[<extra>]'`` that brings the task's dependencies.
    default
        Run configs without a ``task:`` key are this task's (one task at most claims it).
    help
        One line of ``--help`` per entry of ``commands`` and ``data`` (shown without importing).
    """

    name: str
    summary: str
    task: str
    cli: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    commands: Mapping[str, str] = field(default_factory=dict)
    extra: str | None = None
    default: bool = False
    help: Mapping[str, str] = field(default_factory=dict)

    def load_task(self) -> type[Task]:
        """The task class, imported on first use (cached by ``importlib``)."""
        cls = resolve(self.task)
        if not (isinstance(cls, type) and issubclass(cls, Task)):
            raise TaskRegistrationError(
                f"task {self.name!r}: {self.task} is not a benchlab.tasks.Task subclass"
            )
        return cls

    def create(self) -> Task:
        """A fresh instance of the task class."""
        return self.load_task()()


@cache
def _discovered() -> dict[str, TaskSpec]:
    """Every task declared under the ``benchlab.tasks`` entry points, by name."""
    found: dict[str, TaskSpec] = {}
    origin: dict[str, str] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        spec = point.load()
        if not isinstance(spec, TaskSpec):
            raise TaskRegistrationError(
                f"entry point {point.name} = {point.value!r} is not a benchlab.tasks.TaskSpec"
            )
        if spec.name != point.name:
            raise TaskRegistrationError(
                f"entry point {point.name!r} ({point.value}) declares a task named {spec.name!r}"
            )
        if spec.name in found and origin[spec.name] != point.value:
            raise TaskRegistrationError(
                f"task {spec.name!r} is registered twice: by {origin[spec.name]} and {point.value}"
            )
        found[spec.name] = spec
        origin[spec.name] = point.value
    return found


def task_specs() -> dict[str, TaskSpec]:
    """Every registered task by name, sorted (nothing of a task is imported but its spec)."""
    return dict(sorted(_discovered().items()))


def default_task_name() -> str | None:
    """The task that claims configs without ``task:`` (``TaskSpec.default``), if any."""
    claims = [spec.name for spec in task_specs().values() if spec.default]
    if len(claims) > 1:
        raise TaskRegistrationError(f"several tasks claim to be the default: {', '.join(claims)}")
    return claims[0] if claims else None


def get_spec(name: str) -> TaskSpec:
    """The registration of task ``name``; an unknown name lists the known ones."""
    specs = task_specs()
    if name not in specs:
        known = ", ".join(specs) or "none (is benchlab installed with `pip install -e .`?)"
        raise InputError(f"unknown task {name!r}; registered tasks: {known}")
    return specs[name]


def get_task(name: str) -> Task:
    """A fresh instance of task ``name``.

    >>> get_task("no-such-task")
    Traceback (most recent call last):
    ...
    benchlab.errors.InputError: unknown task 'no-such-task'; registered tasks: ...
    """
    return get_spec(name).create()


class Task:
    """The contract of a benchlab task: a config model, a run, and optional hooks.

    A subclass sets the class attributes and implements :meth:`run`; every other method has a
    default, so a task adds only what is truly its own.

    ``primary_metric`` and ``greater_is_better`` order its leaderboard and give the Optuna
    direction (as transformers' ``metric_for_best_model``/``greater_is_better``).
    """

    name: ClassVar[str] = "task"
    config_class: ClassVar[type[BaseModel]]
    primary_metric: ClassVar[str] = "loss"
    greater_is_better: ClassVar[bool] = False

    def dataset_name(self, config: Any) -> str:
        """The ``<dataset>`` level of the run folder ``runs/<task>/<dataset>/<run_id>/``."""
        return "data"

    def prepare(self, config: Any, *, console: Console) -> Any:
        """Load and validate everything the run needs, before anything is written: bad input
        fails here and leaves no run folder. What it returns is passed to :meth:`run`."""
        return None

    def run(
        self, config: Any, prepared: Any, run: RunFolder, *, progress: bool, console: Console
    ) -> RunOutcome:
        """Train and evaluate what ``config`` asks for, writing into ``run``; return the records.

        The runner has already written ``config.yaml`` and opened ``benchlab.log``; after this
        returns it writes ``leaderboard.csv``, ``metrics.json``, the report and the manifest,
        then logs the run to the tracker.
        """
        raise NotImplementedError(f"task {self.name!r} does not implement run()")

    # --- optional hooks (no-op defaults) ------------------------------------------------------
    def primary_metric_of(self, config: Any) -> str:
        """The metric that ranks this config's experiments (a config may choose another)."""
        return self.primary_metric

    def report_title(self, config: Any) -> str:
        return f"benchlab {self.name}: {getattr(config, 'name', self.name)}"

    def report_sections(self, config: Any, outcome: RunOutcome, run: RunFolder) -> list[Section]:
        """The sections of ``report.md``; by default the leaderboard."""
        from benchlab.reports.markdown import leaderboard_section

        return [leaderboard_section(outcome.leaderboard, outcome.primary_metric)]

    def print_summary(self, outcome: RunOutcome, console: Console) -> None:
        """What ``benchlab run`` prints when the run is done: by default the leaderboard."""
        from benchlab.runner import leaderboard_table

        console.print(leaderboard_table(outcome.leaderboard, outcome.primary_metric))

    def tune(self, config: Any, *, n_trials: int | None, resume: bool, progress: bool) -> Any:
        """Hyperparameter search (``benchlab tune``); a task without one says so."""
        raise InputError(f"task {self.name!r} has no hyperparameter search")

    def release_adapter(self) -> Any:
        """What releases need from this task (save/load/predict); ``None``: no releases."""
        return None

    def models(self) -> list[dict[str, str]]:
        """Rows of ``benchlab models``: one per registered model, column name → text."""
        return []


@dataclass
class RunOutcome:
    """What :meth:`Task.run` returns: one record per experiment, ranked, and the task's own
    objects (``details``) for its report and summary."""

    records: list[Any]
    leaderboard: Any  # polars.DataFrame, best first
    primary_metric: str
    details: Any = None
    files: dict[str, Path] = field(default_factory=dict)
