"""The release workflow through the `benchlab` command line, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def _invoke(*args: str, releases: Path):
    return runner.invoke(app, [*args, "--releases-dir", str(releases)])


def test_create_list_verify_predict_monitor(run_dir: Path, new_data, tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    created = _invoke(
        "release",
        "create",
        str(run_dir),
        "--name",
        "demand-eu",
        "--version",
        "1.2.0",
        "--notes",
        "weekly refresh",
        releases=releases,
    )
    assert created.exit_code == 0, created.output
    assert "released demand-eu@1.2.0" in created.stdout

    listed = _invoke("release", "list", releases=releases)
    assert listed.exit_code == 0 and "demand-eu@1.2.0" in listed.stdout

    shown = _invoke("release", "show", "demand-eu@latest", releases=releases)
    assert json.loads(shown.stdout)["notes"] == "weekly refresh"

    verified = _invoke("release", "verify", "demand-eu@1.2.0", releases=releases)
    assert verified.exit_code == 0 and "match the manifest" in verified.stdout

    out = tmp_path / "forecasts.parquet"
    predicted = _invoke(
        "predict",
        "demand-eu@latest",
        "--input",
        str(new_data.features),
        "--out",
        str(out),
        releases=releases,
    )
    assert predicted.exit_code == 0, predicted.output
    assert pl.read_parquet(out).height == pl.read_parquet(new_data.features).height

    monitored = _invoke(
        "release",
        "monitor",
        "demand-eu@1.2.0",
        "--actuals",
        str(new_data.actuals),
        "--output-dir",
        str(tmp_path / "runs"),
        "--json",
        releases=releases,
    )
    assert monitored.exit_code == 0, monitored.output
    payload = json.loads(monitored.stdout.strip().splitlines()[-1])
    assert Path(payload["run_dir"], "report.md").is_file()
    assert payload["periods"] and isinstance(payload["drift"], bool)


def test_releases_dir_from_the_environment(run_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BENCHLAB_RELEASES", str(tmp_path / "elsewhere"))
    result = runner.invoke(
        app, ["release", "create", str(run_dir), "--name", "x", "--version", "0.1.0"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere" / "x" / "0.1.0" / "manifest.json").is_file()


def test_user_errors_exit_2_with_one_message(run_dir: Path, new_data, tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    args = ("release", "create", str(run_dir), "--name", "demand-eu", "--version", "1.0.0")
    assert _invoke(*args, releases=releases).exit_code == 0
    cases = [
        (args, "immutable"),
        (
            ("release", "create", str(run_dir), "--name", "../up", "--version", "1.0.0"),
            "not allowed",
        ),
        (
            ("release", "create", str(run_dir), "--name", "a", "--version", "one"),
            "semantic version",
        ),
        (("release", "show", "nope@1.0.0"), "release nope@1.0.0 not found"),
        (
            (
                "predict",
                "demand-eu@1.0.0",
                "--input",
                str(tmp_path / "missing.parquet"),
                "--out",
                str(tmp_path / "o.parquet"),
            ),
            "missing.parquet",
        ),
    ]
    for command, message in cases:
        result = _invoke(*command, releases=releases)
        assert result.exit_code == 2, (command, result.output)
        assert message in result.output and "Traceback" not in result.output
        assert result.output.count("error:") == 1

    booster = sorted((releases / "demand-eu" / "1.0.0" / "models").rglob("*.txt"))[0]
    booster.chmod(0o644)
    booster.write_text(booster.read_text() + "\n")
    tampered = _invoke("release", "verify", "demand-eu@1.0.0", releases=releases)
    assert tampered.exit_code == 2
    assert booster.name in tampered.output and "SHA-256" in tampered.output
    refused = _invoke(
        "predict",
        "demand-eu@1.0.0",
        "--input",
        str(new_data.features),
        "--out",
        str(tmp_path / "o.parquet"),
        releases=releases,
    )
    assert refused.exit_code == 2 and not (tmp_path / "o.parquet").exists()
