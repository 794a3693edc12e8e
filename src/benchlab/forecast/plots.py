"""PNG figures of a forecast benchmark: the leaderboard by strategy, per-SKU fan charts, and the
error over time of a monitored release.

Drawn like every benchlab figure (see :mod:`benchlab.reports.plots`): matplotlib's ``Figure``
without pyplot, deterministic PNGs written atomically, matplotlib imported when drawing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from benchlab.data.validation import require_columns
from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import coverage_level
from benchlab.forecast.data.skus import matches_sku, sku_key, sku_label
from benchlab.forecast.metrics import interval_pairs
from benchlab.forecast.results import ExperimentResult, ModelingStrategy
from benchlab.forecast.schema import DATE, ORACLE_MEAN, TARGET, Y_PRED, Y_TRUE, quantile_column
from benchlab.reports.plots import DPI, ReferenceLine, save_figure
from benchlab.reports.plots import leaderboard_chart as bar_chart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from benchlab.forecast.evaluator import ModelEvaluator

__all__ = [
    "error_over_time_chart",
    "fan_chart",
    "fan_charts",
    "leaderboard_chart",
    "make_report_figures",
    "pick_skus",
]

STRATEGY_COLOURS = {
    ModelingStrategy.COMBINED.value: "#1f77b4",
    ModelingStrategy.INDIVIDUAL.value: "#ff7f0e",
}
FORECAST_COLOUR = "#1f77b4"
ORACLE_COLOUR = "#2ca02c"


def leaderboard_chart(
    leaderboard: pl.DataFrame,
    metric: str,
    path: Path,
    *,
    lower_is_better: Mapping[str, bool] | None = None,
    title: str | None = None,
    dpi: int = DPI,
) -> Path:
    """Horizontal bars of ``metric`` per model × strategy, best at top, coloured by strategy.

    Each bar carries its value; ``oracle_<metric>`` (when a column of ``leaderboard``) is drawn
    as a dashed vertical line at its median, and for ``coverage_<level>`` without an oracle the
    nominal level as a dotted one. Rows where the metric is null or NaN are left out.
    """
    require_columns(
        leaderboard, ["model", "strategy", metric], source="leaderboard_chart: leaderboard"
    )
    lines = []
    oracle_column = f"oracle_{metric}"
    if oracle_column in leaderboard.columns:
        oracle = leaderboard[oracle_column].drop_nulls().drop_nans()
        if oracle.len():
            value = float(oracle.median())
            lines.append(ReferenceLine(value, f"oracle ({value:.4g})"))
    level = coverage_level(metric)
    if level is not None and oracle_column not in leaderboard.columns:
        lines.append(ReferenceLine(level, f"nominal ({level:.0%})", style=":", colour="0.3"))
    return bar_chart(
        leaderboard,
        metric,
        path,
        colour_by="strategy",
        colours=STRATEGY_COLOURS,
        lower_is_better=lower_is_better,
        reference_lines=lines,
        title=title,
        dpi=dpi,
    )


def _band_pairs(alphas: Sequence[float], columns: Sequence[str]) -> list[tuple[float, float]]:
    """Central-interval quantile pairs ``(a, 1 - a)`` present in ``columns``, outermost first."""
    present = [a for a in alphas if quantile_column(a) in columns]
    return [(low, high) for _, low, high in interval_pairs(present)]


def _draw_fan(
    ax: Any,
    history: pl.DataFrame,
    predictions: pl.DataFrame,
    quantile_alphas: Sequence[float],
    history_periods: int,
) -> None:
    """Draw one SKU's history, actuals, forecast, quantile bands and oracle on ``ax``."""
    hist = history.sort(DATE).tail(history_periods)
    ax.plot(hist[DATE], hist[TARGET], color="0.55", lw=1.0, label="history")
    if predictions.is_empty():
        ax.text(
            0.98,
            0.94,
            "no forecast: fit failed",
            transform=ax.transAxes,
            ha="right",
            va="top",
            bbox={"facecolor": "white", "edgecolor": "0.6", "boxstyle": "round"},
        )
        return
    pred = predictions.sort(DATE)
    dates = pred[DATE]
    pairs = _band_pairs(quantile_alphas, pred.columns)
    for i, (low, high) in enumerate(pairs):
        shade = 0.14 + 0.22 * (i / (len(pairs) - 1) if len(pairs) > 1 else 0.5)
        ax.fill_between(
            dates,
            pred[quantile_column(low)].cast(pl.Float64),
            pred[quantile_column(high)].cast(pl.Float64),
            color=FORECAST_COLOUR,
            alpha=shade,
            lw=0,
            label=f"{(high - low) * 100:.3g}% interval",
        )
    if Y_TRUE in pred.columns:
        ax.plot(dates, pred[Y_TRUE], color="black", lw=1.0, marker=".", ms=3, label="actual")
    if Y_PRED in pred.columns:
        ax.plot(dates, pred[Y_PRED], color=FORECAST_COLOUR, lw=1.8, label="forecast")
    if ORACLE_MEAN in pred.columns:
        ax.plot(dates, pred[ORACLE_MEAN], color=ORACLE_COLOUR, ls="--", lw=1.3, label="oracle mean")
    ax.axvline(dates[0], color="0.4", ls=":", lw=1.0)


def _format_axes(ax: Any, temporal: bool) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    if temporal:
        locator = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    ax.set_ylabel(TARGET)


def fan_chart(
    history: pl.DataFrame,
    predictions: pl.DataFrame,
    *,
    id_columns: Sequence[str],
    sku: Sequence[Any],
    quantile_alphas: Sequence[float],
    path: Path,
    history_periods: int = 84,
    title: str | None = None,
    dpi: int = DPI,
) -> Path:
    """One SKU: the last ``history_periods`` of training target, then actuals and forecast.

    Quantile bands shade symmetric alpha pairs (``q_0.1``–``q_0.9`` …, outer lighter); the
    oracle mean is dashed when ``predictions`` has ``oracle_mean``. A dotted line marks the
    start of the test period.
    """
    from matplotlib.figure import Figure

    require_columns(history, [*id_columns, DATE, TARGET], source="fan_chart: history")
    require_columns(predictions, [*id_columns, DATE], source="fan_chart: predictions")
    where = matches_sku(id_columns, sku)
    pred = predictions.filter(where)
    if pred.is_empty():
        raise InputError(f"fan_chart: no predictions for SKU {sku_label(id_columns, sku)}")
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    _draw_fan(ax, history.filter(where), pred, quantile_alphas, history_periods)
    _format_axes(ax, pred.schema[DATE].is_temporal())
    ax.set_title(title or sku_label(id_columns, sku))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    return save_figure(fig, path, dpi)


def _panel_title(result: ExperimentResult, metric: str | None) -> str:
    value = result.metrics.get(metric) if metric else None
    if value is None or math.isnan(value):
        return result.label
    return f"{result.label}: {metric} {value:.4g} (all SKUs)"


def _panel_figure(n_panels: int, *, width: float = 9.0, panel: float = 2.2) -> Figure:
    """A figure of ``n_panels`` stacked axes with fixed margins in inches (cheaper and steadier
    than constrained layout): room for the title on top and for dates and legend below."""
    from matplotlib.figure import Figure

    top, bottom, gap = 0.55, 0.95, 0.4
    height = top + bottom + panel * n_panels + gap * (n_panels - 1)
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=0.75 / width,
        right=1.0 - 0.2 / width,
        top=1.0 - top / height,
        bottom=bottom / height,
        hspace=gap / panel,
    )
    return fig


def fan_charts(
    history: pl.DataFrame,
    results: Sequence[ExperimentResult],
    *,
    id_columns: Sequence[str],
    skus: Sequence[Sequence[Any]],
    out_dir: Path,
    history_periods: int = 84,
    max_results: int | None = 4,
    metric: str | None = "rmsse",
    dpi: int = DPI,
) -> list[Path]:
    """One PNG per SKU (``fan_<sku key>.png``) with one panel per result, sharing both axes.

    Pass ``results`` best first (:meth:`ModelEvaluator.ranked_results`); only the first
    ``max_results`` are drawn (all when ``None``). Each panel is titled with the result's label
    and its overall ``metric`` when it has one. A result without predictions for the SKU (its
    fit failed) gets an annotated panel with the history only.
    """
    if not results:
        raise InputError("fan_charts: no results to plot")
    require_columns(history, [*id_columns, DATE, TARGET], source="fan_charts: history")
    shown = list(results if max_results is None else results[:max_results])
    out_dir = Path(out_dir)
    paths = []
    for sku in skus:
        where = matches_sku(id_columns, sku)
        hist = history.filter(where)
        fig = _panel_figure(len(shown))
        axes = fig.subplots(len(shown), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
        handles: dict[str, Any] = {}
        temporal = hist.schema[DATE].is_temporal()
        for ax, result in zip(axes, shown, strict=True):
            has_ids = all(c in result.predictions.columns for c in id_columns)
            pred = result.predictions.filter(where) if has_ids else pl.DataFrame()
            _draw_fan(ax, hist, pred, result.quantile_alphas, history_periods)
            _format_axes(ax, temporal)
            ax.set_title(_panel_title(result, metric), fontsize=10, loc="left")
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        fig.suptitle(sku_label(id_columns, sku), y=1.0 - 0.12 / fig.get_figheight(), va="top")
        fig.legend(
            list(handles.values()),
            list(handles.keys()),
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(len(handles), 6),
            frameon=False,
            fontsize=9,
        )
        paths.append(save_figure(fig, out_dir / f"fan_{sku_key(sku)}.png", dpi))
    return paths


def pick_skus(predictions: pl.DataFrame, id_columns: Sequence[str], n: int = 4) -> list[tuple]:
    """SKUs worth plotting: the ``n - 1`` highest-volume ones plus the most intermittent one.

    Volume is the sum of ``y_true``; intermittency the share of zero actuals (among SKUs with
    some demand, ties to the higher volume). Without an intermittent SKU the ``n`` largest are
    returned. Deterministic: ties break on the id values.
    """
    if n < 1:
        raise InputError(f"pick_skus: n must be at least 1, got {n}")
    require_columns(predictions, [*id_columns, Y_TRUE], source="pick_skus: predictions")
    ids = list(id_columns)
    stats = (
        predictions.group_by(ids)
        .agg(
            volume=pl.col(Y_TRUE).fill_nan(None).sum(),
            zero_share=(pl.col(Y_TRUE) == 0).mean(),
        )
        .sort(["volume", *ids], descending=[True, *([False] * len(ids))], nulls_last=True)
    )
    skus = [tuple(row) for row in stats.select(ids).iter_rows()]
    if len(skus) <= n:
        return skus
    rest = stats.slice(n - 1).filter((pl.col("zero_share") > 0) & (pl.col("volume") > 0))
    if rest.is_empty():
        return skus[:n]
    intermittent = rest.sort(
        ["zero_share", "volume", *ids],
        descending=[True, True, *([False] * len(ids))],
        maintain_order=True,
    ).row(0)[: len(ids)]
    return [*skus[: n - 1], tuple(intermittent)]


def make_report_figures(
    evaluator: ModelEvaluator,
    figures_dir: Path,
    *,
    history: pl.DataFrame | None = None,
    n_skus: int = 4,
    max_results: int = 4,
    history_periods: int = 84,
    dpi: int = DPI,
) -> dict[str, Path]:
    """Draw the report's standard figures; return ``{caption: path}`` for ``write_report``.

    Always the leaderboard chart of the primary metric; with ``history`` (id columns, ``date``,
    ``target`` of the training period) also fan charts of :func:`pick_skus` of the best result,
    one panel per each of the ``max_results`` best results.
    """
    figures_dir = Path(figures_dir)
    metric = evaluator.primary_metric
    board = evaluator.leaderboard()
    figures = {
        f"Leaderboard: {metric}": leaderboard_chart(
            board,
            metric,
            figures_dir / f"leaderboard_{metric}.png",
            lower_is_better=evaluator.lower_is_better,
            dpi=dpi,
        )
    }
    if history is not None:
        ranked = evaluator.ranked_results()
        best = ranked[0]
        id_columns = best.id_columns
        skus = pick_skus(best.predictions, id_columns, n=n_skus)
        paths = fan_charts(
            history,
            ranked,
            id_columns=id_columns,
            skus=skus,
            out_dir=figures_dir,
            history_periods=history_periods,
            max_results=max_results,
            metric=metric,
            dpi=dpi,
        )
        for sku, path in zip(skus, paths, strict=True):
            figures[f"Forecasts: {sku_label(id_columns, sku)}"] = path
    return figures


def error_over_time_chart(
    periods: pl.DataFrame,
    metric: str,
    *,
    baseline: float,
    threshold: float,
    path: Path,
    title: str,
    dpi: int = DPI,
) -> Path:
    """``metric`` per period (column ``period``) against the release's test error and the
    drift threshold; periods above the threshold are marked in red."""
    import numpy as np
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4))
    ax = fig.add_subplot()
    x = periods["period"].to_list()
    y = periods[metric].to_numpy()
    ax.plot(x, y, marker="o", color=FORECAST_COLOUR, label=f"{metric} per period")
    ax.axhline(baseline, color="#555555", linewidth=1, label=f"test {metric} at release")
    ax.axhline(threshold, color="#d62728", linestyle="--", linewidth=1, label="drift threshold")
    above = y > threshold
    if above.any():
        ax.scatter(np.asarray(x, dtype=object)[above], y[above], color="#d62728", zorder=3)
    ax.set_title(title)
    ax.set_ylabel(metric)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, dpi)
