"""``benchlab dashboard``: a Gradio app over the run folders of every task."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import user_errors


def dashboard(
    runs_dir: Annotated[
        Path, typer.Argument(help="folder holding runs/<task>/<dataset>/<run_id>/")
    ] = Path("runs"),
    port: Annotated[int, typer.Option(help="port to serve on")] = 7860,
    host: Annotated[str, typer.Option(help="address to serve on (0.0.0.0: every interface)")] = (
        "127.0.0.1"
    ),
) -> None:
    """Serve a dashboard of the runs: leaderboard and composite ranking, analysis charts,
    training status, NPS and methodology tabs. Ctrl-C stops it."""
    from benchlab.extras import require

    with user_errors():
        if not 0 < port < 65536:
            from benchlab.errors import InputError

            raise InputError(f"--port must be between 1 and 65535; got {port}")
        require("gradio", "dashboard", what="benchlab dashboard")
        require("plotly", "dashboard", what="benchlab dashboard")
        from benchlab.dashboard.app import serve

        serve(runs_dir, host=host, port=port)
