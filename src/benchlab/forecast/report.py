"""The forecast benchmark report: data, leaderboard, strategies, oracle, quantiles, failures.

>>> write_report(  # doctest: +SKIP
...     run_dir / "report.md",
...     title="M5 sample benchmark",
...     evaluator=evaluator,
...     data_summary={"source": "synthetic", "SKUs": 50, "horizon": 28},
...     figures=make_report_figures(evaluator, run_dir / "figures", history=train),
... )

The sections are the engine's :class:`~benchlab.reports.markdown.Section` objects, written as
``report.md`` and ``report.html`` by :func:`~benchlab.reports.markdown.write_sections`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from benchlab.evaluation.leaderboard import coverage_level, ranking_direction
from benchlab.forecast.data.skus import sku_label
from benchlab.forecast.levels import M5_QUANTILES
from benchlab.forecast.results import ModelingStrategy
from benchlab.reports.markdown import (
    MISSING,
    Section,
    config_section,
    figure_links,
    figures_section,
    format_value,
    image_link,
    markdown_table,
    render_sections,
    write_sections,
)

if TYPE_CHECKING:
    from benchlab.forecast.evaluator import ModelEvaluator

__all__ = ["render_report", "report_sections", "write_report"]

MAX_FAILURE_ROWS = 50


def _is_oracle_column(name: str) -> bool:
    return name.startswith("oracle_") or name.endswith("_vs_oracle")


def _is_quantile_column(name: str) -> bool:
    return name.startswith(("coverage_", "width_")) or (
        name.startswith("pinball_") and name != "mean_pinball"
    )


def _is_leaderboard_figure(caption: str) -> bool:
    return "leaderboard" in caption.lower()


def _percent_reading(ratio: float | None) -> str:
    if ratio is None or math.isnan(ratio):
        return MISSING
    if math.isinf(ratio):
        return "oracle error is 0"
    pct = (ratio - 1.0) * 100.0
    if abs(pct) < 0.05:
        return "at the oracle"
    size = f"{abs(pct):.0f}%" if abs(pct) >= 10 else f"{abs(pct):.1f}%"
    return f"{size} {'above' if pct > 0 else 'below'} the oracle"


def _summary_value(value: Any) -> str:
    """A data-summary value: a pair of dates reads ``start to end``, a mapping ``k=v, …``."""
    is_pair = isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2
    if is_pair and all(isinstance(v, dt.date) for v in value):
        return f"{format_value(value[0])} to {format_value(value[1])}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    return format_value(value)


def _label(key: str) -> str:
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def data_section(data_summary: Mapping[str, Any]) -> Section:
    """What the run read, as an ``Item | Value`` table in the summary's order."""
    table = pl.DataFrame(
        {
            "Item": [_label(k) for k in data_summary],
            "Value": [_summary_value(v) for v in data_summary.values()],
        }
    )
    return Section("Data", [markdown_table(table)])


def _weights_note(evaluator: ModelEvaluator, board: pl.DataFrame) -> str:
    if "wrmsse" not in board.columns:
        return ""
    flags = {r.revenue_weights for r in evaluator.results if r.revenue_weights is not None}
    if flags == {True}:
        return " `wrmsse` weights series by their revenue share."
    if flags == {False}:
        return " `wrmsse` weights series by their unit-sales share (no prices in the data)."
    return ""


def _leaderboard_section(
    evaluator: ModelEvaluator, board: pl.DataFrame, figures: Mapping[str, str]
) -> Section:
    primary = evaluator.primary_metric
    direction = ranking_direction(primary, evaluator.lower_is_better)
    detail = [
        c
        for c in board.columns
        if c != primary and (_is_oracle_column(c) or _is_quantile_column(c))
    ]
    lines = [
        f"Ranked by **{primary}** ({direction}); rank 1 is best. "
        "Times are wall-clock seconds; `n_failed` counts SKUs whose fit failed."
        + _weights_note(evaluator, board)
        + (" Oracle and quantile metrics are in their own sections below." if detail else ""),
        "",
        markdown_table(board.drop(detail)),
    ]
    for caption, path in figures.items():
        if _is_leaderboard_figure(caption):
            lines += ["", image_link(caption, path)]
    return Section("Leaderboard", lines)


def _strategy_section(evaluator: ModelEvaluator) -> Section:
    primary = evaluator.primary_metric
    comparison = evaluator.compare_strategies()
    heading = "Strategy comparison"
    if comparison.is_empty():
        return Section(
            heading, ["No model ran under both the combined and the individual strategy."]
        )
    lines = [markdown_table(comparison), ""]
    for row in comparison.iter_rows(named=True):
        winner = row["winner"]
        if winner is None:
            text = f"cannot be compared: {primary} is missing under one strategy"
        elif winner == "tie":
            text = f"both strategies give the same {primary}"
        else:
            loser = (
                ModelingStrategy.INDIVIDUAL.value
                if winner == ModelingStrategy.COMBINED.value
                else ModelingStrategy.COMBINED.value
            )
            margin = row["improvement_pct"]
            by = f" by {format_value(margin, digits=3)}%" if margin is not None else ""
            text = (
                f"{winner} beats {loser}{by} on {primary} (fit "
                f"{format_value(row[f'fit_seconds_{winner}'], digits=3)} s vs "
                f"{format_value(row[f'fit_seconds_{loser}'], digits=3)} s)"
            )
        lines.append(f"- **{row['model']}**: {text}.")
    return Section(heading, lines)


def _oracle_section(evaluator: ModelEvaluator, board: pl.DataFrame) -> Section | None:
    columns = [c for c in board.columns if _is_oracle_column(c)]
    if not columns:
        return None
    primary = evaluator.primary_metric
    ratios = [c for c in columns if c.endswith("_vs_oracle")]
    headline = f"{primary}_vs_oracle" if f"{primary}_vs_oracle" in ratios else None
    headline = headline or (ratios[0] if ratios else None)
    oracle_values = [c for c in columns if c.startswith("oracle_")]
    lines = [
        "The data generator knows each SKU's true expected demand; forecasting it exactly gives "
        "the irreducible error (`oracle_*`). `<metric>_vs_oracle` is a model's error divided by "
        "the oracle's: 1 is the best any model can do on average.",
        "",
    ]
    if oracle_values:
        reference = board.select(pl.col(oracle_values).median())
        lines += [
            "The oracle's own scores (median over the experiments; they differ only where "
            "experiments forecast different SKUs):",
            "",
            markdown_table(
                pl.DataFrame(
                    {"metric": oracle_values, "oracle": list(reference.row(0))},
                    schema={"metric": pl.String, "oracle": pl.Float64},
                )
            ),
            "",
        ]
    if ratios:
        shown = [c for c in (primary, f"oracle_{primary}") if c in board.columns]
        table = board.select("model", "strategy", *shown, *ratios)
        if headline is not None:
            readings = [_percent_reading(v) for v in board[headline].to_list()]
            table = table.with_columns(pl.Series("reading", readings, dtype=pl.String))
        with_oracle = table.filter(pl.any_horizontal(pl.col(ratios).is_not_null()))
        lines += [markdown_table(with_oracle), ""]
        if with_oracle.height < table.height:
            lines += ["Experiments not listed had no oracle column in their predictions.", ""]
    if headline is not None:
        for row in board.select("model", "strategy", headline).iter_rows():
            if row[2] is not None:
                lines.append(
                    f"- **{row[0]}** ({row[1]}): {headline} {format_value(row[2], digits=3)} = "
                    f"{_percent_reading(row[2])}."
                )
    return Section("Oracle (irreducible error)", _trimmed(lines))


def _drop_empty(rows: list[dict[str, Any]], optional: str) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema_overrides={"mean width": pl.Float64})
    return frame.drop(optional) if all(r[optional] == MISSING for r in rows) else frame


def _quantile_section(board: pl.DataFrame) -> Section | None:
    coverage = [c for c in board.columns if coverage_level(c) is not None]
    pinball = [c for c in board.columns if c.startswith("pinball_")]
    pinball = [c for c in ("mean_pinball", *pinball, "spl", "wspl") if c in board.columns]
    if not coverage and not pinball:
        return None
    lines: list[str] = []
    if coverage:
        rows = []
        for row in board.iter_rows(named=True):
            for column in coverage:
                value = row[column]
                if value is None:
                    continue
                level = coverage_level(column) or 0.0
                suffix = column.removeprefix("coverage_")
                oracle = row.get(f"oracle_coverage_{suffix}")
                rows.append(
                    {
                        "model": row["model"],
                        "strategy": row["strategy"],
                        "nominal": f"{level:.0%}",
                        "coverage": f"{value:.1%}",
                        "gap (pp)": f"{(value - level) * 100:+.1f}",
                        "mean width": row.get(f"width_{suffix}"),
                        "oracle coverage": MISSING if oracle is None else f"{oracle:.1%}",
                    }
                )
        lines += ["### Interval coverage", ""]
        if rows:
            lines += [
                "Share of actuals inside each central interval, against its nominal level.",
                "",
                markdown_table(_drop_empty(rows, "oracle coverage")),
                "",
            ]
        else:
            lines += ["No model reported interval coverage.", ""]
    if pinball:
        table = board.select("model", "strategy", *pinball).filter(
            pl.any_horizontal(pl.col(pinball).is_not_null())
        )
        lines += ["### Pinball loss", "", markdown_table(table)]
    return Section("Quantile forecasts", _trimmed(lines))


def _levels_section(evaluator: ModelEvaluator) -> Section | None:
    """M5's WRMSSE (and WSPL) per aggregation level, one row per experiment."""
    rows = [r for r in evaluator.results if r.level_metrics is not None]
    if not rows:
        return None
    levels = rows[0].level_metrics
    names = {int(lv): name for lv, name in zip(levels["level"], levels["name"], strict=True)}
    table: list[dict[str, Any]] = []
    for result in rows:
        assert result.level_metrics is not None
        for metric in ("wrmsse", "wspl"):
            values = result.level_metrics[metric].to_list()
            if all(v is None for v in values):
                continue
            row: dict[str, Any] = {"model": result.model, "strategy": result.strategy.value}
            row["metric"] = metric
            row |= {
                f"L{lv}": v for lv, v in zip(result.level_metrics["level"], values, strict=True)
            }
            row["mean"] = result.metrics.get(f"m5_{metric}")
            table.append(row)
    legend = ", ".join(f"L{lv} {name}" for lv, name in names.items())
    lines = [
        f"M5's metrics at each aggregation level ({legend}); `m5_wrmsse`/`m5_wspl` are the "
        "means over these levels. Every aggregate series is scaled by its one-step error from "
        "its first sale and weighted by its share of the last 28 training days' sales.",
    ]
    if len(names) < 12:
        lines.append(
            f"The data's hierarchy supports {len(names)} of M5's 12 levels (a panel names its "
            "state, category and department columns in `data.hierarchy`)."
        )
    if any(r.quantile_alphas for r in rows):
        lines.append(
            "Quantiles of an aggregate are the sums of its series' quantiles: exact when the "
            "series move together, wider than the truth when they are independent. M5 scored "
            f"9 quantiles ({', '.join(f'{a:g}' for a in M5_QUANTILES)}); these runs score the "
            "ones each model has."
        )
    if any(r.clipped_at_zero for r in rows):
        lines.append(
            "The target is never negative, so every forecast and quantile was clipped at 0 "
            "(quantiles kept in order) before scoring; coverage is measured after clipping."
        )
    return Section("M5 levels", [*lines, "", markdown_table(pl.DataFrame(table))])


def _failures_section(evaluator: ModelEvaluator) -> Section:
    rows = [
        {
            "model": result.model,
            "strategy": ModelingStrategy(result.strategy).value,
            "SKU": sku_label(result.id_columns, failure.sku),
            "reason": " ".join(failure.reason.split())[:200],
        }
        for result in evaluator.ranked_results()
        for failure in result.failures
    ]
    if not rows:
        return Section("Failures", ["None: every SKU was fitted and forecast."])
    lines = [
        f"{len(rows)} SKU fit(s) failed; the other SKUs went on.",
        "",
        markdown_table(pl.DataFrame(rows[:MAX_FAILURE_ROWS])),
    ]
    if len(rows) > MAX_FAILURE_ROWS:
        lines += ["", f"… and {len(rows) - MAX_FAILURE_ROWS} more."]
    return Section("Failures", lines)


def _trimmed(lines: list[str]) -> list[str]:
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return lines


def report_sections(
    evaluator: ModelEvaluator,
    *,
    figures: Mapping[str, str],
    data_summary: Mapping[str, Any],
    run_config: Mapping[str, Any] | None = None,
) -> list[Section]:
    """The forecast report's sections; ``figures`` maps captions to report-relative image paths.

    Figures whose caption contains "leaderboard" go under the leaderboard, the others in a
    closing "Figures" section, in the given order.
    """
    board = evaluator.leaderboard()
    primary = evaluator.primary_metric
    best = board.row(0, named=True)
    sections: list[Section | None] = []
    if best["rank"] is not None:
        sections.append(
            Section(
                None,
                [
                    f"**Best:** `{best['model']}` ({best['strategy']}) with {primary} = "
                    f"{format_value(best[primary])}, of {board.height} experiment(s)."
                ],
            )
        )
    if data_summary:
        sections.append(data_section(data_summary))
    sections += [
        _leaderboard_section(evaluator, board, figures),
        _strategy_section(evaluator),
        _oracle_section(evaluator, board),
        _quantile_section(board),
        _levels_section(evaluator),
        _failures_section(evaluator),
        figures_section({c: p for c, p in figures.items() if not _is_leaderboard_figure(c)}),
    ]
    if run_config:
        sections.append(config_section(run_config))
    return [s for s in sections if s is not None]


def render_report(
    evaluator: ModelEvaluator,
    *,
    title: str,
    figures: Mapping[str, str],
    data_summary: Mapping[str, Any],
    run_config: Mapping[str, Any] | None = None,
) -> str:
    """The forecast report as Markdown text (see :func:`report_sections`)."""
    sections = report_sections(
        evaluator, figures=figures, data_summary=data_summary, run_config=run_config
    )
    return render_sections(title, sections)


def write_report(
    path: Path,
    *,
    title: str,
    evaluator: ModelEvaluator,
    data_summary: Mapping[str, Any],
    figures: Mapping[str, Path],
    run_config: Mapping[str, Any] | None = None,
) -> Path:
    """Write the report to ``path`` (Markdown) and beside it as HTML; return ``path``.

    ``figures`` maps a caption to an existing image file, absolute or relative to the report's
    folder; the report links each with a path relative to that folder.
    Raises :class:`~benchlab.errors.InputError` when the evaluator has no results or a figure
    is missing.
    """
    path = Path(path)
    links = figure_links(figures, path.parent)
    sections = report_sections(
        evaluator, figures=links, data_summary=data_summary, run_config=run_config
    )
    return write_sections(path, title, sections)
