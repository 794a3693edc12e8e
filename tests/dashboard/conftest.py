"""Three real runs of three tasks (reviews, toy, forecast) in one runs folder, made once."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from benchlab import tasks
from benchlab.config import parse_run_config
from benchlab.runner import run_task
from tests.conftest import TINY_SPLIT

TEST_TASKS = {"reviews": "tests.dashboard.reviews_task:TASK", "toy": "tests.toy_task:TASK"}


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory: pytest.TempPathFactory, tiny_paths) -> Path:
    """``runs/`` with one reviews run (3 classifiers, ratings, latencies), one toy run and one
    forecast run (statquant on the tiny data), written by the engine's runner."""
    root = tmp_path_factory.mktemp("dashboard") / "runs"
    off = {"output_dir": str(root), "tracking": {"enabled": False}}
    configs = [
        {"task": "reviews", "n_reviews": 400, **off},
        {"task": "toy", "noise": [0.1, 1.0, 3.0], **off},
        {
            "task": "forecast",
            "name": "quick",
            "data": {
                "features_path": str(tiny_paths.features),
                "target_path": str(tiny_paths.target),
                "mapping_path": str(tiny_paths.mapping_json),
                "split_date": TINY_SPLIT.isoformat(),
                "horizon": 14,
            },
            "strategy": ["combined"],
            "models": [{"type": "statquant", "quantile_alphas": [0.1, 0.5, 0.9]}],
            "n_workers": 1,
            **off,
        },
    ]
    real = list(tasks.entry_points(group=tasks.ENTRY_POINT_GROUP))
    added = [EntryPoint(n, v, tasks.ENTRY_POINT_GROUP) for n, v in TEST_TASKS.items()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "entry_points", lambda *, group: [*real, *added])
        tasks._discovered.cache_clear()
        try:
            for raw in configs:
                run_task(parse_run_config(raw), progress=False)
        finally:
            tasks._discovered.cache_clear()
    return root
