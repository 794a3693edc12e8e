"""Run folders are atomic and self-describing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from benchlab.runs import (
    UNKNOWN_OWNER_GRACE_S,
    RunFolder,
    atomic_directory,
    safe_name,
    sha256_file,
    sweep_abandoned,
)


def test_run_folder_appears_whole_with_manifest(tmp_path: Path) -> None:
    with RunFolder(tmp_path, task="forecast", dataset="synthetic", name="quick") as run:
        run.write_json("metrics.json", {"rmsse": 0.5, "bad": float("nan")})
        run.write_parquet("predictions_x.parquet", pl.DataFrame({"a": [1, 2]}))
        assert not run.final_path.exists()
    final = run.final_path
    assert final.parent == tmp_path / "forecast" / "synthetic"
    manifest = json.loads((final / "manifest.json").read_text())
    assert set(manifest["files"]) == {"metrics.json", "predictions_x.parquet"}
    for rel, entry in manifest["files"].items():
        assert entry["sha256"] == sha256_file(final / rel)
        assert entry["bytes"] == (final / rel).stat().st_size
    assert json.loads((final / "metrics.json").read_text())["bad"] is None
    assert "python" in manifest["environment"]


def test_crash_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), RunFolder(tmp_path, task="t", dataset="d", name="n") as run:
        run.write_json("a.json", {})
        raise RuntimeError("crash")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_safe_name() -> None:
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("m5 quick/v2") == "m5_quick_v2"
    assert safe_name("..") == "unnamed"


def test_atomic_path_renames_on_success_and_cleans_up_on_error(tmp_path: Path) -> None:
    from benchlab.runs import atomic_path

    target = tmp_path / "sub" / "out.txt"
    with atomic_path(target) as tmp:
        tmp.write_text("done")
        assert not target.exists()  # nobody sees it before the block ends
    assert target.read_text() == "done"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "done"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]


def _tmp_name(stem: str, pid: int, host: str | None = None) -> str:
    """A temporary folder's name as ``scratch_directory`` writes it."""
    return f".tmp-{stem}@{host or safe_name(socket.gethostname())}@{pid}@0123abcd"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_a_killed_run_leaves_a_folder_the_next_run_removes(tmp_path: Path) -> None:
    """SIGKILL cleans up nothing: while the killed run's process lives, its temporary folder is
    left alone; once it is gone, the next run of the same dataset removes it."""
    script = tmp_path / "slow_run.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import time
            from pathlib import Path
            from benchlab.runs import RunFolder
            root = Path({str(tmp_path / "runs")!r})
            with RunFolder(root, task="t", dataset="d", name="slow") as run:
                run.write_json("a.json", {{}})
                print(run.path, flush=True)
                time.sleep(60)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line, proc.stderr.read() if proc.stderr else ""
        leftover = Path(line)
        assert leftover.name.startswith(".tmp-") and f"@{proc.pid}@" in leftover.name
        with RunFolder(tmp_path / "runs", task="t", dataset="d", name="alive") as run:
            assert leftover.is_dir(), "the folder of a live run was removed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (leftover / "a.json").is_file()  # the kill removed nothing
    with RunFolder(tmp_path / "runs", task="t", dataset="d", name="next") as later:
        assert not leftover.exists()
    assert sorted(p.name for p in leftover.parent.iterdir()) == sorted([run.run_id, later.run_id])


def test_sweep_removes_only_folders_whose_owner_is_known_to_be_gone(tmp_path: Path) -> None:
    dead = _dead_pid()
    names = {
        "dead owner": _tmp_name("a", dead),
        "this process": _tmp_name("b", os.getpid()),
        "other host": _tmp_name("c", dead, host="elsewhere.example"),
        "unknown owner, young": ".tmp-legacy",
        "unknown owner, old": ".tmp-legacy-old",
        "a release": "1.0.0",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
    stale = time.time() - UNKNOWN_OWNER_GRACE_S - 60
    os.utime(tmp_path / names["unknown owner, old"], (stale, stale))
    removed = sweep_abandoned(tmp_path)
    assert sorted(p.name for p in removed) == sorted(
        [names["dead owner"], names["unknown owner, old"]]
    )
    kept = {p.name for p in tmp_path.iterdir()}
    assert kept == set(names.values()) - {names["dead owner"], names["unknown owner, old"]}


def test_atomic_directory_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    final = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_directory(final) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []
    with atomic_directory(final) as tmp:
        (tmp / "whole.txt").write_text("whole")
        assert not final.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    with pytest.raises(FileExistsError), atomic_directory(final) as tmp:
        (tmp / "other.txt").write_text("other")
    assert [p.name for p in final.iterdir()] == ["whole.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_checking_an_output_folder_creates_nothing(tmp_path: Path) -> None:
    from benchlab.runs import check_writable_directory

    target = tmp_path / "a" / "b"
    assert check_writable_directory(target) == target
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_under_a_file_is_refused_by_name(tmp_path: Path) -> None:
    from benchlab.errors import InputError
    from benchlab.runs import check_writable_directory

    (tmp_path / "f").write_text("")
    with pytest.raises(InputError, match=r"output folder .*/f/runs cannot be created: .* not a"):
        check_writable_directory(tmp_path / "f" / "runs")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_that_takes_no_file_is_refused_by_name() -> None:
    from benchlab.errors import InputError
    from benchlab.runs import check_writable_directory

    with pytest.raises(InputError, match="output folder /proc/forbidden cannot be created"):
        check_writable_directory("/proc/forbidden")
