"""The forecast task's release adapter: experiment selection, release.json and the model card."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchlab.errors import InputError
from benchlab.forecast.metrics import HEADLINE_METRICS
from benchlab.forecast.release.adapter import ForecastReleaseAdapter
from benchlab.forecast.task import ForecastTask
from benchlab.release import ComprehensiveReleaseManager


@pytest.fixture()
def manager(tmp_path: Path) -> ComprehensiveReleaseManager:
    return ComprehensiveReleaseManager(tmp_path / "releases")


def test_the_forecast_task_supplies_its_adapter() -> None:
    adapter = ForecastTask().release_adapter()
    assert isinstance(adapter, ForecastReleaseAdapter)
    assert adapter.selection_keys == ("model", "strategy")


def test_a_bad_strategy_is_refused_before_anything_is_written(manager, run_dir: Path) -> None:
    with pytest.raises(InputError, match="strategy must be combined or individual; got 'both'"):
        manager.create(run_dir, "demand-eu", "1.0.0", strategy="both")
    assert not manager.releases_dir.exists()


def test_release_json_records_the_task_and_the_run_s_primary_metric(manager, run_dir) -> None:
    manager.create(run_dir, "demand-eu", "1.0.0", model="statquant", strategy="combined")
    info = manager.show("demand-eu@1.0.0")
    assert info["task"] == "forecast" and info["primary_metric"] == "rmsse"
    assert info["dataset"] == json.loads((run_dir / "dataset.json").read_text())
    assert manager.list_releases()[0].primary_value == info["metrics"]["rmsse"]


def test_the_card_shows_the_headline_metrics_in_their_order(manager, run_dir: Path) -> None:
    path = manager.create(run_dir, "demand-eu", "1.0.0")
    metrics = manager.show("demand-eu@1.0.0")["metrics"]
    card = (path / "MODEL_CARD.md").read_text()
    table = card.split("## Test metrics", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")]
    assert rows[0] == "metric"
    assert rows[1:] == [m for m in HEADLINE_METRICS if m in metrics]
    assert len(rows) > 3


def test_a_run_whose_manifest_names_no_task_is_refused(manager, run_dir, tmp_path) -> None:
    copy = tmp_path / "run_copy"
    shutil.copytree(run_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["task"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="its manifest.json names no task"):
        manager.create(copy, "demand-eu", "1.0.0")
