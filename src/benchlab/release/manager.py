"""``ComprehensiveReleaseManager``: immutable, versioned packages of one experiment of a run.

A release ``<releases_dir>/<name>/<version>/`` holds the experiment's models (their libraries'
own files), the run files and experiment files its task's adapter names (for forecasting: the
resolved config, dataset description, feature mapping, metrics, per-SKU metrics and the run's
leaderboard), a generated ``MODEL_CARD.md``, the environment, ``release.json`` and
``manifest.json`` (SHA-256 and size of every file). It is written into a temporary folder and
renamed into place, so a crash never leaves a partial release; an existing version is never
overwritten; loading verifies every file first, then asks the task to rebuild the models.

The engine knows no task: it reads the run's task from its ``manifest.json`` and reaches it
through :func:`benchlab.release.adapter.adapter_for`.

>>> manager = ComprehensiveReleaseManager("releases")                    # doctest: +SKIP
>>> manager.create("runs/forecast/synthetic/<run_id>", "demand-eu", "1.0.0")  # doctest: +SKIP
>>> release = manager.load("demand-eu@latest")                           # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.errors import InputError
from benchlab.plain import jsonable
from benchlab.provenance import environment
from benchlab.release.adapter import ReleaseAdapter, adapter_for
from benchlab.release.refs import LATEST, ReleaseRef, check_name, check_version, highest
from benchlab.runs import atomic_directory, file_manifest, sha256_file

RELEASES_ENV = "BENCHLAB_RELEASES"
MANIFEST = "manifest.json"
RELEASE_INFO = "release.json"
MODEL_CARD = "MODEL_CARD.md"


def default_releases_dir() -> Path:
    """``$BENCHLAB_RELEASES`` when set, else ``./releases``."""
    return Path(os.environ.get(RELEASES_ENV) or "releases")


def verify_manifest(folder: Path, *, what: str) -> dict[str, Any]:
    """Check every file of ``folder`` against its ``manifest.json``; return the manifest.

    A changed, missing or unlisted file raises an error naming it.
    """
    path = folder / MANIFEST
    if not path.is_file():
        raise InputError(f"{what}: no {MANIFEST} in {folder}")
    manifest = json.loads(path.read_text())
    listed: dict[str, dict[str, Any]] = manifest.get("files", {})
    for rel, entry in listed.items():
        file = folder / rel
        if not file.is_file():
            raise InputError(f"{what}: file {rel} listed in the manifest is missing")
        if file.stat().st_size != entry["bytes"] or sha256_file(file) != entry["sha256"]:
            raise InputError(
                f"{what}: file {rel} does not match its SHA-256 in the manifest "
                "(changed after it was written)"
            )
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    extra = sorted(present - set(listed) - {MANIFEST})
    if extra:
        raise InputError(f"{what}: file(s) not in the manifest: {', '.join(extra[:5])}")
    return manifest


def run_task(run_dir: Path) -> str:
    """The task of a run folder, from its ``manifest.json`` (written by ``RunFolder``)."""
    path = run_dir / MANIFEST
    if not path.is_file():
        raise InputError(f"run {run_dir.name}: no {MANIFEST} (is this a benchlab run folder?)")
    task = json.loads(path.read_text()).get("task")
    if not isinstance(task, str) or not task:
        raise InputError(f"run {run_dir.name}: its {MANIFEST} names no task")
    return task


def release_task(release_dir: Path) -> str:
    """The task of a release folder, from its ``release.json``."""
    task = json.loads((release_dir / RELEASE_INFO).read_text()).get("task")
    if not isinstance(task, str) or not task:
        where = f"{release_dir.parent.name}@{release_dir.name}"
        raise InputError(f"release {where}: its {RELEASE_INFO} names no task")
    return task


@dataclass
class ReleaseSummary:
    """One line of ``benchlab release list``."""

    name: str
    version: str
    created: str
    model: str
    strategy: str
    primary_metric: str
    primary_value: float | None
    path: Path


@dataclass
class LoadedRelease:
    """A verified release with its models rebuilt by its task's adapter, ready to use."""

    path: Path
    info: dict[str, Any]
    models: dict[str, Any]
    adapter: ReleaseAdapter

    @property
    def ref(self) -> ReleaseRef:
        return ReleaseRef(self.info["name"], self.info["version"])

    @property
    def task(self) -> str:
        return self.info["task"]

    @property
    def dataset(self) -> dict[str, Any]:
        """The description of the training data the task recorded (``{}`` when none)."""
        return self.info.get("dataset") or {}


class ComprehensiveReleaseManager:
    """Create, list, show, verify and load releases under ``releases_dir``."""

    def __init__(self, releases_dir: str | Path | None = None) -> None:
        self.releases_dir = Path(releases_dir) if releases_dir else default_releases_dir()

    # --- create -------------------------------------------------------------------------
    def create(
        self,
        run_dir: str | Path,
        name: str,
        version: str,
        *,
        notes: str = "",
        model: str | None = None,
        **selection: str | None,
    ) -> Path:
        """Package one experiment of ``run_dir`` as a release: its leaderboard's best, or the
        best with ``model`` and the task's other selection keys (forecast: ``strategy``)."""
        check_name(name)
        check_version(version)
        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            raise InputError(f"run folder {run_dir} does not exist")
        run_manifest = verify_manifest(run_dir, what=f"run {run_dir.name}")
        task = run_task(run_dir)
        adapter = adapter_for(task)
        final = self.releases_dir / name / version
        if final.exists():
            raise _exists(name, version, self.releases_dir)
        chosen = {key: value for key, value in selection.items() if value is not None}
        experiment, row = select_experiment(run_dir, adapter, model, chosen)
        try:
            with atomic_directory(final) as tmp:
                info = {
                    "name": name,
                    "version": version,
                    "task": task,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "notes": notes,
                    "source_run": {
                        "path": str(run_dir.resolve()),
                        "run_id": run_manifest.get("run_id"),
                    },
                    "model": row["model"],
                    **adapter.release_info(run_dir, experiment, row),
                    "primary_metric": _primary_metric(run_dir, task),
                    "metrics": adapter.experiment_metrics(experiment, row),
                    "rank": row.get("rank"),
                    "git_commit": run_manifest.get("environment", {}).get("git_commit"),
                }
                _write(tmp, run_dir, experiment, adapter, info)
        except FileExistsError:  # another process released this version meanwhile
            raise _exists(name, version, self.releases_dir) from None
        return final

    # --- read ---------------------------------------------------------------------------
    def versions(self, name: str) -> list[str]:
        """Released versions of ``name``, lowest first (temporary folders are not releases)."""
        folder = self.releases_dir / check_name(name)
        if not folder.is_dir():
            return []
        found = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return sorted(found, key=check_version)

    def resolve(self, ref: str | ReleaseRef) -> Path:
        """The folder of ``name@version`` (``latest``: the highest version)."""
        ref = ref if isinstance(ref, ReleaseRef) else ReleaseRef.parse(ref)
        version = ref.version
        if version == LATEST:
            version = highest(self.versions(ref.name)) or ""
            if not version:
                raise InputError(f"no release named {ref.name!r} in {self.releases_dir}")
        path = self.releases_dir / ref.name / version
        if not path.is_dir():
            known = ", ".join(self.versions(ref.name)) or "none"
            raise InputError(f"release {ref.name}@{version} not found (versions: {known})")
        return path

    def show(self, ref: str | ReleaseRef) -> dict[str, Any]:
        """The release's ``release.json``."""
        return json.loads((self.resolve(ref) / RELEASE_INFO).read_text())

    def verify(self, ref: str | ReleaseRef) -> dict[str, Any]:
        """Check every file's SHA-256 against the manifest; raises naming the first bad file."""
        path = self.resolve(ref)
        return verify_manifest(path, what=f"release {path.parent.name}@{path.name}")

    def list_releases(self, name: str | None = None) -> list[ReleaseSummary]:
        """Every release (of ``name``), by name then version."""
        if not self.releases_dir.is_dir():
            return []
        names = [name] if name else sorted(p.name for p in self.releases_dir.iterdir())
        rows = []
        for release_name in names:
            for version in self.versions(release_name):
                path = self.releases_dir / release_name / version
                info = json.loads((path / RELEASE_INFO).read_text())
                metric = info.get("primary_metric", "")
                rows.append(
                    ReleaseSummary(
                        name=release_name,
                        version=version,
                        created=info.get("created", ""),
                        model=info.get("model", ""),
                        strategy=info.get("strategy", ""),
                        primary_metric=metric,
                        primary_value=info.get("metrics", {}).get(metric),
                        path=path,
                    )
                )
        return rows

    def load(self, ref: str | ReleaseRef) -> LoadedRelease:
        """Verify the release, then have its task rebuild the models from their own files."""
        self.verify(ref)
        path = self.resolve(ref)
        info = json.loads((path / RELEASE_INFO).read_text())
        adapter = adapter_for(release_task(path))
        models = adapter.load_models(path / "models")
        return LoadedRelease(path=path, info=info, models=models, adapter=adapter)


def select_experiment(
    run_dir: Path,
    adapter: ReleaseAdapter,
    model: str | None = None,
    selection: dict[str, str] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """The folder of one experiment of a run and its leaderboard row: the best one, or the best
    whose ``model`` and ``selection`` columns (the adapter's selection keys) match."""
    wanted = {**({"model": model} if model is not None else {}), **(selection or {})}
    adapter.check_selection(wanted)
    board_path = run_dir / "leaderboard.csv"
    if not board_path.is_file():
        raise InputError(f"run {run_dir.name}: no leaderboard.csv (is this a benchlab run folder?)")
    board = pl.read_csv(board_path)
    keys = [k for k in adapter.selection_keys if k in board.columns]
    rows = board
    for key, value in wanted.items():
        rows = rows.filter(pl.col(key).cast(pl.String) == str(value))
    if rows.height == 0:
        have = ", ".join("/".join(str(v) for v in r) for r in board.select(keys).iter_rows())
        asked = " ".join(f"{key}={wanted.get(key)!r}" for key in keys)
        raise InputError(f"run {run_dir.name}: no experiment with {asked} (has: {have})")
    row = rows.row(0, named=True)  # the leaderboard is best first
    experiment = adapter.experiment_path(run_dir, row)
    if not adapter.models_source(experiment).is_dir():
        raise InputError(f"run {run_dir.name}: no saved models in {experiment}")
    return experiment, row


def _write(
    tmp: Path, run_dir: Path, experiment: Path, adapter: ReleaseAdapter, info: dict[str, Any]
) -> None:
    for source, files in ((run_dir, adapter.run_files), (experiment, adapter.experiment_files)):
        for file in files:
            if (source / file).is_file():
                shutil.copy2(source / file, tmp / file)
    adapter.copy_models(adapter.models_source(experiment), tmp / "models")
    (tmp / RELEASE_INFO).write_text(json.dumps(jsonable(info), indent=2, default=str))
    (tmp / "environment.json").write_text(json.dumps(environment(), indent=2))
    (tmp / MODEL_CARD).write_text(adapter.model_card(info, tmp))
    manifest = {"name": info["name"], "version": info["version"], "files": file_manifest(tmp)}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
    for file in tmp.rglob("*"):
        if file.is_file():
            file.chmod(0o444)  # immutable by convention and by permission


def _exists(name: str, version: str, releases_dir: Path) -> InputError:
    return InputError(
        f"release {name}@{version} already exists in {releases_dir}: releases are "
        "immutable, choose a new version"
    )


def _primary_metric(run_dir: Path, task: str) -> str:
    """The metric the run ranked by, as its task reads it from the run's config."""
    from benchlab.config import parse_run_config, read_yaml_mapping
    from benchlab.tasks import get_task

    source = run_dir / "config.yaml"
    config = parse_run_config(read_yaml_mapping(source), source=str(source))
    return get_task(task).primary_metric_of(config)
