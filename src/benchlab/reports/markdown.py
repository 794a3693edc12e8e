"""Reports any task can build: Markdown sections, tables, figure links, written with HTML beside.

A task returns a list of :class:`Section` (see ``Task.report_sections``); the runner writes them
with :func:`write_sections` as ``report.md`` and ``report.html``:

>>> sections = [leaderboard_section(board, "accuracy"), config_section(config)]  # doctest: +SKIP
>>> write_sections(run_dir / "report.md", "Vision benchmark", sections)  # doctest: +SKIP

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
from pathlib import Path
from typing import Any
from urllib.parse import quote

import polars as pl

from benchlab.errors import InputError
from benchlab.runs import atomic_path

__all__ = [
    "MISSING",
    "Section",
    "config_section",
    "figure_links",
    "figures_section",
    "format_value",
    "image_link",
    "leaderboard_section",
    "markdown_table",
    "render_sections",
    "table_cell",
    "write_sections",
]

MISSING = "—"


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


def image_link(caption: str, path: str) -> str:
    """A Markdown image: ``![caption](path)`` with brackets in the caption escaped."""
    alt = caption.replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({path})"


def figure_links(figures: Mapping[str, Path], report_dir: Path) -> dict[str, str]:
    """``{caption: link}`` for image files, each linked relative to ``report_dir``.

    A relative figure path is taken as relative to ``report_dir`` already. Raises
    :class:`~benchlab.errors.InputError` when a figure does not exist.
    """
    links = {}
    for caption, figure in figures.items():
        figure = Path(figure)
        target = figure if figure.is_absolute() else Path(report_dir) / figure
        if not target.is_file():
            raise InputError(f"report: figure {str(target)!r} does not exist")
        relative = os.path.relpath(os.path.abspath(target), os.path.abspath(report_dir))
        links[caption] = quote(Path(relative).as_posix(), safe="/._-~")
    return links


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
    """Write the report as Markdown to ``path`` and as HTML beside it (``.html``); return
    ``path``.

    Both files are written to temporary files first and renamed into place only once both are
    complete, so a reader never finds a half-written report or one without the other.
    """
    from benchlab.reports import html

    path = Path(path)
    text = render_sections(title, sections)
    with atomic_path(path) as markdown_tmp, atomic_path(path.with_suffix(".html")) as html_tmp:
        markdown_tmp.write_text(text, encoding="utf-8")
        html_tmp.write_text(html.markdown_to_html(title, text), encoding="utf-8")
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


def figures_section(figures: Mapping[str, str], heading: str = "Figures") -> Section | None:
    """One ``### caption`` and image per figure (``{caption: report-relative path}``), in order;
    ``None`` without figures."""
    if not figures:
        return None
    lines: list[str] = []
    for caption, path in figures.items():
        lines += [f"### {caption}", "", image_link(caption, path), ""]
    return Section(heading, lines[:-1])


def config_section(run_config: Mapping[str, Any], heading: str = "Run configuration") -> Section:
    """The run's configuration as a YAML block (paths, dates and enums as plain text)."""
    import yaml

    from benchlab.plain import plain_data

    dumped = yaml.safe_dump(plain_data(run_config), sort_keys=False, allow_unicode=True)
    return Section(heading, ["```yaml", dumped.rstrip(), "```"])
