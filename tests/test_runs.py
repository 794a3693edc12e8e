"""Run folders are atomic and self-describing."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from benchlab.runs import RunFolder, safe_name, sha256_file


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
