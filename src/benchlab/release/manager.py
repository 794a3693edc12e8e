"""``ComprehensiveReleaseManager``: immutable, versioned packages of one experiment of a run.

A release ``<releases_dir>/<name>/<version>/`` holds the experiment's models (their libraries'
own files), the run's resolved config, dataset description and feature mapping, the
experiment's metrics and per-SKU metrics, the run's leaderboard, a generated ``MODEL_CARD.md``,
the environment and ``manifest.json`` (SHA-256 and size of every file). It is written into a
temporary folder and renamed into place, so a crash never leaves a partial release; an existing
version is never overwritten; loading verifies every file first.

>>> manager = ComprehensiveReleaseManager("releases")                    # doctest: +SKIP
>>> manager.create("runs/forecast/synthetic/<run_id>", "demand-eu", "1.0.0")  # doctest: +SKIP
>>> release = manager.load("demand-eu@latest")                           # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.errors import InputError
from benchlab.forecast.model_types import load_saved_model
from benchlab.forecast.models.base import ForecastModel
from benchlab.forecast.results import ModelingStrategy
from benchlab.provenance import environment
from benchlab.release.refs import LATEST, ReleaseRef, check_name, check_version, highest
from benchlab.runs import file_manifest, jsonable, safe_name, sha256_file

RELEASES_ENV = "BENCHLAB_RELEASES"
MANIFEST = "manifest.json"
RELEASE_INFO = "release.json"
_RUN_FILES = ("config.yaml", "dataset.json", "feature_mapping.json", "leaderboard.csv")
_EXPERIMENT_FILES = ("metrics.json", "per_sku_metrics.parquet", "failures.json")


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
    """A verified release with its models rebuilt, ready to forecast."""

    path: Path
    info: dict[str, Any]
    models: dict[str, ForecastModel]

    @property
    def ref(self) -> ReleaseRef:
        return ReleaseRef(self.info["name"], self.info["version"])

    @property
    def dataset(self) -> dict[str, Any]:
        return self.info["dataset"]

    @property
    def strategy(self) -> ModelingStrategy:
        return ModelingStrategy(self.info["strategy"])


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
        strategy: str | None = None,
    ) -> Path:
        """Package one experiment of ``run_dir`` (default: its leaderboard's best) as a release."""
        check_name(name)
        check_version(version)
        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            raise InputError(f"run folder {run_dir} does not exist")
        run_manifest = verify_manifest(run_dir, what=f"run {run_dir.name}")
        final = self.releases_dir / name / version
        if final.exists():
            raise InputError(
                f"release {name}@{version} already exists in {self.releases_dir}: releases are "
                "immutable, choose a new version"
            )
        experiment, row = experiment_dir(run_dir, model, strategy)

        tmp = final.parent / f".tmp-{version}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            self._write(tmp, run_dir, experiment, row, run_manifest, name, version, notes)
            if final.exists():  # another process released this version meanwhile
                raise InputError(f"release {name}@{version} already exists")
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _write(
        self,
        tmp: Path,
        run_dir: Path,
        experiment: Path,
        row: dict[str, Any],
        run_manifest: dict[str, Any],
        name: str,
        version: str,
        notes: str,
    ) -> None:
        from benchlab.forecast.release.model_card import write_model_card

        for file in _RUN_FILES:
            if (run_dir / file).is_file():
                shutil.copy2(run_dir / file, tmp / file)
        for file in _EXPERIMENT_FILES:
            if (experiment / file).is_file():
                shutil.copy2(experiment / file, tmp / file)
        shutil.copytree(experiment / "models", tmp / "models")
        experiment_info = json.loads((experiment / "metrics.json").read_text())
        dataset = json.loads((run_dir / "dataset.json").read_text())
        info = {
            "name": name,
            "version": version,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "notes": notes,
            "source_run": {"path": str(run_dir.resolve()), "run_id": run_manifest.get("run_id")},
            "model": row["model"],
            "model_type": _model_type(tmp / "models"),
            "strategy": row["strategy"],
            "quantile_alphas": experiment_info.get("quantile_alphas", []),
            "hyperparameters": experiment_info.get("hyperparameters", {}),
            "primary_metric": _primary_metric(run_dir),
            "metrics": experiment_info.get("metrics", {}),
            "rank": row.get("rank"),
            "dataset": dataset,
            "git_commit": run_manifest.get("environment", {}).get("git_commit"),
        }
        (tmp / RELEASE_INFO).write_text(json.dumps(jsonable(info), indent=2, default=str))
        (tmp / "environment.json").write_text(json.dumps(environment(), indent=2))
        write_model_card(tmp / "MODEL_CARD.md", info, tmp)
        manifest = {"name": name, "version": version, "files": file_manifest(tmp)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        for file in tmp.rglob("*"):
            if file.is_file():
                file.chmod(0o444)  # immutable by convention and by permission

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
                metric = info.get("primary_metric", "rmsse")
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
        """Verify the release, then rebuild its models from their own file formats."""
        self.verify(ref)
        path = self.resolve(ref)
        info = json.loads((path / RELEASE_INFO).read_text())
        models = {
            folder.name: load_saved_model(folder)
            for folder in sorted((path / "models").iterdir())
            if folder.is_dir()
        }
        return LoadedRelease(path=path, info=info, models=models)


def experiment_dir(
    run_dir: Path, model: str | None = None, strategy: str | None = None
) -> tuple[Path, dict[str, Any]]:
    """The folder of one experiment of a run (default: the best) and its leaderboard row."""
    row = _choose_experiment(run_dir, model, strategy)
    experiment = run_dir / row["strategy"] / safe_name(row["model"])
    if not (experiment / "models").is_dir():
        raise InputError(f"run {run_dir.name}: no saved models in {experiment}")
    return experiment, row


def _choose_experiment(run_dir: Path, model: str | None, strategy: str | None) -> dict[str, Any]:
    board_path = run_dir / "leaderboard.csv"
    if not board_path.is_file():
        raise InputError(f"run {run_dir.name}: no leaderboard.csv (is this a benchlab run folder?)")
    board = pl.read_csv(board_path)
    rows = board
    if model is not None:
        rows = rows.filter(pl.col("model") == model)
    if strategy is not None:
        if strategy not in {s.value for s in ModelingStrategy}:
            raise InputError(f"strategy must be combined or individual; got {strategy!r}")
        rows = rows.filter(pl.col("strategy") == strategy)
    if rows.height == 0:
        have = ", ".join(f"{m}/{s}" for m, s in board.select("model", "strategy").iter_rows())
        raise InputError(
            f"run {run_dir.name}: no experiment with model={model!r} strategy={strategy!r} "
            f"(has: {have})"
        )
    return rows.row(0, named=True)  # the leaderboard is best first


def _model_type(models: Path) -> str:
    from benchlab.forecast.model_types import saved_model_type

    first = next((p for p in sorted(models.iterdir()) if p.is_dir()), None)
    if first is None:
        raise InputError(f"{models}: no saved models")
    return saved_model_type(first)


def _primary_metric(run_dir: Path) -> str:
    import yaml

    config = yaml.safe_load((run_dir / "config.yaml").read_text()) or {}
    return (config.get("report") or {}).get("primary_metric", "rmsse")
