"""Cores, process fan-out with joblib (loky) and a Rich progress bar; no home-made pool.

Counting cores is cheap to import: joblib and the progress bar are imported on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

T = TypeVar("T")
R = TypeVar("R")

stderr_console = Console(stderr=True)


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity and cgroup-limited containers)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def resolve_n_jobs(n_jobs: int) -> int:
    """Threads or processes to use, joblib style: a positive count as given, ``-1`` every
    available core, ``-2`` all but one, and so on; at least 1.

    >>> resolve_n_jobs(3)
    3
    """
    if n_jobs > 0:
        return int(n_jobs)
    if n_jobs == 0:
        return 1
    return max(available_cores() + 1 + n_jobs, 1)


def resolve_n_workers(n_workers: int | None) -> int:
    """``None`` = auto: every core below 4 cores, else cores − 1 (seed 000's default);
    otherwise as :func:`resolve_n_jobs`.

    >>> resolve_n_workers(3)
    3
    """
    if n_workers is None:
        cores = available_cores()
        return cores if cores < 4 else cores - 1
    return resolve_n_jobs(n_workers)


def make_progress(console: Console | None = None) -> Progress:
    """A progress bar showing done / total, rate and ETA, on stderr so stdout stays clean."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console or stderr_console,
        transient=False,
    )


def parallel_map(
    function: Callable[..., R],
    items: Iterable[tuple[Any, ...]],
    *,
    total: int,
    n_workers: int,
    description: str,
    progress: bool = True,
    unit: str = "items",
) -> Iterator[R]:
    """Apply ``function(*item)`` to every item, in ``n_workers`` loky processes when > 1.

    Results arrive in completion order; callers that need an order sort them. Worker processes
    run with one BLAS/OpenMP thread each so the pool does not oversubscribe the cores.
    """
    from joblib import Parallel, delayed, parallel_config

    bar = make_progress() if progress else None
    task_id = bar.add_task(description, total=total, rate="") if bar else None
    if bar:
        bar.start()
    try:
        if n_workers <= 1:
            results: Iterable[R] = (function(*item) for item in items)
            yield from _tick(results, bar, task_id, unit)
        else:
            with parallel_config(backend="loky", inner_max_num_threads=1):
                runner = Parallel(n_jobs=n_workers, return_as="generator_unordered")
                results = runner(delayed(function)(*item) for item in items)
                yield from _tick(results, bar, task_id, unit)
    finally:
        if bar:
            bar.stop()


def _tick(results: Iterable[R], bar: Progress | None, task_id: Any, unit: str) -> Iterator[R]:
    for result in results:
        if bar is not None:
            bar.advance(task_id)
            speed = bar.tasks[task_id].speed if task_id is not None else None
            bar.update(task_id, rate=f"{speed:.1f} {unit}/s" if speed else "")
        yield result
