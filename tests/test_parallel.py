"""Worker resolution and the process fan-out."""

from __future__ import annotations

import os

import pytest

from benchlab import parallel


def square(x: int) -> int:
    return x * x


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (3, 3), (4, 3), (16, 15)])
def test_auto_workers(monkeypatch: pytest.MonkeyPatch, cores: int, expected: int) -> None:
    monkeypatch.setattr(parallel, "available_cores", lambda: cores)
    assert parallel.resolve_n_workers(None) == expected


def test_explicit_and_negative_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cores", lambda: 8)
    assert parallel.resolve_n_workers(3) == 3
    assert parallel.resolve_n_workers(-1) == 8
    assert parallel.resolve_n_workers(-2) == 7


@pytest.mark.parametrize("workers", [1, 2])
def test_parallel_map_returns_every_result(workers: int) -> None:
    out = parallel.parallel_map(
        square,
        ((i,) for i in range(20)),
        total=20,
        n_workers=workers,
        description="squares",
        progress=True,
    )
    assert sorted(out) == [i * i for i in range(20)]


def test_threads_and_workers_count_the_same_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a container the host's core count (os.cpu_count) is not what this process may use."""
    monkeypatch.setattr(parallel, "available_cores", lambda: 6)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert parallel.resolve_n_jobs(-1) == parallel.resolve_n_workers(-1) == 6
    assert parallel.resolve_n_jobs(-2) == parallel.resolve_n_workers(-2) == 5
    assert parallel.resolve_n_jobs(4) == 4
    assert parallel.resolve_n_jobs(0) == parallel.resolve_n_workers(0) == 1
    assert parallel.resolve_n_jobs(-100) == 1


def test_available_cores_follows_the_cpu_affinity() -> None:
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no CPU affinity on this platform")
    assert parallel.available_cores() == len(os.sched_getaffinity(0))
