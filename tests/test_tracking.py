"""MLflow tracking: what a run logs, nested trials, and that tracking never breaks a run."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from benchlab.tracking import (
    MAX_PARAM_VALUE_LENGTH,
    Tracker,
    TrackingConfig,
    flatten_params,
    local_tracking_uri,
    metric_key,
)


def tracker_in(root: Path, **config: object) -> Tracker:
    return Tracker(TrackingConfig(**config), output_dir=root, experiment="m5_quick")


def tracking_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "benchlab.tracking" and r.levelno == logging.WARNING
    ]


def test_run_logs_params_metrics_artifacts_and_tags(tmp_path: Path) -> None:
    folder = tmp_path / "run_folder"
    (folder / "models").mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>")
    (folder / "models" / "lightgbm.txt").write_text("tree")
    tracker = tracker_in(tmp_path / "runs")
    params = {
        "seed": 42,
        "data": {"horizon": 28, "lags": [1, 7]},
        "models": [{"type": "lightgbm", "n_estimators": 200}],
        "long": "x" * (MAX_PARAM_VALUE_LENGTH + 10),
    }
    with tracker.run("quick", params=params, tags={"task": "forecast"}) as run:
        run.log_metrics(
            {"rmsse": 0.8, "pinball_0.1": 1.25, "wape@all": 0.3, "nan": float("nan"), "none": None}
        )
        run.log_metrics({"rmsse": 0.7}, step=1)
        run.set_tags({"dataset": "synthetic", "n_series": 10})
        run.log_artifacts(folder)
        run.log_artifacts(folder / "models", artifact_path="models_copy")
    assert run.run_id is not None

    client = MlflowClient(tracking_uri=local_tracking_uri(tmp_path / "runs"))
    logged = client.get_run(run.run_id)
    assert logged.info.status == "FINISHED"
    assert logged.info.run_name == "quick"
    assert client.get_experiment(logged.info.experiment_id).name == "m5_quick"
    assert logged.data.params == {
        "seed": "42",
        "data.horizon": "28",
        "data.lags": "[1, 7]",
        "models.0.type": "lightgbm",
        "models.0.n_estimators": "200",
        "long": "x" * MAX_PARAM_VALUE_LENGTH,
    }
    assert logged.data.metrics == {"rmsse": 0.7, "pinball_0.1": 1.25, "wape_all": 0.3}
    history = client.get_metric_history(run.run_id, "rmsse")
    assert [(m.step, m.value) for m in history] == [(0, 0.8), (1, 0.7)]
    tags = logged.data.tags
    assert (tags["task"], tags["dataset"], tags["n_series"]) == ("forecast", "synthetic", "10")
    assert "mlflow.parentRunId" not in tags

    assert {a.path for a in client.list_artifacts(run.run_id)} == {
        "report.html",
        "models",
        "models_copy",
    }
    assert [a.path for a in client.list_artifacts(run.run_id, "models_copy")] == [
        "models_copy/lightgbm.txt"
    ]
    artifacts = tmp_path / "runs" / "mlartifacts" / "m5_quick" / run.run_id / "artifacts"
    assert (artifacts / "models" / "lightgbm.txt").read_text() == "tree"
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["mlartifacts", "mlflow.db"]


def test_trials_are_nested_under_their_study(tmp_path: Path) -> None:
    tracker = tracker_in(tmp_path, experiment="tuning")
    with tracker.run("study") as study:
        for number in range(2):
            with tracker.run(f"trial-{number}", parent_run_id=study.run_id) as trial:
                trial.log_metrics({"value": float(number)})
    client = MlflowClient(tracking_uri=local_tracking_uri(tmp_path))
    experiment = client.get_experiment_by_name("tuning")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    children = [r for r in runs if r.info.run_id != study.run_id]
    assert len(runs) == 3
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {study.run_id}
    assert {r.info.run_name for r in children} == {"trial-0", "trial-1"}


def test_a_param_keeps_its_first_value(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tracker = tracker_in(tmp_path)
    with tracker.run("r", params={"a": 1}) as run:
        run.log_params({"a": 1, "b": 2})
        run.log_params({"a": 3})
    assert tracker.active
    assert len(tracking_warnings(caplog)) == 1
    params = MlflowClient(tracking_uri=local_tracking_uri(tmp_path)).get_run(run.run_id).data.params
    assert params == {"a": "1", "b": "2"}


def test_caller_exception_propagates_and_run_fails(tmp_path: Path) -> None:
    tracker = tracker_in(tmp_path)
    error = ValueError("model diverged")
    with pytest.raises(ValueError) as raised, tracker.run("doomed") as run:
        run.log_metrics({"rmsse": 1.0})
        raise error
    assert raised.value is error
    assert tracker.active
    logged = MlflowClient(tracking_uri=local_tracking_uri(tmp_path)).get_run(run.run_id)
    assert logged.info.status == "FAILED"
    assert logged.data.metrics == {"rmsse": 1.0}


@pytest.mark.parametrize("kind", ["sqlite", "http"])
def test_unusable_store_warns_once_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    uri = {
        "sqlite": f"sqlite:///{tmp_path.as_posix()}/a_file/mlflow.db",
        "http": "http://127.0.0.1:9",  # discard port: connection refused at once
    }[kind]
    tracker = tracker_in(tmp_path / "runs", uri=uri)
    body_ran = []
    with caplog.at_level(logging.WARNING), tracker.run("r", params={"a": 1}) as run:
        run.log_metrics({"rmsse": 0.5})
        run.set_tags({"k": "v"})
        run.log_artifacts(tmp_path)
        body_ran.append(True)
    with tracker.run("second") as second:
        second.log_metrics({"rmsse": 0.4})
    assert body_ran == [True]
    assert run.run_id is None and second.run_id is None
    assert not tracker.active
    warnings = tracking_warnings(caplog)
    assert len(warnings) == 1
    assert uri in warnings[0].getMessage()
    assert not (tmp_path / "runs").exists()


def test_caller_exception_propagates_when_tracking_failed(tmp_path: Path) -> None:
    (tmp_path / "a_file").write_text("")
    tracker = tracker_in(tmp_path, uri=f"sqlite:///{tmp_path.as_posix()}/a_file/x.db")
    with pytest.raises(KeyError, match="missing"), tracker.run("r"):
        raise KeyError("missing")


def test_disabled_tracking_touches_nothing(tmp_path: Path) -> None:
    script = f"""
import sys
from pathlib import Path
from benchlab.tracking import Tracker, TrackingConfig
tracker = Tracker(TrackingConfig(enabled=False), output_dir=Path({str(tmp_path)!r}), experiment="e")
with tracker.run("r", params={{"a": 1}}, tags={{"t": 1}}) as run:
    run.log_params({{"b": 2}})
    run.log_metrics({{"m": 1.0}})
    run.set_tags({{"u": 2}})
    run.log_artifacts(Path({str(tmp_path)!r}))
assert run.run_id is None
print("mlflow" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
    assert list(tmp_path.iterdir()) == []


def test_config_rejects_unknown_keys() -> None:
    assert TrackingConfig().enabled and TrackingConfig().uri is None
    with pytest.raises(ValueError, match="extra"):
        TrackingConfig(url="http://x")  # type: ignore[call-arg]


def test_keys_and_params_are_made_acceptable() -> None:
    assert metric_key("pinball_0.1") == "pinball_0.1"
    assert metric_key("coverage 80%") == "coverage 80_"
    assert metric_key("a:b") == "a_b"
    assert metric_key("x" * 300) == "x" * 250
    assert metric_key("") == "_"
    assert flatten_params({"a": {"b": {"c": None}}, "e": {}, "s": ("x", 1)}) == {
        "a.b.c": "None",
        "e": "{}",
        "s": '["x", 1]',
    }
