"""The Gradio app: five tabs over the run folders of any task.

``benchlab dashboard [RUNS_DIR]`` calls :func:`serve`; tests build it with :func:`build_app`
and launch it on a free port. Gradio is imported here only, inside the functions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.dashboard.runs import RunCatalog, load_catalog
from benchlab.dashboard.views import Views, methodology_markdown, render, training_views
from benchlab.errors import InputError
from benchlab.evaluation.composite import DEFAULT_WEIGHTS

TITLE = "benchlab dashboard"
TABS = ("Leaderboard", "Analysis", "Training", "NPS", "Methodology")
WEIGHT_NAMES = tuple(DEFAULT_WEIGHTS)
SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "sans-serif")  # no web font: works offline
MONO_FONTS = ("ui-monospace", "monospace")


class DashboardData:
    """The run catalog the app shows, read again on "Reload runs"."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.catalog: RunCatalog = load_catalog(self.root)

    def reload(self) -> RunCatalog:
        self.catalog = load_catalog(self.root)
        return self.catalog

    def task_runs(self, task: str | None) -> list[str]:
        return [run.label for run in self.catalog.of_task(task)] if task else []


def table(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame Gradio can show: an empty one gets one empty column."""
    return frame if frame.width else pl.DataFrame({"": []}, schema={"": pl.String()})


def notes_markdown(notes: Sequence[str]) -> str:
    return "\n".join(f"- ⚠ {note}" for note in notes)


def build_app(root: str | Path) -> Any:
    """The dashboard over the runs in ``root`` (a ``gradio.Blocks``, not launched)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    data = DashboardData(Path(root))
    tasks = data.catalog.tasks()
    first_task = data.catalog.runs[0].task if data.catalog.runs else None  # the newest run's
    first_runs = data.task_runs(first_task)
    views = render(data.catalog, first_runs, weights=dict(DEFAULT_WEIGHTS), figures=False)
    matrix, status = training_views(data.catalog)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(
            f"# {TITLE}\nRuns in `{data.root}` — choose a task and its runs; every tab shows "
            "the figures of the chosen runs, read from their run folders."
        )
        with gr.Row():
            task = gr.Dropdown(tasks, value=first_task, label="Task", scale=1)
            runs = gr.Dropdown(
                first_runs,
                value=first_runs,
                multiselect=True,
                label="Runs",
                scale=4,
                allow_custom_value=True,  # its choices change with the task
            )
            reload = gr.Button("Reload runs", scale=0)
        notes = gr.Markdown(notes_markdown(views.notes), elem_id="notes")
        with gr.Tabs():
            with gr.Tab("Leaderboard"):
                board = gr.Dataframe(
                    table(views.leaderboard),
                    label="Experiments of the chosen runs (sort: a column's ⋮ menu)",
                    interactive=False,
                    elem_id="leaderboard",
                )
                gr.Markdown("### Composite ranking")
                with gr.Row():
                    sliders = [
                        gr.Slider(0.0, 1.0, value=weight, step=0.05, label=f"weight of {name}")
                        for name, weight in DEFAULT_WEIGHTS.items()
                    ]
                composite_note = gr.Markdown(views.composite_note, elem_id="composite-note")
                with gr.Row():
                    composite = gr.Dataframe(
                        table(views.composite),
                        label="Composite ranking",
                        interactive=False,
                        elem_id="composite",
                        scale=3,
                    )
                    weights = gr.Dataframe(
                        table(views.weights),
                        label="Weights used",
                        interactive=False,
                        elem_id="weights",
                        scale=1,
                    )
            with gr.Tab("Analysis"):
                analysis_note = gr.Markdown(views.analysis_note, elem_id="analysis-note")
                scatter = gr.Plot(views.scatter, label="Scatter", elem_id="scatter")
                metric = gr.Dropdown(
                    views.metrics,
                    value=views.metric,
                    label="Metric bars",
                    allow_custom_value=True,  # its choices change with the runs
                )
                bars = gr.Plot(views.bars, label="Metric", elem_id="bars")
                latency = gr.Plot(views.latency, label="Latency", elem_id="latency")
            with gr.Tab("Training"):
                gr.Markdown(
                    "Models × runs: *finished*, *partial* (some units failed), *failed* (no "
                    "primary metric) or *broken* (the run folder cannot be read)."
                )
                matrix_table = gr.Dataframe(
                    table(matrix), label="Status", interactive=False, elem_id="status-matrix"
                )
                status_table = gr.Dataframe(
                    table(status), label="Runs and models", interactive=False
                )
            with gr.Tab("NPS"):
                nps_note = gr.Markdown(views.nps_note, elem_id="nps-note")
                nps_table = gr.Dataframe(
                    table(views.nps), label="NPS", interactive=False, elem_id="nps"
                )
                nps_plot = gr.Plot(views.nps_figure, label="NPS", elem_id="nps-plot")
            with gr.Tab("Methodology"):
                gr.Markdown(methodology_markdown(), elem_id="methodology")

        outputs = [notes, board, composite_note, composite, weights, analysis_note, scatter]
        outputs += [metric, bars, latency, nps_note, nps_table, nps_plot]

        def shown(v: Views) -> list[Any]:
            return [
                notes_markdown(v.notes),
                table(v.leaderboard),
                v.composite_note,
                table(v.composite),
                table(v.weights),
                v.analysis_note,
                v.scatter,
                gr.Dropdown(choices=v.metrics, value=v.metric),
                v.bars,
                v.latency,
                v.nps_note,
                table(v.nps),
                v.nps_figure,
            ]

        def on_runs(labels: list[str] | None, name: str | None, *w: float) -> list[Any]:
            chosen = dict(zip(WEIGHT_NAMES, w, strict=True))
            return shown(render(data.catalog, labels or [], weights=chosen, metric=name))

        def on_task(name: str | None, metric_name: str | None, *w: float) -> list[Any]:
            labels = data.task_runs(name)
            return [gr.Dropdown(choices=labels, value=labels), *on_runs(labels, metric_name, *w)]

        def on_reload(name: str | None, metric_name: str | None, *w: float) -> list[Any]:
            catalog = data.reload()
            names = catalog.tasks()
            name = name if name in names else (names[0] if names else None)
            status_matrix, status_rows = training_views(catalog)
            return [
                gr.Dropdown(choices=names, value=name),
                *on_task(name, metric_name, *w),
                table(status_matrix),
                table(status_rows),
            ]

        selection = [metric, *sliders]
        app.load(on_runs, [runs, *selection], outputs)  # the charts, once the page is open
        task.input(on_task, [task, *selection], [runs, *outputs])
        runs.input(on_runs, [runs, *selection], outputs)
        for slider in sliders:
            slider.release(on_runs, [runs, *selection], outputs)
        metric.input(on_runs, [runs, *selection], outputs)
        reload.click(
            on_reload, [task, *selection], [task, runs, *outputs, matrix_table, status_table]
        )
    return app


def theme() -> Any:
    """Gradio's default look with system fonts (the default fetches a web font)."""
    import gradio as gr

    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def launch(app: Any, *, host: str, port: int) -> str:
    """Start ``app`` on ``host:port`` in the background; return its URL. A port in use is an
    :class:`InputError`."""
    try:
        app.launch(
            server_name=host,
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            show_error=True,
            share=False,
            inbrowser=False,
            ssr_mode=False,
            theme=theme(),
        )
    except OSError as exc:
        raise InputError(f"cannot serve on {host}:{port} ({exc}); choose another --port") from exc
    return f"http://{host}:{port}/"


def serve(root: str | Path, *, host: str = "127.0.0.1", port: int = 7860) -> None:
    """``benchlab dashboard``: serve the app over the runs in ``root`` until Ctrl-C."""
    app = build_app(root)
    url = launch(app, host=host, port=port)
    print(f"dashboard: {url} (Ctrl-C stops it)", flush=True)
    app.block_thread()
