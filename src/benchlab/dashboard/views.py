"""What each dashboard tab shows, as frames, Plotly figures and notes (no Gradio here).

:func:`render` turns the chosen runs into a :class:`Views`; the Gradio app only places them.
Plotly is imported inside the functions that draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from benchlab.dashboard.nps import (
    PREDICTION_COLUMNS,
    RATING_COLUMNS,
    find_column,
    nps_from_files,
)
from benchlab.dashboard.runs import Run, RunCatalog, experiments, status_matrix, training_status
from benchlab.errors import InputError
from benchlab.evaluation.composite import (
    DEFAULT_WEIGHTS,
    METRIC_ALIASES,
    CompositeRanking,
    composite_scores,
    resolve_metric,
)
from benchlab.evaluation.leaderboard import ranking_direction

DIGITS = 4
TIME_COLUMNS = ("train_seconds", "fit_seconds", "wall_seconds", "training_time_hours")
LATENCY_SAMPLE_COLUMN = "latency_ms"
LATENCY_PERCENTILES = ("latency_median_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms")
NO_RATING = "No rating column in these runs: the NPS tab needs predictions with ratings."
Figure = Any  # plotly.graph_objects.Figure


@dataclass
class Views:
    """Everything the tabs show for one choice of runs."""

    leaderboard: pl.DataFrame
    composite: pl.DataFrame
    weights: pl.DataFrame
    composite_note: str
    metrics: list[str]
    metric: str | None
    scatter: Figure | None
    bars: Figure | None
    latency: Figure | None
    analysis_note: str
    nps: pl.DataFrame
    nps_figure: Figure | None
    nps_note: str
    notes: list[str] = field(default_factory=list)


def display(frame: pl.DataFrame, digits: int = DIGITS) -> pl.DataFrame:
    """``frame`` with its floats rounded to ``digits`` significant digits, for reading."""
    return frame.with_columns(pl.col(pl.Float32, pl.Float64).round_sig_figs(digits))


def metric_columns(runs: Sequence[Run]) -> list[str]:
    """The runs' metrics, primary metrics first, in leaderboard order."""
    names: dict[str, None] = {}
    for run in runs:
        if run.primary_metric:
            names[run.primary_metric] = None
    for run in runs:
        names.update(dict.fromkeys(run.metrics))
    return list(names)


def composite_view(
    frame: pl.DataFrame, weights: Mapping[str, float] | None
) -> tuple[CompositeRanking | None, str]:
    """The composite ranking of ``frame``'s experiments and a note; ``None`` with the reason
    when the runs lack the metrics it needs or every weight is 0."""
    if frame.is_empty():
        return None, "No experiments in these runs."
    if not any(resolve_metric(name, frame.columns) for name in DEFAULT_WEIGHTS):
        wanted = ", ".join(DEFAULT_WEIGHTS)
        return None, f"No composite ranking: these runs have none of its metrics ({wanted})."
    if weights is not None and not any(weights.values()):
        return None, "No composite ranking: every weight is 0."
    try:
        ranking = composite_scores(frame, weights, id_columns=["run", "experiment"])
    except InputError as exc:
        return None, f"No composite ranking: {exc}"
    note = (
        "Composite score: the weighted sum of the metrics min–max normalised across the "
        f"experiments (1 best, 0 worst). Weights used: {ranking.describe_weights()}."
    )
    return ranking, note


def available_weights(
    frame: pl.DataFrame, weights: Mapping[str, float] | None
) -> dict[str, float] | None:
    """The weights on the concepts or metrics ``frame`` has (``None``: the defaults)."""
    if weights is None:
        return None
    return {name: w for name, w in weights.items() if resolve_metric(name, frame.columns)}


def point_labels(frame: pl.DataFrame) -> list[str]:
    """Each experiment's name, with its run when several runs are shown."""
    if frame.is_empty():
        return []
    if frame["run"].n_unique() == 1:
        return frame["experiment"].to_list()
    return [f"{e} ({r})" for e, r in frame.select("experiment", "run").rows()]


def scatter_figure(frame: pl.DataFrame, primary: str | None) -> tuple[Figure | None, str]:
    """Accuracy against latency; without them, the primary metric against training time."""
    accuracy = resolve_metric("accuracy", frame.columns)
    latency = resolve_metric("latency", frame.columns)
    if accuracy and latency:
        x, y, title = latency, accuracy, "Accuracy vs latency"
    else:
        x = next((c for c in TIME_COLUMNS if c in frame.columns), None)
        y = primary if primary in frame.columns else None
        if x is None or y is None:
            return None, "No scatter: these runs have neither accuracy and latency nor timings."
        title = f"{y} vs {x}"
    points = frame.with_columns(pl.Series("label", point_labels(frame), dtype=pl.String()))
    points = points.filter(pl.col(x).is_not_null() & pl.col(y).is_not_null())
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Scatter(
            x=points[x].to_list(),
            y=points[y].to_list(),
            mode="markers+text",
            text=points["label"].to_list(),
            textposition="top center",
            marker={"size": 12},
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title=f"{x} ({ranking_direction(x)})",
        yaxis_title=f"{y} ({ranking_direction(y)})",
        template="plotly_white",
        margin={"t": 50, "l": 60, "r": 20, "b": 50},
    )
    return fig, ""


def bar_figure(frame: pl.DataFrame, metric: str | None) -> Figure | None:
    """One bar per experiment for ``metric``, best first."""
    if metric is None or metric not in frame.columns:
        return None
    import plotly.graph_objects as go

    from benchlab.evaluation.leaderboard import ranking_key

    rows = [
        (e, v) for e, v in zip(point_labels(frame), frame[metric], strict=True) if v is not None
    ]
    rows.sort(key=lambda row: ranking_key(metric, row[1]) or 0.0)
    fig = go.Figure(go.Bar(x=[r[0] for r in rows], y=[r[1] for r in rows]))
    fig.update_layout(
        title=f"{metric} ({ranking_direction(metric)})",
        template="plotly_white",
        margin={"t": 50, "l": 60, "r": 20, "b": 80},
    )
    return fig


def latency_figure(runs: Sequence[Run], frame: pl.DataFrame) -> tuple[Figure | None, str]:
    """Latency distributions: per-example samples (a Parquet file with ``latency_ms``) as box
    plots, else the latency percentiles the leaderboard has as grouped bars."""
    import plotly.graph_objects as go

    samples = []
    for run in runs:
        for path in run.parquet_files(LATENCY_SAMPLE_COLUMN):
            data = pl.read_parquet(path)
            model = "model" if "model" in data.columns else None
            groups = data.group_by(model, maintain_order=True) if model else [((path.stem,), data)]
            for (name,), group in groups:
                label = f"{name} ({run.run_id})" if len(runs) > 1 else str(name)
                samples.append((label, group[LATENCY_SAMPLE_COLUMN].to_list()))
    if samples:
        fig = go.Figure(
            [go.Box(y=values, name=label, boxpoints=False) for label, values in samples]
        )
        fig.update_layout(
            title="Latency per example (ms)", yaxis_title="ms", template="plotly_white"
        )
        return fig, ""
    present = [c for c in LATENCY_PERCENTILES if c in frame.columns]
    if not present:
        return None, "No latency distribution: these runs measured no latency."
    fig = go.Figure([go.Bar(name=c, x=point_labels(frame), y=frame[c].to_list()) for c in present])
    fig.update_layout(
        title="Latency percentiles (ms)", barmode="group", yaxis_title="ms", template="plotly_white"
    )
    return fig, ""


def rating_files(runs: Sequence[Run]) -> list[tuple[str, Any]]:
    """``(run id, parquet file)`` for every predictions file with a rating column."""
    found = []
    for run in runs:
        for rating in RATING_COLUMNS:
            for path in run.parquet_files(rating):
                columns = list(pl.read_parquet_schema(path))
                if find_column(columns, PREDICTION_COLUMNS) and (run.run_id, path) not in found:
                    found.append((run.run_id, path))
    return found


def nps_view(
    runs: Sequence[Run], *, figure: bool = True
) -> tuple[pl.DataFrame, Figure | None, str]:
    """The NPS table (customers vs each model, overall and per category) and its chart."""
    files = rating_files(runs)
    if not files:
        return pl.DataFrame(), None, NO_RATING
    try:
        table = nps_from_files(files)
    except InputError as exc:
        return pl.DataFrame(), None, f"No NPS: {exc}"
    categories = table.filter(pl.col("category") != "all")["category"].n_unique()
    note = (
        f"NPS from {len(files)} predictions file(s)"
        + (f", {categories} categories" if categories else "")
        + ": promoters minus detractors, in % of reviews."
    )
    if not figure:
        return table, None, note
    import plotly.graph_objects as go

    overall = table.filter(pl.col("category") == "all")
    labels = [
        f"{m} ({r})" if table["run"].n_unique() > 1 else m
        for r, m in overall.select("run", "model").rows()
    ]
    fig = go.Figure(
        [
            go.Bar(name="model NPS", x=labels, y=overall["model_nps"].to_list()),
            go.Scatter(
                name="customer NPS (actual)",
                x=labels,
                y=overall["customer_nps"].to_list(),
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 40, "line": {"width": 3}},
            ),
        ]
    )
    fig.update_layout(
        title="Model NPS from predictions vs customer NPS from ratings",
        yaxis={"title": "NPS", "range": [-100, 100]},
        template="plotly_white",
    )
    return table, fig, note


def render(
    catalog: RunCatalog,
    labels: Sequence[str],
    *,
    weights: Mapping[str, float] | None = None,
    metric: str | None = None,
    figures: bool = True,
) -> Views:
    """Every tab's content for the runs named by ``labels``; ``figures=False`` leaves out the
    charts and their notes (the app draws them once the page is open: building Plotly figures
    costs the start-up about a second)."""
    runs = catalog.select(labels)
    frame = experiments(runs)
    ranking, composite_note = composite_view(frame, available_weights(frame, weights))
    metrics = metric_columns(runs)
    primary = metrics[0] if metrics else None
    metric = metric if metric in metrics else (resolve_metric("f1", metrics) or primary)
    draw = figures and bool(runs)
    scatter, scatter_note = scatter_figure(frame, primary) if draw else (None, "")
    latency, latency_note = latency_figure(runs, frame) if draw else (None, "")
    nps, nps_figure, nps_note = nps_view(runs, figure=figures)
    notes = [f"broken run {line}" for line in catalog.notes()]
    if not catalog.runs:
        notes.insert(0, f"No runs in {catalog.root}.")
    elif not runs:
        notes.insert(0, "No run chosen.")
    return Views(
        leaderboard=display(frame),
        composite=display(ranking.frame) if ranking else pl.DataFrame(),
        weights=display(ranking.weights_frame()) if ranking else pl.DataFrame(),
        composite_note=composite_note,
        metrics=metrics,
        metric=metric,
        scatter=scatter,
        bars=bar_figure(frame, metric) if draw else None,
        latency=latency,
        analysis_note=" ".join(n for n in (scatter_note, latency_note) if n),
        nps=display(nps),
        nps_figure=nps_figure,
        nps_note=nps_note,
        notes=notes,
    )


def training_views(catalog: RunCatalog) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The Training tab: the models × runs status matrix and the long status table."""
    status = training_status(catalog)
    return status_matrix(status), status


def methodology_markdown() -> str:
    """The Methodology tab: how each score shown is computed."""
    weights = ", ".join(f"{name} {w:.0%}" for name, w in DEFAULT_WEIGHTS.items())
    aliases = "\n".join(
        f"   - **{name}**: the first of {', '.join(f'`{c}`' for c in columns)}"
        for name, columns in METRIC_ALIASES.items()
    )
    return f"""
## Where the figures come from
Every number is read from the run folders: `leaderboard.csv` (one row per experiment, ranked
by the task's primary metric; `rank` is the rank within its run), `metrics.json`,
`manifest.json` and `config.yaml`. Folders still being written (`.tmp-…`) are skipped; a
folder that cannot be read is listed as *broken* with the reason. Numbers are shown to
{DIGITS} significant digits.

## Composite ranking
1. Each weighted metric is min–max normalised across the experiments compared:
   `(worst − value) / (worst − best)` in the metric's direction, so the best gets 1 and the
   worst 0. Higher is better for accuracy, F1, precision, recall and rates (throughput,
   samples per second); lower is better for errors, latency and memory; `bias` is ranked by
   its distance to 0 and `coverage_<level>` by its distance to the level.
2. A metric with the same value for every experiment gives every one 1 (it cannot tell them
   apart, so it changes no rank).
3. The composite score is the weighted sum of the normalised metrics, the weights divided by
   their sum: {weights} by default (seed 004). A weight names a metric or one of:
{aliases}
4. Only the default metrics the runs have are used (the weights renormalised over them). An
   experiment without a value of a weighted metric gets no score and is listed last. Ties
   share the best rank of their group.

## Analysis
The scatter shows accuracy against median latency when the runs have both, else the primary
metric against training time. Bars show one metric per experiment, best first. Latency
distributions come from per-example timings (a Parquet file with a `latency_ms` column), else
from the latency percentiles in the leaderboard.

## Training
One row per model, one column per run: *finished*; *partial* when some units failed
(`n_failed`, e.g. SKUs a forecaster could not fit); *failed* when the run has no value of its
primary metric for the model; *broken* when the run folder cannot be read.

## NPS
Net Promoter Score = % promoters − % detractors, from −100 to 100. Customers from their rating:
0–10 scale 9–10 promoter, 7–8 passive, 0–6 detractor; 1–5 stars 5 promoter, 4 passive, 1–3
detractor. A model from its predicted sentiment: positive promoter, neutral passive, negative
detractor (class numbers 0/1 or 0/1/2 read as negative…positive). The gap is model NPS minus
customer NPS: how far the sentiment model's reading of the reviews is from what customers said.

## Statistics
Whether a difference is real is tested in `benchlab.evaluation.statistics`: bootstrap
confidence intervals of each quality metric, McNemar's test between classifiers and the
Diebold–Mariano test between forecasters, Holm-corrected over every pair of models.
"""
