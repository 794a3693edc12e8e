"""Accuracy of a released model on data that arrived after the release, and drift flags.

The release forecasts every row of the actuals file (features + ``target``); errors are
aggregated per period (a week for daily data) and compared with the release's own test error:
a period whose error exceeds ``test error × (1 + margin)`` is flagged as drift. The result is a
folder ``runs/monitor/<name>/<run_id>/`` with ``report.md``, ``error_over_time.png``,
``periods.csv`` and ``monitor.json`` (and ``report.html``), written atomically like every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.data.validation import source_name
from benchlab.errors import InputError
from benchlab.forecast.plots import error_over_time_chart
from benchlab.forecast.release.serving import forecast, read_input
from benchlab.forecast.schema import DATE, TARGET, Y_PRED
from benchlab.release.manager import LoadedRelease
from benchlab.reports.markdown import Section, image_link, markdown_table, write_sections
from benchlab.runs import RunFolder

MONITOR_METRICS = ("mae", "rmse")


@dataclass
class MonitorResult:
    run_dir: Path
    metric: str
    baseline: float
    threshold: float
    periods: pl.DataFrame  # period, rows, mae, rmse, bias, drift
    drift: bool

    @property
    def drifted_periods(self) -> list[Any]:
        return self.periods.filter(pl.col("drift"))["period"].to_list()

    def to_json(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.run_dir),
            "metric": self.metric,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "drift": self.drift,
            "drifted_periods": [str(p) for p in self.drifted_periods],
            "periods": [
                {k: (str(v) if k == "period" else v) for k, v in row.items()}
                for row in self.periods.iter_rows(named=True)
            ],
        }


def default_period(freq: str) -> str:
    """Weeks for daily (or finer) data, else the data's own frequency."""
    return "1w" if freq.endswith("d") or freq.endswith("h") else freq


def period_errors(
    scored: pl.DataFrame, *, period: str, threshold: float, metric: str
) -> pl.DataFrame:
    """MAE, RMSE and bias of ``scored`` (``date``, ``target``, ``y_pred``) per period.

    >>> import datetime as dt
    >>> scored = pl.DataFrame({"date": [dt.date(2020, 1, 6), dt.date(2020, 1, 13)],
    ...                        "target": [1.0, 5.0], "y_pred": [1.5, 1.0]})
    >>> period_errors(scored, period="1w", threshold=0.6, metric="mae")["drift"].to_list()
    [False, True]
    """
    error = pl.col(Y_PRED) - pl.col(TARGET)
    return (
        scored.group_by(pl.col(DATE).dt.truncate(period).alias("period"))
        .agg(
            pl.len().alias("rows"),
            error.abs().mean().alias("mae"),
            error.pow(2).mean().sqrt().alias("rmse"),
            error.mean().alias("bias"),
        )
        .sort("period")
        .with_columns((pl.col(metric) > threshold).alias("drift"))
    )


def monitor_release(
    release: LoadedRelease,
    actuals_path: str | Path,
    *,
    margin: float = 0.2,
    metric: str = "mae",
    period: str | None = None,
    output_dir: str | Path = "runs",
) -> MonitorResult:
    """Score ``release`` on ``actuals_path`` and write the monitoring report."""
    if metric not in MONITOR_METRICS:
        raise InputError(f"monitor metric must be one of {', '.join(MONITOR_METRICS)}: {metric!r}")
    if margin < 0:
        raise InputError(f"monitor margin must be non-negative; got {margin}")
    if next(iter(release.models.values())).info.input_kind == "series":
        raise InputError(
            f"release {release.ref} is a series model ({release.info['model_type']}): it "
            "forecasts from history rather than from feature rows, so monitoring it needs "
            "forecasts made before the actuals; not supported yet"
        )
    baseline = release.info.get("metrics", {}).get(metric)
    if baseline is None:
        raise InputError(f"release {release.ref} has no test {metric} to compare with")
    frame = read_input(actuals_path, release, needs_target=True)
    test_end = release.dataset.get("test_end")
    predictions = forecast(release, frame.drop(TARGET))
    ids = list(release.dataset["id_columns"])
    scored = frame.select(*ids, DATE, TARGET).join(predictions, on=[*ids, DATE], how="inner")
    threshold = float(baseline) * (1.0 + margin)
    period = period or default_period(release.dataset["freq"])
    periods = period_errors(scored, period=period, threshold=threshold, metric=metric)
    title = f"{release.ref}: {metric} per {period} period since the release"
    run = RunFolder(
        Path(output_dir), task="monitor", dataset=release.info["name"], name=release.info["version"]
    )
    with run:
        periods.write_csv(run.file("periods.csv"))
        figure = error_over_time_chart(
            periods,
            metric,
            baseline=float(baseline),
            threshold=threshold,
            path=run.file("error_over_time.png"),
            title=title,
        )
        result = MonitorResult(
            run_dir=run.final_path,
            metric=metric,
            baseline=float(baseline),
            threshold=threshold,
            periods=periods,
            drift=bool(periods["drift"].any()),
        )
        run.write_json("monitor.json", result.to_json())
        sections = _report_sections(
            release, result, source_name(actuals_path), figure.name, test_end, margin, period
        )
        write_sections(run.file("report.md"), f"Monitoring {release.ref}", sections)
    return result


def _report_sections(
    release: LoadedRelease,
    result: MonitorResult,
    source: str,
    figure: str,
    test_end: str | None,
    margin: float,
    period: str,
) -> list[Section]:
    """The monitoring report: status, threshold, the error chart and one row per period."""
    status = (
        f"**DRIFT** in {len(result.drifted_periods)} of {result.periods.height} periods"
        if result.drift
        else f"no drift in {result.periods.height} periods"
    )
    table = result.periods.select(
        pl.col("period").cast(pl.String).alias(f"period ({period})"),
        "rows",
        "mae",
        "rmse",
        "bias",
        pl.when(pl.col("drift")).then(pl.lit("**yes**")).otherwise(pl.lit("no")).alias("drift"),
    )
    return [
        Section(
            None,
            [
                f"Actuals: `{source}`; the release was tested up to {test_end}. Status: {status}.",
                "",
                f"A period drifts when its {result.metric} exceeds the release's test "
                f"{result.metric} ({result.baseline:.4g}) by more than {margin:.0%}: threshold "
                f"{result.threshold:.4g}.",
                "",
                image_link(f"{result.metric} over time", figure),
                "",
                markdown_table(table),
            ],
        )
    ]
