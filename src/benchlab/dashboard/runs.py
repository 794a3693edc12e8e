"""Read the run folders of any task, as the dashboard shows them.

A run folder is ``<root>/<task>/<dataset>/<run_id>/`` as :mod:`benchlab.runner` writes it:
``manifest.json`` (task, dataset, run id, date), ``leaderboard.csv`` (one row per experiment,
best first: ``rank, model, <keys>, <metrics, primary first>, <info>``), ``metrics.json`` (the
same experiments with their metrics apart from their keys and info), ``config.yaml`` and
``report.md``. Folders being written (``.tmp-…``) and other hidden folders are skipped; a
folder that looks like a run but cannot be read is kept as a :class:`BrokenRun` with the
reason, so the dashboard can say so instead of failing or hiding it.

>>> catalog = load_catalog(Path("runs"))            # doctest: +SKIP
>>> [run.label for run in catalog.runs]             # doctest: +SKIP
['forecast/synthetic/20250101-120000-m5_quick-1a2b3c']
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from benchlab.errors import InputError

MANIFEST = "manifest.json"
LEADERBOARD = "leaderboard.csv"
METRICS = "metrics.json"
CONFIG = "config.yaml"
REPORT = "report.md"
RUN_FILES = (MANIFEST, LEADERBOARD, METRICS, CONFIG)
RUN_DEPTH = 3  # <root>/<task>/<dataset>/<run_id>
FINISHED, PARTIAL, FAILED, BROKEN = "finished", "partial", "failed", "broken"


@dataclass(frozen=True)
class Run:
    """One complete run folder: its identity, its ranked experiments and its config."""

    path: Path
    run_id: str
    task: str
    dataset: str
    created: str
    leaderboard: pl.DataFrame
    primary_metric: str | None
    metrics: tuple[str, ...]
    keys: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``<task>/<dataset>/<run_id>``: how the dashboard names the run."""
        return f"{self.task}/{self.dataset}/{self.run_id}"

    @property
    def info(self) -> tuple[str, ...]:
        """The leaderboard's numbers that are not metrics (timings, counts)."""
        fixed = {"rank", "model", *self.keys, *self.metrics}
        return tuple(c for c in self.leaderboard.columns if c not in fixed)

    def parquet_files(self, *columns: str) -> list[Path]:
        """The run's Parquet files whose schema has every one of ``columns`` (any case)."""
        wanted = {c.lower() for c in columns}
        found = []
        for path in sorted(self.path.rglob("*.parquet")):
            try:
                names = {name.lower() for name in pl.read_parquet_schema(path)}
            except Exception:  # an unreadable file is no candidate  # noqa: BLE001
                continue
            if wanted <= names:
                found.append(path)
        return found


@dataclass(frozen=True)
class BrokenRun:
    """A folder that looks like a run but cannot be read, and why."""

    path: Path
    reason: str

    @property
    def label(self) -> str:
        return "/".join(self.path.parts[-RUN_DEPTH:])


@dataclass(frozen=True)
class RunCatalog:
    """Every run folder under ``root``: the readable runs, newest first, and the broken ones."""

    root: Path
    runs: tuple[Run, ...]
    broken: tuple[BrokenRun, ...] = ()

    def tasks(self) -> list[str]:
        """The tasks that have runs, sorted."""
        return sorted({run.task for run in self.runs})

    def of_task(self, task: str) -> list[Run]:
        return [run for run in self.runs if run.task == task]

    def select(self, labels: Sequence[str]) -> list[Run]:
        """The runs named by ``labels`` (unknown labels are ignored), in catalog order."""
        wanted = set(labels)
        return [run for run in self.runs if run.label in wanted]

    def notes(self) -> list[str]:
        """One line per broken run: ``<label>: <reason>``."""
        return [f"{run.label}: {run.reason}" for run in self.broken]


def find_run_folders(root: Path) -> Iterator[Path]:
    """Folders under ``root`` that are, or look like, run folders (sorted, hidden ones skipped).

    A folder with ``manifest.json`` is a run (its sub-folders are not searched); one at run
    depth (``<task>/<dataset>/<run_id>``) with another run file but no manifest is an incomplete
    run. ``root`` may itself be a run folder, or a task or dataset folder.
    """
    if (root / MANIFEST).is_file():
        yield root
        return
    yield from _walk(root, 1)


def _walk(folder: Path, depth: int) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        if (child / MANIFEST).is_file():
            yield child
        elif depth < RUN_DEPTH:
            yield from _walk(child, depth + 1)
        elif any((child / name).is_file() for name in RUN_FILES):
            yield child


def read_run(path: Path) -> Run:
    """The run in folder ``path``; what makes it unreadable raises :class:`InputError`."""
    manifest = _read_json(path / MANIFEST, "no manifest.json (an incomplete run)")
    if not isinstance(manifest, dict) or not all(k in manifest for k in ("task", "run_id")):
        raise InputError("manifest.json has no task or run_id")
    results = _results(path / METRICS)
    keys, metrics = _keys_and_metrics(results)
    board = _leaderboard(path / LEADERBOARD, keys)
    missing = [m for m in metrics if m not in board.columns]
    if missing:
        raise InputError(f"leaderboard.csv lacks the metrics {', '.join(missing)}")
    primary = next((c for c in board.columns if c in metrics), None)
    return Run(
        path=path,
        run_id=str(manifest["run_id"]),
        task=str(manifest["task"]),
        dataset=str(manifest.get("dataset", path.parent.name)),
        created=str(manifest.get("created", "")),
        leaderboard=board,
        primary_metric=primary,
        metrics=tuple(m for m in board.columns if m in metrics),
        keys=keys,
        config=_config(path / CONFIG),
    )


def load_catalog(root: str | Path) -> RunCatalog:
    """Every run under ``root``, newest first; a missing ``root`` is an :class:`InputError`."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(
            f"runs folder not found: {root} (run `benchlab run <config>` first, or name the "
            "folder that holds runs/<task>/<dataset>/<run_id>/)"
        )
    runs: list[Run] = []
    broken: list[BrokenRun] = []
    for folder in find_run_folders(root):
        try:
            runs.append(read_run(folder))
        except InputError as exc:
            broken.append(BrokenRun(folder, str(exc)))
    runs.sort(key=lambda run: (run.created, run.run_id), reverse=True)
    return RunCatalog(root=root, runs=tuple(runs), broken=tuple(broken))


def experiment_label(model: str, keys: Sequence[Any]) -> str:
    """``lightgbm [combined]``: a model and its keys (as the engine's records label them)."""
    shown = [str(k) for k in keys if k is not None]
    return f"{model} [{', '.join(shown)}]" if shown else str(model)


def experiments(runs: Sequence[Run]) -> pl.DataFrame:
    """Every experiment of ``runs``, one row each: ``run, dataset, experiment``, the leaderboard
    columns (``rank`` is the rank within its run), then columns no row fills are dropped."""
    frames = []
    for run in runs:
        board = run.leaderboard
        label = [
            experiment_label(row[0], row[1:]) for row in board.select("model", *run.keys).rows()
        ]
        frames.append(
            board.with_columns(
                pl.lit(run.run_id).alias("run"),
                pl.lit(run.dataset).alias("dataset"),
                pl.Series("experiment", label, dtype=pl.String()),
            )
        )
    if not frames:
        return pl.DataFrame(schema={"run": pl.String(), "experiment": pl.String()})
    frame = pl.concat(frames, how="diagonal_relaxed")
    front = ["run", "dataset", "experiment", "rank", "model"]
    frame = frame.select(*front, *(c for c in frame.columns if c not in front))
    return frame.select(c for c in frame.columns if frame[c].null_count() < frame.height)


def training_status(catalog: RunCatalog) -> pl.DataFrame:
    """``run, task, dataset, model, status, note``: one row per experiment of every run, plus
    one per broken run.

    ``status`` is the experiment's own ``status`` column when its task writes one, else
    ``failed`` when it has no value of its run's primary metric, ``partial`` when it counts
    failed units (``n_failed`` > 0, e.g. SKUs a forecaster could not fit), else ``finished``;
    a run folder that cannot be read is ``broken``, with the reason as its note.
    """
    rows: list[dict[str, Any]] = []
    for run in catalog.runs:
        board = run.leaderboard
        for row in board.iter_rows(named=True):
            status, note = _status(row, run.primary_metric)
            model = experiment_label(row["model"], [row.get(k) for k in run.keys])
            rows.append(
                {"run": run.run_id, "task": run.task, "dataset": run.dataset, "model": model,
                 "status": status, "note": note}
            )  # fmt: skip
    for broken in catalog.broken:
        parts = broken.path.parts
        rows.append(
            {"run": parts[-1], "task": parts[-3] if len(parts) >= 3 else "?",
             "dataset": parts[-2] if len(parts) >= 2 else "?", "model": "—",
             "status": BROKEN, "note": broken.reason}
        )  # fmt: skip
    schema = {c: pl.String() for c in ("run", "task", "dataset", "model", "status", "note")}
    return pl.DataFrame(rows, schema=schema, orient="row")


def status_matrix(status: pl.DataFrame) -> pl.DataFrame:
    """Models × runs: one row per ``task · model``, one column per run, cells the status
    (``—`` where the run has no such model)."""
    if status.is_empty():
        return pl.DataFrame(schema={"task · model": pl.String()})
    wide = status.with_columns(
        (pl.col("task") + pl.lit(" · ") + pl.col("model")).alias("task · model")
    ).pivot(on="run", index="task · model", values="status", aggregate_function="first")
    return wide.sort("task · model").fill_null("—")


def _status(row: dict[str, Any], primary: str | None) -> tuple[str, str]:
    if row.get("status"):
        return str(row["status"]), ""
    value = row.get(primary) if primary else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return FAILED, f"no {primary} value"
    failed = row.get("n_failed")
    if isinstance(failed, int | float) and failed > 0:
        return PARTIAL, f"{int(failed)} failed unit(s)"
    return FINISHED, ""


def _read_json(path: Path, missing: str) -> Any:
    if not path.is_file():
        raise InputError(missing)
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path.name} cannot be read: {exc}") from exc


def _results(path: Path) -> list[dict[str, Any]]:
    payload = _read_json(path, "no metrics.json")
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise InputError("metrics.json has no list of results")
    return results


def _keys_and_metrics(results: list[dict[str, Any]]) -> tuple[tuple[str, ...], set[str]]:
    """A result is ``{"model", <keys>, "metrics", <info>}``: the keys are what comes between."""
    keys: dict[str, None] = {}
    metrics: set[str] = set()
    for result in results:
        names = list(result)
        if "metrics" not in names or not isinstance(result["metrics"], dict):
            raise InputError("metrics.json: a result has no metrics")
        keys.update(dict.fromkeys(n for n in names[: names.index("metrics")] if n != "model"))
        metrics.update(result["metrics"])
    return tuple(keys), metrics


def _leaderboard(path: Path, keys: tuple[str, ...]) -> pl.DataFrame:
    if not path.is_file():
        raise InputError("no leaderboard.csv")
    try:
        board = pl.read_csv(
            path, schema_overrides={k: pl.String() for k in ("model", *keys)}, raise_if_empty=False
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"leaderboard.csv cannot be read: {exc}") from exc
    for column in ("rank", "model"):
        if column not in board.columns:
            raise InputError(f"leaderboard.csv has no {column!r} column")
    return board


def _config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
