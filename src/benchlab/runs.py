"""Run folders: written in a temporary folder, given a manifest, then renamed into place.

A reader never sees a half-written run: until the rename, the folder is
``.tmp-<run_id>@<host>@<pid>@<hex>``. The owner in its name lets the next run of the same
dataset remove it when that process is gone (a run killed with SIGKILL cleans up nothing).

>>> with RunFolder(Path("runs"), task="forecast", dataset="synthetic", name="quick") as run:
...     run.write_json("metrics.json", {"rmsse": 0.8})                   # doctest: +SKIP
>>> run.final_path                                                       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl
import yaml

from benchlab.plain import jsonable
from benchlab.provenance import environment

_SAFE = re.compile(r"[^A-Za-z0-9_.=-]+")
TMP_PREFIX = ".tmp-"
UNKNOWN_OWNER_GRACE_S = 3600.0  # a temporary folder without an owner in its name, left alone


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


def _owner_tag() -> str:
    return f"{safe_name(socket.gethostname())}@{os.getpid()}"


def _abandoned(folder: Path, host: str, now: float) -> bool:
    """Whether ``folder`` (a ``.tmp-…`` sibling) belongs to a process of this host that is gone.

    ``<stem>@<host>@<pid>@<hex>`` names its owner; a folder of another host is never touched (its
    process cannot be checked from here); one without an owner is removed only when nothing
    changed in it for ``UNKNOWN_OWNER_GRACE_S``.
    """
    parts = folder.name[len(TMP_PREFIX) :].rsplit("@", 3)
    if len(parts) != 4 or not parts[2].isdigit():
        try:
            return now - folder.stat().st_mtime > UNKNOWN_OWNER_GRACE_S
        except FileNotFoundError:
            return False
    owner_host, pid = parts[1], int(parts[2])
    if owner_host != host or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False


def sweep_abandoned(parent: Path) -> list[Path]:
    """Remove the temporary folders in ``parent`` whose owning process is gone; return them."""
    if not parent.is_dir():
        return []
    host, now = safe_name(socket.gethostname()), time.time()
    removed = []
    for folder in parent.iterdir():
        if folder.name.startswith(TMP_PREFIX) and folder.is_dir() and _abandoned(folder, host, now):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def scratch_directory(parent: str | Path, stem: str) -> Iterator[Path]:
    """A new folder ``<parent>/.tmp-<stem>@<host>@<pid>@<hex>``, removed when the block ends.

    Its name records the process that owns it; abandoned siblings (their process is gone) are
    swept first, so a process killed with SIGKILL leaves its folder only until the next one.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    sweep_abandoned(parent)
    path = parent / f"{TMP_PREFIX}{stem}@{_owner_tag()}@{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def atomic_directory(final: str | Path) -> Iterator[Path]:
    """A temporary folder beside ``final`` to write into, renamed onto ``final`` when the block
    ends without error and removed otherwise, so a reader never sees a half-written folder.

    ``final`` must not exist: an existing one (even one that appeared meanwhile) raises
    ``FileExistsError`` and is left as it was.

    >>> with atomic_directory(Path(tempfile.mkdtemp()) / "run") as tmp:  # doctest: +SKIP
    ...     (tmp / "a.json").write_text("{}")
    """
    final = Path(final)
    with scratch_directory(final.parent, final.name) as tmp:
        yield tmp
        if final.exists():
            raise FileExistsError(f"{final} already exists")
        os.rename(tmp, final)


def check_writable_directory(path: str | Path, *, what: str = "output folder") -> Path:
    """Check, creating nothing, that ``path`` is a folder that can be written, or one that can
    be created: its nearest existing ancestor must be a folder that takes a new file. A failure
    is one :class:`~benchlab.errors.InputError` naming the folder, raised before work starts.

    >>> check_writable_directory("/proc/benchlab-test")
    Traceback (most recent call last):
    ...
    benchlab.errors.InputError: output folder /proc/benchlab-test cannot be created: ...
    """
    from benchlab.errors import InputError

    folder = Path(path).absolute()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    verb = "written" if existing == folder else "created"
    if not existing.is_dir():
        raise InputError(f"{what} {path} cannot be {verb}: {existing} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".benchlab-write-check-"):
            pass
    except OSError as exc:
        where = "" if existing == folder else f"{existing} takes no new entry: "
        raise InputError(
            f"{what} {path} cannot be {verb}: {where}{exc.strerror or exc} "
            "(choose a folder you can write)"
        ) from None
    return folder


def file_manifest(root: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of every file under ``root``, keyed by POSIX relative path."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {
        p.relative_to(root).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
        for p in files
    }


class RunFolder:
    """``<root>/<task>/<dataset>/<run_id>/`` written atomically, with ``manifest.json``.

    Inside the ``with`` block, ``path`` is the temporary folder being written (entering also
    sweeps the abandoned temporary folders of the same dataset); ``final_path`` is where the
    run appears when the block ends without error.
    """

    path: Path

    def __init__(self, root: Path, *, task: str, dataset: str, name: str) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.run_id = f"{stamp}-{safe_name(name)}-{uuid.uuid4().hex[:6]}"
        self.task, self.dataset = task, dataset
        parent = Path(root) / safe_name(task) / safe_name(dataset)
        self.final_path = parent / self.run_id
        self.extra_manifest: dict[str, Any] = {}
        self._stack = ExitStack()

    def __enter__(self) -> RunFolder:
        self.path = self._stack.enter_context(atomic_directory(self.final_path))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                self._write_manifest()
            except BaseException as error:
                self._stack.__exit__(type(error), error, error.__traceback__)
                raise
        self._stack.__exit__(exc_type, exc, tb)

    def _write_manifest(self) -> None:
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
