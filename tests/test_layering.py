"""The engine imports no task: every engine module's source is parsed and its imports checked.

Engine modules are the ``.py`` files of ``src/benchlab`` outside the registered task packages.
An import counts wherever it is (top level, inside a function, under ``TYPE_CHECKING``), and so
does a string handed to ``importlib.import_module``, ``__import__`` or ``benchlab.tasks.resolve``.
The one exception is ``benchlab/__init__.py``, whose lazy exports name seed 000's API in the
forecast task.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from benchlab.tasks import ENTRY_POINT_GROUP

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "benchlab"
ALLOWED = {PACKAGE / "__init__.py"}
IMPORTING_CALLS = {"import_module", "__import__", "resolve"}


def task_packages() -> set[str]:
    """The packages that declare a task (``benchlab.forecast`` for ``benchlab.forecast:TASK``)."""
    return {point.value.partition(":")[0] for point in entry_points(group=ENTRY_POINT_GROUP)}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, *, is_package: bool) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every import in ``source`` and every module named by a string
    passed to an importing call; relative imports resolved against ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in IMPORTING_CALLS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield node.lineno, first.value.partition(":")[0]


def task_imports(source: str, module: str, *, is_package: bool, tasks: set[str]) -> list[str]:
    """What ``source`` imports of the packages ``tasks``, as ``line N: module``."""
    return [
        f"line {line}: {name}"
        for line, name in imported_names(source, module, is_package=is_package)
        if any(name == task or name.startswith(f"{task}.") for task in tasks)
    ]


def engine_modules(tasks: set[str]) -> list[Path]:
    task_dirs = [SRC.joinpath(*task.split(".")) for task in tasks]
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(path.is_relative_to(task_dir) for task_dir in task_dirs)
    ]


def test_no_engine_module_imports_a_task() -> None:
    tasks = task_packages()
    assert "benchlab.forecast" in tasks
    offenders = []
    for path in engine_modules(tasks):
        if path in ALLOWED:
            continue
        found = task_imports(
            path.read_text(),
            module_name(path),
            is_package=path.name == "__init__.py",
            tasks=tasks,
        )
        offenders += [f"{path.relative_to(SRC)} {hit}" for hit in found]
    assert not offenders, "engine modules import a task:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("source", "module", "found"),
    [
        ("import benchlab.forecast.task", "benchlab.runner", True),
        ("def f():\n    from benchlab.forecast import pipeline", "benchlab.runner", True),
        ("from benchlab import forecast", "benchlab.runner", True),
        ("from ..forecast.data import synthetic", "benchlab.reports.plots", True),
        ("from . import forecast", "benchlab", True),
        ("import importlib\nimportlib.import_module('benchlab.forecast.cli')", "benchlab.x", True),
        ("resolve('benchlab.forecast.task:ForecastTask')", "benchlab.x", True),
        ("import benchlab.forecaster", "benchlab.runner", False),
        ("from benchlab.tasks import get_task", "benchlab.runner", False),
        ("x = 'benchlab.forecast is only text here'", "benchlab.runner", False),
    ],
)
def test_the_check_sees_every_kind_of_import(source: str, module: str, found: bool) -> None:
    is_package = module == "benchlab"
    hits = task_imports(source, module, is_package=is_package, tasks={"benchlab.forecast"})
    assert bool(hits) is found, hits
