"""PNG figures of a benchmark: the leaderboard bar chart and per-SKU fan charts.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global state), so
they are safe to draw from threads and worker processes, and rendered by Agg. Output is
deterministic (no timestamp or version in the PNG metadata) and written atomically: a temporary
file in the target folder is renamed into place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import coverage_level, ranking_direction, ranking_key
from benchlab.forecast.results import ExperimentResult
from benchlab.forecast.schema import DATE, ORACLE_MEAN, TARGET, Y_PRED, Y_TRUE, quantile_column
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    from benchlab.forecast.evaluator import ModelEvaluator

__all__ = [
    "error_over_time_chart",
    "fan_chart",
    "fan_charts",
    "leaderboard_chart",
    "make_report_figures",
    "pick_skus",
    "sku_file_stem",
]

DPI = 100
STRATEGY_COLOURS = {"combined": "#1f77b4", "individual": "#ff7f0e"}
_EXTRA_COLOURS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
FORECAST_COLOUR = "#1f77b4"
ORACLE_COLOUR = "#2ca02c"


def _save(fig: Figure, path: Path, dpi: int) -> Path:
    """Render ``fig`` to PNG at ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    return path


def _strategy_colour(strategy: str, seen: list[str]) -> str:
    if strategy in STRATEGY_COLOURS:
        return STRATEGY_COLOURS[strategy]
    if strategy not in seen:
        seen.append(strategy)
    return _EXTRA_COLOURS[seen.index(strategy) % len(_EXTRA_COLOURS)]


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
    as a dashed vertical line, and the nominal level as a dotted one for ``coverage_<level>``.
    Rows where the metric is null or NaN are left out.
    """
    missing = [c for c in ("model", "strategy", metric) if c not in leaderboard.columns]
    if missing:
        raise InputError(
            f"leaderboard_chart: leaderboard lacks column(s) {missing}; "
            f"it has {leaderboard.columns}"
        )
    rows = [
        (str(m), str(s), float(v))
        for m, s, v in leaderboard.select("model", "strategy", metric).iter_rows()
        if v is not None and not math.isnan(v)
    ]
    if not rows:
        raise InputError(f"leaderboard_chart: no model has a value for {metric!r}")
    rows.sort(key=lambda r: (ranking_key(metric, r[2], lower_is_better=lower_is_better), r[:2]))

    seen: list[str] = []
    colours = [_strategy_colour(s, seen) for _, s, _ in rows]
    values = np.array([v for _, _, v in rows])
    labels = [f"{m} ({s})" for m, s, _ in rows]

    width = min(5.0 + 0.075 * max(len(label) for label in labels), 14.0)
    fig = Figure(figsize=(width, 1.8 + 0.42 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    bars = ax.barh(y, values, color=colours, height=0.65)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v:.4g}" for v in values], padding=3, fontsize=9)

    strategies = sorted(
        {r[1] for r in rows},
        key=lambda s: (list(STRATEGY_COLOURS).index(s) if s in STRATEGY_COLOURS else 99, s),
    )
    handles: list[Any] = [Patch(color=_strategy_colour(s, seen), label=s) for s in strategies]
    reference = [0.0, *values.tolist()]
    oracle_column = f"oracle_{metric}"
    if oracle_column in leaderboard.columns:
        oracle = leaderboard[oracle_column].drop_nulls().drop_nans()
        if oracle.len():
            value = float(oracle.median())
            handles.append(
                ax.axvline(value, color="black", ls="--", lw=1.3, label=f"oracle ({value:.4g})")
            )
            reference.append(value)
    level = coverage_level(metric)
    if level is not None and oracle_column not in leaderboard.columns:
        handles.append(
            ax.axvline(level, color="0.3", ls=":", lw=1.3, label=f"nominal ({level:.0%})")
        )
        reference.append(level)

    low, high = min(reference), max(reference)
    span = (high - low) or 1.0
    ax.set_xlim(low - (0.12 * span if low < 0 else 0.0), high + 0.14 * span)
    ax.axvline(0.0, color="0.2", lw=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_xlabel(f"{metric} ({ranking_direction(metric, lower_is_better)})")
    ax.set_title(title or f"Leaderboard: {metric}")
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    return _save(fig, path, dpi)


def _sku_filter(id_columns: Sequence[str], sku: Sequence[Any]) -> pl.Expr:
    if len(sku) != len(id_columns):
        raise InputError(
            f"SKU {tuple(sku)} has {len(sku)} value(s) but there are {len(id_columns)} "
            f"id column(s) {list(id_columns)}"
        )
    return pl.all_horizontal([pl.col(c) == v for c, v in zip(id_columns, sku, strict=True)])


def _sku_label(id_columns: Sequence[str], sku: Sequence[Any]) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(id_columns, sku, strict=True))


def sku_file_stem(sku: Sequence[Any]) -> str:
    """File-name-safe text of a SKU tuple: ``(80558, 2)`` → ``"80558_2"``."""
    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", str(v)).strip("-") or "x" for v in sku)


def _band_pairs(alphas: Sequence[float], columns: Sequence[str]) -> list[tuple[float, float]]:
    """Symmetric quantile pairs ``(a, 1 - a)`` present in ``columns``, outermost first."""
    present = [a for a in alphas if quantile_column(a) in columns]
    pairs = []
    for low in sorted(a for a in present if a < 0.5):
        high = next((b for b in present if math.isclose(low + b, 1.0, abs_tol=1e-9)), None)
        if high is not None:
            pairs.append((low, high))
    return pairs


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
    if temporal:
        locator = AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    ax.set_ylabel(TARGET)


def _check_columns(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {missing}; it has {frame.columns}")


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
    _check_columns(history, [*id_columns, DATE, TARGET], "fan_chart: history")
    _check_columns(predictions, [*id_columns, DATE], "fan_chart: predictions")
    where = _sku_filter(id_columns, sku)
    pred = predictions.filter(where)
    if pred.is_empty():
        raise InputError(f"fan_chart: no predictions for SKU {_sku_label(id_columns, sku)}")
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    _draw_fan(ax, history.filter(where), pred, quantile_alphas, history_periods)
    _format_axes(ax, pred.schema[DATE].is_temporal())
    ax.set_title(title or _sku_label(id_columns, sku))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    return _save(fig, path, dpi)


def _panel_title(result: ExperimentResult, metric: str | None) -> str:
    value = result.metrics.get(metric) if metric else None
    if value is None or math.isnan(value):
        return result.label
    return f"{result.label}: {metric} {value:.4g} (all SKUs)"


def _panel_figure(n_panels: int, *, width: float = 9.0, panel: float = 2.2) -> Figure:
    """A figure of ``n_panels`` stacked axes with fixed margins in inches (cheaper and steadier
    than constrained layout): room for the title on top and for dates and legend below."""
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
    """One PNG per SKU (``fan_<ids>.png``) with one panel per result, sharing both axes.

    Pass ``results`` best first (:meth:`ModelEvaluator.ranked_results`); only the first
    ``max_results`` are drawn (all when ``None``). Each panel is titled with the result's label
    and its overall ``metric`` when it has one. A result without predictions for the SKU (its
    fit failed) gets an annotated panel with the history only.
    """
    if not results:
        raise InputError("fan_charts: no results to plot")
    _check_columns(history, [*id_columns, DATE, TARGET], "fan_charts: history")
    shown = list(results if max_results is None else results[:max_results])
    out_dir = Path(out_dir)
    paths = []
    for sku in skus:
        where = _sku_filter(id_columns, sku)
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
        fig.suptitle(_sku_label(id_columns, sku), y=1.0 - 0.12 / fig.get_figheight(), va="top")
        fig.legend(
            list(handles.values()),
            list(handles.keys()),
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(len(handles), 6),
            frameon=False,
            fontsize=9,
        )
        paths.append(_save(fig, out_dir / f"fan_{sku_file_stem(sku)}.png", dpi))
    return paths


def pick_skus(predictions: pl.DataFrame, id_columns: Sequence[str], n: int = 4) -> list[tuple]:
    """SKUs worth plotting: the ``n - 1`` highest-volume ones plus the most intermittent one.

    Volume is the sum of ``y_true``; intermittency the share of zero actuals (among SKUs with
    some demand, ties to the higher volume). Without an intermittent SKU the ``n`` largest are
    returned. Deterministic: ties break on the id values.
    """
    if n < 1:
        raise InputError(f"pick_skus: n must be at least 1, got {n}")
    _check_columns(predictions, [*id_columns, Y_TRUE], "pick_skus: predictions")
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
            figures[f"Forecasts: {_sku_label(id_columns, sku)}"] = path
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
    return _save(fig, path, dpi)
