from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.release.serving import forecast, read_input
from benchlab.release import ComprehensiveReleaseManager
from benchlab.runs import safe_name


@pytest.fixture()
def manager(tmp_path: Path) -> ComprehensiveReleaseManager:
    return ComprehensiveReleaseManager(tmp_path / "releases")


def _writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def test_create_packages_the_best_experiment(manager, run_dir: Path) -> None:
    path = manager.create(run_dir, "demand-eu", "1.0.0", notes="first cut")
    best = pl.read_csv(run_dir / "leaderboard.csv").row(0, named=True)
    info = manager.show("demand-eu@1.0.0")
    assert (info["model"], info["strategy"]) == (best["model"], best["strategy"])
    assert info["notes"] == "first cut" and info["quantile_alphas"]
    for name in (
        "MODEL_CARD.md",
        "manifest.json",
        "release.json",
        "config.yaml",
        "dataset.json",
        "feature_mapping.json",
        "environment.json",
        "leaderboard.csv",
        "metrics.json",
        "per_sku_metrics.parquet",
    ):
        assert (path / name).is_file(), name
    manifest = json.loads((path / "manifest.json").read_text())
    assert all(len(e["sha256"]) == 64 and e["bytes"] > 0 for e in manifest["files"].values())
    card = (path / "MODEL_CARD.md").read_text()
    for section in ("## Data", "## Test metrics", "## Quantile coverage", "## How to use"):
        assert section in card
    assert "2020-01-15 … 2020-02-11" in card  # the test period
    assert not list(path.parent.glob(".tmp-*"))


def test_a_release_is_immutable(manager, run_dir: Path) -> None:
    path = manager.create(run_dir, "demand-eu", "1.0.0")
    before = (path / "release.json").read_text()
    with pytest.raises(InputError, match="already exists.*immutable"):
        manager.create(run_dir, "demand-eu", "1.0.0", model="statquant")
    assert (path / "release.json").read_text() == before
    assert (path / "release.json").stat().st_mode & 0o222 == 0


def test_latest_is_the_highest_semantic_version(manager, run_dir: Path) -> None:
    for version in ("1.9.0", "1.10.0", "1.2.0"):
        manager.create(run_dir, "demand-eu", version)
    assert manager.resolve("demand-eu@latest").name == "1.10.0"
    assert [r.version for r in manager.list_releases()] == ["1.2.0", "1.9.0", "1.10.0"]
    with pytest.raises(InputError, match=r"not found \(versions: 1.2.0, 1.9.0, 1.10.0\)"):
        manager.resolve("demand-eu@2.0.0")
    with pytest.raises(InputError, match="no release named 'other'"):
        manager.resolve("other@latest")


@pytest.mark.parametrize(
    ("name", "version"), [("../escape", "1.0.0"), ("ok", "../../1.0.0"), ("a/b", "1.0.0")]
)
def test_path_traversal_is_refused(manager, run_dir: Path, tmp_path: Path, name, version) -> None:
    with pytest.raises(InputError):
        manager.create(run_dir, name, version)
    assert not (tmp_path / "escape").exists()
    assert not manager.releases_dir.exists() or not any(manager.releases_dir.rglob("*.json"))


def test_a_failure_mid_write_leaves_nothing(
    manager, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The models are copied into the temporary release, then the write fails: the release
    is not there, and neither is the temporary folder that held the half-written files."""
    import benchlab.release.manager as manager_module

    seen: list[Path] = []
    copytree = manager_module.shutil.copytree

    def copy_then_fail(source, target, *args, **kwargs):
        monkeypatch.setattr(manager_module.shutil, "copytree", copytree)  # nested calls: real
        copytree(source, target, *args, **kwargs)
        seen.append(Path(target).parent)
        raise OSError("disk full")

    monkeypatch.setattr(manager_module.shutil, "copytree", copy_then_fail)
    with pytest.raises(OSError, match="disk full"):
        manager.create(run_dir, "half", "1.0.0")
    assert seen and seen[0].name.startswith(".tmp-")  # files were really being written
    assert not seen[0].exists()
    assert not any((manager.releases_dir / "half").iterdir())


def test_choose_experiment_by_model_and_strategy(manager, run_dir: Path) -> None:
    manager.create(run_dir, "base", "0.1.0", model="statquant", strategy="individual")
    info = manager.show("base@0.1.0")
    assert (info["model"], info["model_type"], info["strategy"]) == (
        "statquant",
        "statquant",
        "individual",
    )
    with pytest.raises(InputError, match="no experiment with model='prophet'"):
        manager.create(run_dir, "base", "0.2.0", model="prophet")


@pytest.mark.parametrize("change", ["edit", "delete", "add"])
def test_tampering_is_detected_and_loading_refused(manager, run_dir: Path, change: str) -> None:
    path = manager.create(run_dir, "demand-eu", "1.0.0", model="lightgbm_quantile")
    booster = sorted((path / "models").rglob("*.alpha0.9.txt"))[0]
    rel = booster.relative_to(path).as_posix()
    if change == "edit":
        _writable(booster).write_text(booster.read_text().replace("0", "1", 1))
        message = f"file {rel} does not match its SHA-256"
    elif change == "delete":
        booster.unlink()
        message = f"file {rel} listed in the manifest is missing"
    else:
        (path / "models" / "extra.txt").write_text("x")
        message = "not in the manifest: models/extra.txt"
    with pytest.raises(InputError, match=message):
        manager.verify("demand-eu@1.0.0")
    with pytest.raises(InputError, match=message):
        manager.load("demand-eu@latest")


def test_a_tampered_run_is_not_released(manager, run_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "run_copy"
    shutil.copytree(run_dir, copy)
    (copy / "leaderboard.csv").write_text("rank,model,strategy\n1,evil,combined\n")
    with pytest.raises(InputError, match="leaderboard.csv does not match its SHA-256"):
        manager.create(copy, "demand-eu", "1.0.0")


def test_loaded_release_reproduces_the_run_forecasts(manager, run_dir: Path, new_data) -> None:
    """Models rebuilt from their files forecast the test period exactly as in the run."""
    for strategy in ("combined", "individual"):
        version = "1.0.0" if strategy == "combined" else "1.1.0"
        manager.create(run_dir, "demand-eu", version, model="lightgbm_quantile", strategy=strategy)
        release = manager.load(f"demand-eu@{version}")
        assert len(release.models) == (1 if strategy == "combined" else 3)
        frame = read_input(new_data.test_features, release, needs_target=False)
        ours = forecast(release, frame)
        theirs = pl.read_parquet(run_dir / f"predictions_lightgbm_quantile_{strategy}.parquet")
        joined = theirs.join(ours, on=["product_id", "store_id", "date"], suffix="_release")
        assert joined.height == theirs.height == 3 * 28
        for column in ("y_pred", "q_0.1", "q_0.5", "q_0.9"):
            diff = (joined[column] - joined[f"{column}_release"]).abs().max()
            assert diff < 1e-9, column


def test_killed_creation_leaves_no_release(manager, run_dir: Path, tmp_path: Path) -> None:
    """SIGKILL in the middle of writing: the version does not exist and can be created later."""
    script = tmp_path / "slow_create.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import shutil, sys, time
            from benchlab.release import manager as m
            real = shutil.copytree
            def slow(*args, **kwargs):
                result = real(*args, **kwargs)
                print("copied", flush=True)
                time.sleep(60)
                return result
            m.shutil.copytree = slow
            m.ComprehensiveReleaseManager({str(manager.releases_dir)!r}).create(
                {str(run_dir)!r}, "demand-eu", "1.0.0")
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "copied", proc.stderr.read() if proc.stderr else ""
        partial = list((manager.releases_dir / "demand-eu").glob(".tmp-*"))
        assert partial and any(partial[0].rglob("*.txt")), "the write was under way"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (manager.releases_dir / "demand-eu" / "1.0.0").exists()
    assert manager.list_releases() == []
    with pytest.raises(InputError, match="no release named"):
        manager.load("demand-eu@latest")
    assert partial[0].is_dir()  # SIGKILL removed nothing: the next release sweeps it
    manager.create(run_dir, "demand-eu", "1.0.0")
    assert manager.verify("demand-eu@1.0.0")["files"]
    assert not list((manager.releases_dir / "demand-eu").glob(".tmp-*"))


def test_a_release_being_written_by_a_live_process_is_left_alone(manager, run_dir: Path) -> None:
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = safe_name(socket.gethostname())
        writing = manager.releases_dir / "demand-eu" / f".tmp-2.0.0@{host}@{alive.pid}@0123abcd"
        writing.mkdir(parents=True)
        manager.create(run_dir, "demand-eu", "1.0.0")
        assert writing.is_dir()
        assert manager.versions("demand-eu") == ["1.0.0"]
    finally:
        alive.kill()
        alive.wait(timeout=30)
    manager.create(run_dir, "demand-eu", "1.1.0")
    assert not writing.exists()
