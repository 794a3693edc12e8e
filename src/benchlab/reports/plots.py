"""PNG figures any task can use: the saving helper and the leaderboard bar chart.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global state), so
they are safe to draw from threads and worker processes, and rendered by Agg. Output is
deterministic (no timestamp or version in the PNG metadata) and written atomically: a temporary
file in the target folder is renamed into place. Matplotlib is imported when a chart is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from benchlab.data.validation import require_columns
from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import ranking_direction, ranking_key
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DPI", "PALETTE", "ReferenceLine", "leaderboard_chart", "save_figure"]

DPI = 100
#: Bar colours, in the order values of the colour column take them (matplotlib's tab10).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#d62728",
)


@dataclass(frozen=True)
class ReferenceLine:
    """A vertical line across a bar chart, in its legend as ``label`` (e.g. an oracle)."""

    value: float
    label: str
    style: str = "--"
    colour: str = "black"


def save_figure(fig: Figure, path: Path, dpi: int = DPI) -> Path:
    """Render ``fig`` to PNG at ``path`` atomically (temp file in the same folder, then rename)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    return path


def colour_map(
    values: Sequence[str], fixed: Mapping[str, str] | None = None, palette: Sequence[str] = PALETTE
) -> dict[str, str]:
    """A colour per distinct value: ``fixed`` ones first, the others take the ``palette``
    colours ``fixed`` does not use, in order of first appearance (cycling when there are many).

    >>> colour_map(["b", "x", "a", "x"], {"a": "red"}, palette=("red", "blue", "green"))
    {'b': 'blue', 'x': 'green', 'a': 'red'}
    """
    fixed = dict(fixed or {})
    free = [c for c in palette if c not in fixed.values()] or list(palette)
    colours: dict[str, str] = {}
    for value in dict.fromkeys(values):
        if value in fixed:
            colours[value] = fixed[value]
        else:
            colours[value] = free[sum(1 for v in colours if v not in fixed) % len(free)]
    return colours


def _key_columns(leaderboard: pl.DataFrame) -> list[str]:
    """The text columns after ``model`` that identify an experiment (``strategy`` …)."""
    return [
        c
        for c in leaderboard.columns
        if c != "model" and leaderboard.schema[c] in (pl.String, pl.Categorical)
    ]


def leaderboard_chart(
    leaderboard: pl.DataFrame,
    metric: str,
    path: Path,
    *,
    colour_by: str | None = None,
    colours: Mapping[str, str] | None = None,
    lower_is_better: Mapping[str, bool] | None = None,
    reference_lines: Sequence[ReferenceLine] = (),
    title: str | None = None,
    dpi: int = DPI,
) -> Path:
    """Horizontal bars of ``metric`` per experiment, best at top, coloured by ``colour_by``.

    ``leaderboard`` has a ``model`` column, the metric and, optionally, key columns (text
    columns such as ``strategy``); a bar's label is ``model (keys)``. ``colour_by`` (default:
    the first key column) picks the colour of each bar, with ``colours`` fixing some of them.
    Each bar carries its value; ``reference_lines`` are drawn across the bars. Rows where the
    metric is null or NaN are left out.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    keys = _key_columns(leaderboard)
    colour_by = colour_by or (keys[0] if keys else None)
    needed = ["model", metric, *([colour_by] if colour_by else [])]
    require_columns(leaderboard, needed, source="leaderboard_chart: leaderboard")
    keys = [c for c in keys if c != metric]
    rows = [
        row
        for row in leaderboard.select("model", *keys, metric).iter_rows(named=True)
        if row[metric] is not None and not math.isnan(row[metric])
    ]
    if not rows:
        raise InputError(f"leaderboard_chart: no model has a value for {metric!r}")
    rows.sort(
        key=lambda r: (
            ranking_key(metric, r[metric], lower_is_better=lower_is_better),
            [str(r[c]) for c in ("model", *keys)],
        )
    )
    labels = [
        f"{r['model']} ({', '.join(str(r[c]) for c in keys)})" if keys else str(r["model"])
        for r in rows
    ]
    values = [float(r[metric]) for r in rows]
    groups = [str(r[colour_by]) if colour_by else "" for r in rows]
    palette = colour_map(groups, colours)

    width = min(5.0 + 0.075 * max(len(label) for label in labels), 14.0)
    fig = Figure(figsize=(width, 1.8 + 0.42 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    y = list(range(len(rows)))
    bars = ax.barh(y, values, color=[palette[g] for g in groups], height=0.65)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v:.4g}" for v in values], padding=3, fontsize=9)

    handles: list[Any] = []
    if colour_by:
        order = list(colours or {})
        shown = sorted(palette, key=lambda g: (order.index(g) if g in order else len(order), g))
        handles = [Patch(color=palette[g], label=g) for g in shown]
    reference = [0.0, *values]
    for line in reference_lines:
        handles.append(
            ax.axvline(line.value, color=line.colour, ls=line.style, lw=1.3, label=line.label)
        )
        reference.append(line.value)

    low, high = min(reference), max(reference)
    span = (high - low) or 1.0
    ax.set_xlim(low - (0.12 * span if low < 0 else 0.0), high + 0.14 * span)
    ax.axvline(0.0, color="0.2", lw=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_xlabel(f"{metric} ({ranking_direction(metric, lower_is_better)})")
    ax.set_title(title or f"Leaderboard: {metric}")
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False)
    return save_figure(fig, path, dpi)
