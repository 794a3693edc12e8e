"""``benchlab vision visualise``: TensorBoard on a run, or a study's Optuna plots as HTML."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, out, print_json, user_errors
from benchlab.errors import InputError


class Mode(StrEnum):
    launch = "launch"
    search = "search"


def visualise(
    mode: Annotated[Mode, typer.Option("--mode", help="launch: TensorBoard; search: plots")],
    run_dir: Annotated[
        Path | None,
        typer.Option("--run-dir", "--run_dir", help="launch: a run folder (or runs/ for all)"),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="launch: port (default: a free one)")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="launch: address to listen on")] = (
        "127.0.0.1"
    ),
    study_name: Annotated[
        str | None, typer.Option("--study-name", "--study_name", help="search: the study")
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(help="search: Optuna storage URL (default: the config's, or runs/optuna.db)"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="search: take storage and study name from this config"),
    ] = None,
    plot_type: Annotated[
        list[str] | None,
        typer.Option("--plot-type", "--plot_type", help="search: plot to write (repeatable)"),
    ] = None,
    params: Annotated[
        list[str] | None,
        typer.Option("--params", help="search: searched values to show (repeat or a,b)"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="search: folder (default runs/optuna_studies/<study>)"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Start TensorBoard on a run (--mode launch; Ctrl-C stops it), or write a study's Optuna
    plots as HTML (--mode search)."""
    if mode is Mode.launch:
        _launch(run_dir, port=port, host=host, as_json=as_json)
        return
    from benchlab.runs import safe_name
    from benchlab.tuning import DEFAULT_STORAGE
    from benchlab.vision.visualise import load_study, write_study_plots

    with user_errors():
        name, url = study_name, storage
        if config is not None:
            from benchlab.config import load_run_config
            from benchlab.tuning import tuning_of

            cfg = load_run_config(config)
            tuning = tuning_of(cfg)
            name = name or tuning.study_name or cfg.name
            url = url or tuning.storage_url(cfg.output_dir)
        if name is None:
            raise InputError("--mode search needs --study-name (or --config)")
        study = load_study(name, url or DEFAULT_STORAGE)
        wanted = [p.strip() for value in params or [] for p in value.split(",") if p.strip()]
        folder = output or Path("runs") / "optuna_studies" / safe_name(name)
        plots = write_study_plots(study, folder, plot_types=plot_type or [], params=wanted)
    for plot, path in plots.written.items():
        out.print(f"{plot}: {path}", markup=False, highlight=False, soft_wrap=True)
    for plot, why in plots.skipped.items():
        out.print(f"{plot}: skipped ({why})", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        print_json({"study_name": name, **plots.to_json()})


def _launch(run_dir: Path | None, *, port: int | None, host: str, as_json: bool) -> None:
    from benchlab.vision.visualise import start_tensorboard

    with user_errors():
        if run_dir is None:
            raise InputError("--mode launch needs --run-dir")
        server = start_tensorboard(run_dir, port=port, host=host)
    out.print(
        f"TensorBoard on {server.logdir}: {server.url} (Ctrl-C stops it)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if as_json:
        print_json({"url": server.url, "logdir": str(server.logdir.resolve())})
    try:
        while server.running():  # short sleeps: Ctrl-C is seen even when another thread gets it
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
