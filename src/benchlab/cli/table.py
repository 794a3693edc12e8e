"""The command tables: the engine's shared verbs, plus what each registered task contributes.

Built from :func:`benchlab.tasks.task_specs` (strings only: no task module is imported). A name
claimed twice (two tasks, or a task and a shared verb) raises, naming both.
"""

from __future__ import annotations

from collections.abc import Mapping

from benchlab.cli.lazy import LazyCommand
from benchlab.tasks import TaskRegistrationError, TaskSpec

SHARED_COMMANDS: dict[str, LazyCommand] = {
    "run": LazyCommand(
        "benchlab.cli.run:run", "Run a config: train, evaluate, write the run folder and report."
    ),
    "tune": LazyCommand(
        "benchlab.cli.run:tune", "Hyperparameter search of a config, then refit the best."
    ),
    "models": LazyCommand(
        "benchlab.cli.models:models", "List every task's registered models (--task to filter)."
    ),
    "release": LazyCommand(
        "benchlab.cli.release:app", "Releases: versioned, verified packages of a run."
    ),
    "predict": LazyCommand(
        "benchlab.cli.release:predict", "Predict with a verified release into a Parquet file."
    ),
    "export": LazyCommand(
        "benchlab.cli.release:export", "Export a run's or a release's models (ONNX)."
    ),
    "data": LazyCommand("benchlab.cli.data:group", "Data sets: every task's data generators."),
    "dashboard": LazyCommand("benchlab.cli.dashboard:dashboard", "Serve a dashboard of runs."),
}
TASK_SECTION = "Tasks"
TASK_COMMANDS_SECTION = "Task commands"


def _add(table: dict[str, LazyCommand], name: str, entry: LazyCommand) -> None:
    if name in table:
        first = table[name]
        raise TaskRegistrationError(
            f"command {name!r} is claimed twice: by {first.origin} ({first.target}) "
            f"and by {entry.origin} ({entry.target})"
        )
    table[name] = entry


def command_table(
    specs: Mapping[str, TaskSpec], shared: Mapping[str, LazyCommand] = SHARED_COMMANDS
) -> dict[str, LazyCommand]:
    """The root table: ``shared`` verbs, then each task's sub-app and top-level commands.

    >>> spec = TaskSpec(name="demo", summary="A demo.", task="x:Y", commands={"run": "x:run"})
    >>> command_table({"demo": spec})
    Traceback (most recent call last):
    ...
    benchlab.tasks.TaskRegistrationError: command 'run' is claimed twice: by benchlab (benchlab.cli.run:run) and by task 'demo' (x:run)
    """  # noqa: E501
    table = dict(shared)
    for spec in specs.values():
        origin = f"task {spec.name!r}"
        if spec.cli is not None:
            entry = LazyCommand(spec.cli, spec.summary, TASK_SECTION, origin, spec.extra)
            _add(table, spec.name, entry)
        for name, target in spec.commands.items():
            help_text = spec.help.get(name) or f"A command of the {spec.name} task."
            entry = LazyCommand(target, help_text, TASK_COMMANDS_SECTION, origin, spec.extra)
            _add(table, name, entry)
    return table


def data_table(specs: Mapping[str, TaskSpec]) -> dict[str, LazyCommand]:
    """``benchlab data <name>``: every task's data generators."""
    table: dict[str, LazyCommand] = {}
    for spec in specs.values():
        for name, target in spec.data.items():
            help_text = spec.help.get(name) or f"Generate the {spec.name} task's data."
            entry = LazyCommand(target, help_text, origin=f"task {spec.name!r}", extra=spec.extra)
            _add(table, name, entry)
    return table
