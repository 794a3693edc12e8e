"""``benchlab run`` for every task: run folder, log, resolved config, report, manifest, tracking.

The runner owns what every run has in common; the task (see :mod:`benchlab.tasks`) trains and
evaluates. Layout of a run folder (``<output_dir>/<task>/<dataset>/<run_id>/``)::

    config.yaml        resolved config (after overrides)
    benchlab.log       what the run did, with timings
    leaderboard.csv    every experiment ranked on the task's primary metric
    metrics.json       the ``--json`` summary: run_dir and one entry per experiment
    report.md          the report, built from the sections the task supplies
    report.html        the same report as a self-contained page (images linked relatively)
    …                  the task's own files (models, predictions, figures)
    manifest.json      SHA-256 and size of every file, environment, git commit

The folder is written as ``.tmp-<run_id>@<host>@<pid>@<hex>`` and renamed into place when
complete; the next run sweeps such folders whose process is gone (a run killed with SIGKILL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchlab.logs import get_logger, log_to_file
from benchlab.parallel import stderr_console
from benchlab.plain import jsonable
from benchlab.reports.markdown import format_value, write_sections
from benchlab.runs import RunFolder, check_writable_directory
from benchlab.tasks import RunOutcome, Task, get_task
from benchlab.tracking import Tracker

LOG_FILE = "benchlab.log"
log = get_logger("runner")


@dataclass
class RunSummary:
    """A finished run: where it is, what its task returned, and the task itself."""

    run_dir: Path
    outcome: RunOutcome
    task: Task

    @property
    def records(self) -> list[Any]:
        return self.outcome.records

    @property
    def details(self) -> Any:
        """The task's own result object (forecast: results and evaluator)."""
        return self.outcome.details

    def to_json(self) -> dict[str, Any]:
        """``{"run_dir": <absolute path>, "results": [one entry per experiment]}``."""
        return jsonable(
            {
                "run_dir": str(Path(self.run_dir).resolve()),
                "results": [record.to_json() for record in self.outcome.records],
            }
        )


def run_task(
    config: Any,
    *,
    progress: bool = True,
    console: Console | None = None,
    extra: Callable[[RunFolder], None] | None = None,
) -> RunSummary:
    """Prepare (nothing written yet) → run into a new run folder → report → track.

    ``extra`` writes more files into the run folder before its manifest (e.g. a search).
    """
    console = console or stderr_console
    task = get_task(config.task)
    check_writable_directory(config.output_dir)
    prepared = task.prepare(config, console=console)
    run = RunFolder(
        config.output_dir, task=config.task, dataset=task.dataset_name(config), name=config.name
    )
    with run, log_to_file(run.file(LOG_FILE)):
        log.info("run %s of task %s", run.run_id, config.task)
        run.write_yaml("config.yaml", config.to_raw())
        outcome = task.run(config, prepared, run, progress=progress, console=console)
        outcome.leaderboard.write_csv(run.file("leaderboard.csv"))
        summary = RunSummary(run.final_path, outcome, task)
        run.write_json("metrics.json", summary.to_json())
        sections = task.report_sections(config, outcome, run)
        write_sections(run.file("report.md"), task.report_title(config), sections)
        if extra is not None:
            extra(run)
    track_run(config, summary)
    return summary


def track_run(config: Any, summary: RunSummary) -> str | None:
    """Log a finished run to MLflow: the config, the run folder as artifacts, and one child
    run per experiment with its parameters, metrics and timings. Returns the parent run id
    (None when tracking is off or failed; the run folder is written either way)."""
    tracker = Tracker(config.tracking, output_dir=config.output_dir, experiment=config.name)
    tags = {"benchlab.task": config.task, "benchlab.run_dir": str(summary.run_dir)}
    with tracker.run(summary.run_dir.name, params=config.to_raw(), tags=tags) as parent:
        parent.log_artifacts(summary.run_dir)
        for record in summary.records:
            params = {"model": record.model, **record.keys, **record.params}
            numbers = {
                k: float(v)
                for k, v in record.info.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            with tracker.run(record.label, params=params, parent_run_id=parent.run_id) as child:
                child.log_metrics({**record.metrics, **numbers})
    return parent.run_id


def leaderboard_table(
    board: Any, primary: str, headline: tuple[str, ...] = (), info: tuple[str, ...] = ()
) -> Table:
    """A leaderboard frame as a Rich table: rank, model and keys, the primary metric, then the
    ``headline`` metrics it has, then the ``info`` columns (all metrics when none is named)."""
    from benchlab.evaluation.leaderboard import order_metrics

    fixed = [c for c in board.columns if board.schema[c].is_numeric() is False]
    present = [c for c in board.columns if c not in fixed and c != "rank"]
    if headline:
        metrics = [m for m in (primary, *headline) if m in present]
        metrics = list(dict.fromkeys(metrics))
    else:
        metrics = order_metrics([c for c in present if c not in info], primary)
    metrics = [m for m in metrics if board[m].null_count() < board.height]
    shown = ["rank", *fixed, *metrics, *(c for c in info if c in board.columns)]
    table = Table(title=f"Leaderboard (ranked by {primary})")
    for column in shown:
        left = column in fixed
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for row in board.select(shown).iter_rows():
        table.add_row(*(format_value(v) for v in row))
    return table


def print_summary(summary: RunSummary, console: Console) -> None:
    """The task's leaderboard and where the run went."""
    summary.task.print_summary(summary.outcome, console)
    console.print(f"run folder: {summary.run_dir}", soft_wrap=True)
    console.print(f"report: {summary.run_dir / 'report.md'} (and report.html)", soft_wrap=True)
