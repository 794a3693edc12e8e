"""The Markdown benchmark report: data, leaderboard, strategies, oracle, quantiles, failures.

>>> write_report(  # doctest: +SKIP
...     run_dir / "report.md",
...     title="M5 sample benchmark",
...     evaluator=evaluator,
...     data_summary={"source": "synthetic", "n_skus": 50, "horizon": 28},
...     figures=make_report_figures(evaluator, run_dir / "figures", history=train),
... )

Numbers are shown to 4 significant digits, missing values as ``—``. Images are linked with
paths relative to the report, so the report folder can be moved or zipped as a whole.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import polars as pl
import yaml

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import coverage_level, ranking_direction
from benchlab.forecast.results import ModelingStrategy
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    from benchlab.forecast.evaluator import ModelEvaluator

__all__ = [
    "Section",
    "format_value",
    "leaderboard_section",
    "markdown_table",
    "render_report",
    "render_sections",
    "write_report",
    "write_sections",
]

MISSING = "—"
MAX_FAILURE_ROWS = 50
#: A flag of the metrics module (1.0: wrmsse weights are revenue shares), not a score.
REVENUE_FLAG = "wrmsse_revenue_weighted"
DATA_LABELS = {
    "source": "Source",
    "n_skus": "SKUs",
    "date_range": "Date range",
    "train_periods": "Training periods",
    "test_periods": "Test periods",
    "frequency": "Frequency",
    "horizon": "Horizon",
}


def _format_float(value: float, digits: int) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{digits}g}"
    if "e" in text and 1e-4 <= abs(value) < 1e9:
        rounded = float(text)
        return f"{rounded:.{max(digits - 1 - math.floor(math.log10(abs(rounded))), 0)}f}"
    return text


def format_value(value: Any, *, digits: int = 4) -> str:
    """Text of one table cell: floats to ``digits`` significant digits, null as ``—``."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _format_float(value, digits)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple | list):
        return ", ".join(format_value(v, digits=digits) for v in value)
    return str(value)


def table_cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell (pipes escaped, one line)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def markdown_table(frame: pl.DataFrame, *, digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table of ``frame``; numeric columns right-aligned.

    >>> print(markdown_table(pl.DataFrame({"model": ["a"], "rmsse": [0.812345]})))
    | model | rmsse |
    |---|---:|
    | a | 0.8123 |
    """
    if not frame.columns:
        raise InputError("markdown_table: the frame has no columns")
    header = "| " + " | ".join(table_cell(c) for c in frame.columns) + " |"
    align = "|" + "|".join("---:" if d.is_numeric() else "---" for d in frame.dtypes) + "|"
    rows = [
        "| " + " | ".join(table_cell(format_value(v, digits=digits)) for v in row) + " |"
        for row in frame.iter_rows()
    ]
    return "\n".join([header, align, *rows])


def _is_oracle_column(name: str) -> bool:
    return name.startswith("oracle_") or name.endswith("_vs_oracle")


def _is_quantile_column(name: str) -> bool:
    return name.startswith(("coverage_", "width_")) or (
        name.startswith("pinball_") and name != "mean_pinball"
    )


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


def _summary_value(key: str, value: Any) -> str:
    is_pair = isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2
    if key == "date_range" and is_pair:
        return f"{format_value(value[0])} to {format_value(value[1])}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    return format_value(value)


def _label(key: str) -> str:
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


def _data_section(data_summary: Mapping[str, Any]) -> list[str]:
    keys = [k for k in DATA_LABELS if k in data_summary]
    keys += [k for k in data_summary if k not in DATA_LABELS]
    table = pl.DataFrame(
        {
            "Item": [DATA_LABELS.get(k, _label(k)) for k in keys],
            "Value": [_summary_value(k, data_summary[k]) for k in keys],
        }
    )
    return ["## Data", "", markdown_table(table), ""]


def _image(caption: str, path: str) -> str:
    alt = caption.replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({path})"


def _weights_note(board: pl.DataFrame) -> str:
    if REVENUE_FLAG not in board.columns or "wrmsse" not in board.columns:
        return ""
    flags = set(board[REVENUE_FLAG].drop_nulls().to_list())
    if flags == {1.0}:
        return " `wrmsse` weights series by their revenue share."
    if flags == {0.0}:
        return " `wrmsse` weights series by their unit-sales share (no prices in the data)."
    return ""


def _leaderboard_section(
    evaluator: ModelEvaluator, board: pl.DataFrame, figures: Mapping[str, str]
) -> list[str]:
    primary = evaluator.primary_metric
    direction = ranking_direction(primary, evaluator.lower_is_better)
    detail = [
        c
        for c in board.columns
        if c != primary and (_is_oracle_column(c) or _is_quantile_column(c) or c == REVENUE_FLAG)
    ]
    has_detail = any(_is_oracle_column(c) or _is_quantile_column(c) for c in detail)
    lines = [
        "## Leaderboard",
        "",
        f"Ranked by **{primary}** ({direction}); rank 1 is best. "
        "Times are wall-clock seconds; `n_failed` counts SKUs whose fit failed."
        + _weights_note(board)
        + (" Oracle and quantile metrics are in their own sections below." if has_detail else ""),
        "",
        markdown_table(board.drop(detail)),
        "",
    ]
    for caption, path in figures.items():
        if "leaderboard" in caption.lower():
            lines += [_image(caption, path), ""]
    return lines


def _strategy_section(evaluator: ModelEvaluator) -> list[str]:
    primary = evaluator.primary_metric
    comparison = evaluator.compare_strategies()
    lines = ["## Strategy comparison", ""]
    if comparison.is_empty():
        return [*lines, "No model ran under both the combined and the individual strategy.", ""]
    lines += [markdown_table(comparison), ""]
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
    return [*lines, ""]


def _oracle_section(evaluator: ModelEvaluator, board: pl.DataFrame) -> list[str]:
    columns = [c for c in board.columns if _is_oracle_column(c)]
    if not columns:
        return []
    primary = evaluator.primary_metric
    ratios = [c for c in columns if c.endswith("_vs_oracle")]
    headline = f"{primary}_vs_oracle" if f"{primary}_vs_oracle" in ratios else None
    headline = headline or (ratios[0] if ratios else None)
    oracle_values = [c for c in columns if c.startswith("oracle_")]
    lines = [
        "## Oracle (irreducible error)",
        "",
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
        lines.append("")
    return lines


def _drop_empty(rows: list[dict[str, Any]], optional: str) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema_overrides={"mean width": pl.Float64})
    return frame.drop(optional) if all(r[optional] == MISSING for r in rows) else frame


def _quantile_section(board: pl.DataFrame) -> list[str]:
    coverage = [c for c in board.columns if coverage_level(c) is not None]
    pinball = [c for c in board.columns if c.startswith("pinball_")]
    pinball = [c for c in ("mean_pinball", *pinball, "spl", "wspl") if c in board.columns]
    if not coverage and not pinball:
        return []
    lines = ["## Quantile forecasts", ""]
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
        lines += ["### Pinball loss", "", markdown_table(table), ""]
    return lines


def _failures_section(evaluator: ModelEvaluator) -> list[str]:
    rows = [
        {
            "model": result.model_type,
            "strategy": ModelingStrategy(result.strategy).value,
            "SKU": ", ".join(
                f"{c}={format_value(v)}"
                for c, v in zip(result.id_columns, failure.sku, strict=False)
            ),
            "reason": " ".join(failure.reason.split())[:200],
        }
        for result in evaluator.ranked_results()
        for failure in result.failures
    ]
    lines = ["## Failures", ""]
    if not rows:
        return [*lines, "None: every SKU was fitted and forecast.", ""]
    lines += [
        f"{len(rows)} SKU fit(s) failed; the other SKUs went on.",
        "",
        markdown_table(pl.DataFrame(rows[:MAX_FAILURE_ROWS])),
        "",
    ]
    if len(rows) > MAX_FAILURE_ROWS:
        lines += [f"… and {len(rows) - MAX_FAILURE_ROWS} more.", ""]
    return lines


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, PurePath | dt.date):
        return str(value)
    return repr(value)


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
    parts: list[list[str]] = []
    if best["rank"] is not None:
        parts.append(
            [
                f"**Best:** `{best['model']}` ({best['strategy']}) with {primary} = "
                f"{format_value(best[primary])}, of {board.height} experiment(s).",
            ]
        )
    if data_summary:
        parts.append(_data_section(data_summary))
    parts.append(_leaderboard_section(evaluator, board, figures))
    parts += [
        _strategy_section(evaluator),
        _oracle_section(evaluator, board),
        _quantile_section(board),
        _failures_section(evaluator),
    ]
    others = {c: p for c, p in figures.items() if "leaderboard" not in c.lower()}
    if others:
        lines = ["## Figures", ""]
        for caption, path in others.items():
            lines += [f"### {caption}", "", _image(caption, path), ""]
        parts.append(lines)
    if run_config:
        dumped = yaml.safe_dump(_plain(run_config), sort_keys=False, allow_unicode=True)
        parts.append(["## Run configuration", "", "```yaml", dumped.rstrip(), "```"])
    return [Section(None, _trimmed(lines)) for lines in parts if lines]


def _trimmed(lines: list[str]) -> list[str]:
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return lines


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


def _relative_link(figure: Path, report_dir: Path) -> str:
    """Link text of ``figure``: relative paths are already relative to the report's folder."""
    target = figure if figure.is_absolute() else report_dir / figure
    if not target.is_file():
        raise InputError(f"write_report: figure {str(target)!r} does not exist")
    relative = os.path.relpath(os.path.abspath(target), os.path.abspath(report_dir))
    return quote(Path(relative).as_posix(), safe="/._-~")


def write_report(
    path: Path,
    *,
    title: str,
    evaluator: ModelEvaluator,
    data_summary: Mapping[str, Any],
    figures: Mapping[str, Path],
    run_config: Mapping[str, Any] | None = None,
) -> Path:
    """Write the Markdown report to ``path`` atomically and return ``path``.

    ``figures`` maps a caption to an existing image file, absolute or relative to the report's
    folder; the report links each with a path relative to that folder.
    Raises :class:`~benchlab.errors.InputError` when the evaluator has no results or a figure
    is missing.
    """
    path = Path(path)
    links = {caption: _relative_link(Path(p), path.parent) for caption, p in figures.items()}
    text = evaluator.to_markdown(
        title=title, figures=links, data_summary=data_summary, run_config=run_config
    )
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Section:
    """One part of a report: a ``## heading`` (``None``: no heading) and Markdown lines.

    Image links inside ``lines`` are relative to the report's folder.
    """

    heading: str | None
    lines: Sequence[str]

    def render(self) -> list[str]:
        head = [f"## {self.heading}", ""] if self.heading else []
        return [*head, *self.lines, ""]


def render_sections(title: str, sections: Sequence[Section]) -> str:
    """A report as Markdown text: ``# title`` then every section in order.

    >>> print(render_sections("Run", [Section("Notes", ["All good."])]), end="")
    # Run
    <BLANKLINE>
    ## Notes
    <BLANKLINE>
    All good.
    """
    lines = [f"# {title}", ""]
    for section in sections:
        lines += section.render()
    return "\n".join(lines).rstrip() + "\n"


def write_sections(path: Path, title: str, sections: Sequence[Section]) -> Path:
    """Write the report built from ``sections`` to ``path`` atomically; return ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(render_sections(title, sections), encoding="utf-8")
    return path


def leaderboard_section(
    board: pl.DataFrame, primary: str, lower_is_better: Mapping[str, bool] | None = None
) -> Section:
    """Any task's leaderboard table with a line saying how it is ranked."""
    from benchlab.evaluation.leaderboard import ranking_direction

    direction = ranking_direction(primary, lower_is_better)
    if board.is_empty():
        return Section("Leaderboard", ["No experiment finished."])
    return Section(
        "Leaderboard",
        [f"Ranked by **{primary}** ({direction}); rank 1 is best.", "", markdown_table(board)],
    )
