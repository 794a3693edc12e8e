"""Run folders: written in a temporary folder, given a manifest, then renamed into place.

A reader never sees a half-written run: until the rename, the folder is ``.tmp-<run_id>``.

>>> with RunFolder(Path("runs"), task="forecast", dataset="synthetic", name="quick") as run:
...     run.write_json("metrics.json", {"rmsse": 0.8})                   # doctest: +SKIP
>>> run.final_path                                                       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl
import yaml

from benchlab.provenance import environment

_SAFE = re.compile(r"[^A-Za-z0-9_.=-]+")


def safe_name(text: str) -> str:
    """A path component derived from ``text``: ``safe_name('m5 quick/v2') == 'm5_quick_v2'``."""
    cleaned = _SAFE.sub("_", str(text)).strip("._")
    return cleaned or "unnamed"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` when the block ends
    without error, removed otherwise, so a reader never sees a half-written file.

    >>> with atomic_path(Path(tempfile.mkdtemp()) / "out.txt") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("done")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def file_manifest(root: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of every file under ``root``, keyed by POSIX relative path."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {
        p.relative_to(root).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
        for p in files
    }


def jsonable(value: Any) -> Any:
    """``value`` with NaN/inf floats turned into ``None`` so it is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class RunFolder:
    """``<root>/<task>/<dataset>/<run_id>/`` written atomically, with ``manifest.json``."""

    def __init__(self, root: Path, *, task: str, dataset: str, name: str) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.run_id = f"{stamp}-{safe_name(name)}-{uuid.uuid4().hex[:6]}"
        self.task, self.dataset = task, dataset
        parent = Path(root) / safe_name(task) / safe_name(dataset)
        self.final_path = parent / self.run_id
        self.path = parent / f".tmp-{self.run_id}"
        self.extra_manifest: dict[str, Any] = {}

    def __enter__(self) -> RunFolder:
        self.path.mkdir(parents=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        manifest = {
            "run_id": self.run_id,
            "task": self.task,
            "dataset": self.dataset,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "environment": environment(),
            **self.extra_manifest,
            "files": file_manifest(self.path),
        }
        self.write_json("manifest.json", manifest)
        os.replace(self.path, self.final_path)

    def file(self, relative: str) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def directory(self, relative: str) -> Path:
        target = self.path / relative
        target.mkdir(parents=True, exist_ok=True)
        return target

    def write_json(self, relative: str, payload: Any) -> Path:
        target = self.file(relative)
        target.write_text(json.dumps(jsonable(payload), indent=2, default=str, allow_nan=False))
        return target

    def write_yaml(self, relative: str, payload: Any) -> Path:
        target = self.file(relative)
        target.write_text(yaml.safe_dump(payload, sort_keys=False))
        return target

    def write_parquet(self, relative: str, frame: pl.DataFrame) -> Path:
        target = self.file(relative)
        frame.write_parquet(target)
        return target
