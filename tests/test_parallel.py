"""Worker resolution and the process fan-out."""

from __future__ import annotations

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
