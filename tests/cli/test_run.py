"""`benchlab run` on forecast configs, run as a user would (in-process through Typer's runner)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.runs import sha256_file

runner = CliRunner()


def write_config(tmp_path: Path, tiny_paths, **data_overrides) -> Path:
    data = {
        "features_path": str(tiny_paths.features),
        "target_path": str(tiny_paths.target),
        "mapping_path": str(tiny_paths.mapping_json),
        "split_date": "2020-03-01",
        "horizon": 28,
        "sku_tuples": [[80558, 2], [80651, 2], [80558, 1]],
        **data_overrides,
    }
    config = {
        "task": "forecast",
        "name": "cli_test",
        "seed": 42,
        "n_workers": 2,
        "data": data,
        "strategy": ["combined", "individual"],
        "models": [
            {"type": "statquant", "quantile_alphas": [0.1, 0.5, 0.9]},
            {"type": "lightgbm_quantile", "quantile_alphas": [0.1, 0.5, 0.9], "n_estimators": 20},
        ],
        "output_dir": str(tmp_path / "runs"),
        "report": {"fan_charts": 2},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.slow
def test_run_end_to_end_json(tmp_path: Path, tiny_paths) -> None:
    config = write_config(tmp_path, tiny_paths)
    result = runner.invoke(app, ["run", str(config), "models.1.n_estimators=25", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert "Leaderboard (ranked by rmsse)" in result.stdout
    run_dir = Path(payload["run_dir"])
    assert run_dir.is_dir() and not run_dir.name.startswith(".tmp")
    assert {(r["model"], r["strategy"]) for r in payload["results"]} == {
        ("statquant", "combined"),
        ("statquant", "individual"),
        ("lightgbm_quantile", "combined"),
        ("lightgbm_quantile", "individual"),
    }
    for r in payload["results"]:
        assert r["metrics"]["rmsse"] > 0 and r["fit_seconds"] >= 0 and r["predict_seconds"] >= 0
    predictions = sorted(run_dir.glob("predictions*.parquet"))
    assert len(predictions) == 4
    assert pl.read_parquet(predictions[0]).height == 3 * 28
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["models"][1]["n_estimators"] == 25
    report = (run_dir / "report.md").read_text()
    assert "lightgbm_quantile" in report and "](figures/" in report
    assert list((run_dir / "figures").glob("*.png"))
    assert (run_dir / "individual" / "lightgbm_quantile" / "per_sku_metrics.parquet").is_file()
    models = list((run_dir / "individual" / "lightgbm_quantile" / "models").rglob("*.txt"))
    assert len(models) == 3 * 3  # 3 SKUs × one LightGBM booster per alpha
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for rel, entry in manifest["files"].items():
        assert sha256_file(run_dir / rel) == entry["sha256"], rel
    assert not list(run_dir.parent.glob(".tmp-*"))
    log = (run_dir / "benchlab.log").read_text()
    assert "lightgbm_quantile [individual]: rmsse" in log and "benchlab.log" in manifest["files"]
    # The run is tracked in the local MLflow store: one parent, one child per experiment.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'runs' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("cli_test")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.info.run_name == run_dir.name)
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(children) == 4 and all(r.info.status == "FINISHED" for r in runs)
    child = next(r for r in children if r.info.run_name == "lightgbm_quantile [combined]")
    assert child.data.metrics["rmsse"] == pytest.approx(
        next(
            r["metrics"]["rmsse"]
            for r in payload["results"]
            if (r["model"], r["strategy"]) == ("lightgbm_quantile", "combined")
        )
    )
    assert child.data.params["n_estimators"] == "25"
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"report.md", "leaderboard.csv", "manifest.json"} <= artifacts


def test_failure_mid_run_leaves_no_run_folder(
    tmp_path: Path, tiny_paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchlab.forecast import runner as run_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run_module, "_write_data_files", boom)
    config = write_config(tmp_path, tiny_paths)
    result = runner.invoke(app, ["run", str(config)])
    assert result.exit_code != 0
    runs = tmp_path / "runs"
    assert not [p for p in runs.rglob("*") if p.is_file()], "nothing half written"


def _bad_features(tmp_path: Path, tiny_paths, mutate) -> Path:
    frame = mutate(pl.read_ipc(tiny_paths.features))
    path = tmp_path / "train_data_features.feather"
    frame.write_ipc(path)
    return path


def _bad_target(tmp_path: Path, tiny_paths, mutate) -> Path:
    frame = mutate(pl.read_ipc(tiny_paths.target))
    path = tmp_path / "train_data_target.feather"
    frame.write_ipc(path)
    return path


class Evil:
    """Unpickled, it would create ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused(tmp_path: Path, tiny_paths) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "feature_mapping_train.pkl"
    evil.write_bytes(pickle.dumps({"x": Evil(marker)}))
    config = write_config(tmp_path, tiny_paths, mapping_path=str(evil))
    result = runner.invoke(app, ["run", str(config)])
    assert result.exit_code == 2
    assert "refused" in result.output and "system" in result.output
    assert not marker.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_column", "storeID"),
        ("wrong_dtype", "date"),
        ("duplicate_rows", "duplicate"),
        ("nan_target", "target"),
        ("unknown_sku", "unknown SKU"),
        ("empty_selection", "empty"),
        ("split_outside", "outside the data"),
        ("unknown_model", "unknown forecast model 'arima_magic'"),
        ("bad_hyperparameter", "n_estimators"),
        ("unsorted_quantiles", "increasing"),
        ("out_of_range_quantiles", "between 0 and 1"),
        ("bad_override", "key=value"),
        ("missing_config", "does not exist"),
        ("bad_strategy", "strategy"),
    ],
)
def test_bad_input_exits_2_with_one_clear_message(
    tmp_path: Path, tiny_paths, case: str, message: str
) -> None:
    data: dict = {}
    extra: list[str] = []
    if case == "missing_column":
        data["features_path"] = str(
            _bad_features(tmp_path, tiny_paths, lambda f: f.drop("storeID"))
        )
    elif case == "wrong_dtype":
        data["features_path"] = str(
            _bad_features(
                tmp_path, tiny_paths, lambda f: f.with_columns(pl.lit("soon").alias("date"))
            )
        )
    elif case == "duplicate_rows":
        data["features_path"] = str(
            _bad_features(tmp_path, tiny_paths, lambda f: pl.concat([f, f.head(3)]))
        )
    elif case == "nan_target":
        data["target_path"] = str(
            _bad_target(
                tmp_path,
                tiny_paths,
                lambda t: t.with_columns(
                    pl.when(pl.col("bdID") == t["bdID"][5])
                    .then(float("nan"))
                    .otherwise(pl.col("target"))
                    .alias("target")
                ),
            )
        )
    elif case == "unknown_sku":
        data["sku_tuples"] = [[80558, 2], [99999, 9]]
    elif case == "empty_selection":
        data["sku_tuples"] = []
    elif case == "split_outside":
        data["split_date"] = "2031-01-01"
    elif case == "unknown_model":
        extra = ["models.0.type=arima_magic"]
    elif case == "bad_hyperparameter":
        extra = ["models.1.n_estimators=-3"]
    elif case == "unsorted_quantiles":
        extra = ["models.1.quantile_alphas=[0.9,0.5,0.1]"]
    elif case == "out_of_range_quantiles":
        extra = ["models.0.quantile_alphas=[0.1,0.5,1.2]"]
    elif case == "bad_override":
        extra = ["data.horizon"]
    elif case == "bad_strategy":
        extra = ["strategy=[sideways]"]
    config = write_config(tmp_path, tiny_paths, **data)
    if case == "missing_config":
        config = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["run", str(config), *extra])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in result.output
    assert result.output.count("error:") == 1
    assert not (tmp_path / "runs").exists()  # refused before anything was written


def test_installed_command_exits_2_without_traceback(tmp_path: Path, tiny_paths) -> None:
    """The real process: exit status 2, one message on stderr naming the problem, no traceback."""
    config = write_config(tmp_path, tiny_paths, sku_tuples=[[4242, 7]])
    proc = subprocess.run(
        [sys.executable, "-m", "benchlab.cli", "run", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "train_data_features.feather" in proc.stderr
    assert "unknown SKU tuple(s)" in proc.stderr and "(4242, 7)" in proc.stderr
    assert proc.stderr.count("error:") == 1


def test_tracking_failure_warns_once_and_keeps_the_run(tmp_path: Path, tiny_paths) -> None:
    config = write_config(tmp_path, tiny_paths)
    args = ["run", str(config), "tracking.uri=http://127.0.0.1:9", "models=[{type: statquant}]"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert result.output.count("127.0.0.1:9") == 1  # one warning naming the tracking URI
    run_dir = Path(json.loads(result.stdout.strip().splitlines()[-1])["run_dir"])
    assert (run_dir / "report.md").is_file() and (run_dir / "manifest.json").is_file()
