"""The uses of a release that belong to its task: predict, monitor, export.

Each function finds the task's :class:`~benchlab.release.adapter.ReleaseAdapter` (from the
release, or from the run folder's manifest) and hands over to it; a task that does not support
the use says so in one line.

>>> release = ComprehensiveReleaseManager().load("demand-eu@latest")     # doctest: +SKIP
>>> predict_file(release, "new_features.parquet", "forecasts.parquet")   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.release.adapter import ExportReport, adapter_for
from benchlab.release.manager import (
    ComprehensiveReleaseManager,
    LoadedRelease,
    release_task,
    run_task,
    select_experiment,
    verify_manifest,
)
from benchlab.runs import safe_name

if TYPE_CHECKING:
    import polars as pl


def predict_file(
    release: LoadedRelease, input_path: str | Path, out_path: str | Path
) -> pl.DataFrame:
    """Predict every row of ``input_path`` with ``release`` and write ``out_path`` (Parquet)."""
    return release.adapter.predict_file(release, Path(input_path), Path(out_path))


def monitor_release(
    release: LoadedRelease,
    actuals: str | Path,
    *,
    margin: float = 0.2,
    metric: str | None = None,
    period: str | None = None,
    output_dir: str | Path = "runs",
) -> Any:
    """Score ``release`` on ``actuals`` per period and flag drift; the result has ``drift``,
    ``drifted_periods``, ``periods``, ``metric``, ``threshold``, ``run_dir`` and ``to_json()``."""
    return release.adapter.monitor(
        release,
        Path(actuals),
        margin=margin,
        metric=metric,
        period=period,
        output_dir=Path(output_dir),
    )


def export_target(
    target: str,
    out_dir: str | Path | None = None,
    *,
    manager: ComprehensiveReleaseManager | None = None,
    model: str | None = None,
    strategy: str | None = None,
    validate: bool = False,
    benchmark: bool = False,
    sample: str | Path | None = None,
    tolerance: float = 1e-4,
) -> ExportReport:
    """Export the models of a run folder's experiment (its best, or ``model``/``strategy``) or
    of a release (``name@version``, verified first) into ``out_dir`` (default
    ``exports/<label>``)."""
    manager = manager or ComprehensiveReleaseManager()
    path = Path(target)
    if path.is_dir():
        verify_manifest(path, what=f"run {path.name}")
        adapter = adapter_for(run_task(path))
        selection = {"strategy": strategy} if strategy is not None else {}
        experiment, row = select_experiment(path, adapter, model, selection)
        keys = [safe_name(str(row[k])) for k in adapter.selection_keys if k in row]
        label = "-".join([path.name, *keys])
        models_dir, source_dir = adapter.models_source(experiment), path
    else:
        if "@" not in target and "/" in target:
            raise InputError(f"{target}: no such run folder")
        manager.verify(target)
        source_dir = manager.resolve(target)
        adapter = adapter_for(release_task(source_dir))
        label = f"{source_dir.parent.name}-{source_dir.name}"
        models_dir = source_dir / "models"
    return adapter.export(
        models_dir,
        Path(out_dir) if out_dir else Path("exports") / label,
        label=label,
        source_dir=source_dir,
        validate=validate,
        benchmark=benchmark,
        sample=Path(sample) if sample is not None else None,
        tolerance=tolerance,
    )


def report_lines(report: ExportReport) -> list[str]:
    """What ``benchlab export`` prints about ``report``."""
    return report.lines()
