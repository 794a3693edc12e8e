"""What a task supplies to releases: which files a release copies, how an experiment is chosen,
how its models are rebuilt, its model card, and (optionally) serving, monitoring and export.

The engine (:mod:`benchlab.release.manager`, :mod:`benchlab.release.dispatch`) writes, verifies
and finds releases; it reaches a task's models only through the task's adapter, got by name::

    adapter = adapter_for("forecast")   # benchlab.tasks.get_task("forecast").release_adapter()

A task without releases returns ``None`` from ``Task.release_adapter`` and every release
command says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from benchlab.errors import InputError
from benchlab.runs import safe_name

if TYPE_CHECKING:
    import polars as pl

    from benchlab.release.manager import LoadedRelease


class ExportReport(Protocol):
    """What :meth:`ReleaseAdapter.export` returns (``benchlab export`` prints its lines)."""

    out_dir: Path

    @property
    def parity_ok(self) -> bool: ...

    def lines(self) -> list[str]: ...


class ReleaseAdapter:
    """The release hooks of one task. Subclasses set ``task`` and implement ``load_models`` and
    ``model_card``; the other hooks have defaults (serving, monitoring and export refuse).

    ``selection_keys`` are the leaderboard columns that pick an experiment of a run
    (``model`` first; e.g. ``strategy`` for forecasting). An experiment's files live in
    :meth:`experiment_path` and its saved models in :meth:`models_source` (by default
    ``<experiment>/models/``).
    """

    task: ClassVar[str] = "task"
    run_files: ClassVar[tuple[str, ...]] = ("config.yaml", "leaderboard.csv")
    experiment_files: ClassVar[tuple[str, ...]] = ("metrics.json",)
    selection_keys: ClassVar[tuple[str, ...]] = ("model",)

    # --- packaging ----------------------------------------------------------------------------
    def check_selection(self, selection: dict[str, str]) -> None:
        """Refuse an unknown selection key or value (before the leaderboard is read)."""
        unknown = sorted(set(selection) - set(self.selection_keys))
        if unknown:
            raise InputError(
                f"task {self.task!r} selects experiments by {', '.join(self.selection_keys)}; "
                f"unknown: {', '.join(unknown)}"
            )

    def experiment_path(self, run_dir: Path, row: dict[str, Any]) -> Path:
        """The folder of the experiment of ``run_dir`` whose leaderboard row is ``row``."""
        return run_dir / safe_name(row["model"])

    def models_source(self, experiment: Path) -> Path:
        """The folder of an experiment's saved models (a release holds them as ``models/``)."""
        return experiment / "models"

    def copy_models(self, source: Path, target: Path) -> None:
        """Copy the saved models of ``source`` into ``target``, a release's ``models/``."""
        shutil.copytree(source, target)

    def experiment_metrics(self, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        """The metrics a release records: the ``metrics`` of ``<experiment>/metrics.json``."""
        path = experiment / "metrics.json"
        return json.loads(path.read_text()).get("metrics", {}) if path.is_file() else {}

    def release_info(self, run_dir: Path, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        """Fields of ``release.json`` beyond the common ones (name, version, task, metrics …)."""
        return {key: row[key] for key in self.selection_keys if key in row}

    def load_models(self, models_dir: Path) -> dict[str, Any]:
        """Rebuild the models saved under ``models_dir`` (its files are already verified)."""
        raise NotImplementedError(f"task {self.task!r}: load_models is not implemented")

    def model_card(self, info: dict[str, Any], release_dir: Path) -> str:
        """The Markdown of ``MODEL_CARD.md`` for the release ``info`` (its ``release.json``)."""
        raise NotImplementedError(f"task {self.task!r}: model_card is not implemented")

    # --- optional uses of a release -----------------------------------------------------------
    def predict_file(
        self, release: LoadedRelease, input_path: Path, out_path: Path
    ) -> pl.DataFrame:
        """Predict every row of ``input_path`` and write ``out_path`` (``benchlab predict``)."""
        raise InputError(f"task {self.task!r} does not support predicting from a release")

    def monitor(
        self,
        release: LoadedRelease,
        actuals: Path,
        *,
        margin: float,
        metric: str | None,
        period: str | None,
        output_dir: Path,
    ) -> Any:
        """Score the release on new actuals and flag drift (``benchlab release monitor``)."""
        raise InputError(f"task {self.task!r} does not support monitoring a release")

    def export(
        self,
        models_dir: Path,
        out_dir: Path,
        *,
        label: str,
        source_dir: Path,
        validate: bool,
        benchmark: bool,
        sample: Path | None,
        tolerance: float,
    ) -> ExportReport:
        """Export the models of ``models_dir`` (``source_dir``: the run or release folder)."""
        raise InputError(f"task {self.task!r} does not support exporting its models")


def adapter_for(task: str) -> ReleaseAdapter:
    """The release adapter of task ``task``; a task without one gives a clear error."""
    from benchlab.tasks import get_task

    adapter = get_task(task).release_adapter()
    if adapter is None:
        raise InputError(f"task {task!r} has no releases: it supplies no release adapter")
    return adapter
