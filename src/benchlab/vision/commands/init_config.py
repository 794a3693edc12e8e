"""``benchlab vision init-config``: a data folder's run config from the packaged template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import out, user_errors


def init_config(
    data_dir: Annotated[
        Path, typer.Argument(help="the data folder holding raw/<class>/<image>", show_default=False)
    ],
    optuna: Annotated[
        bool, typer.Option("--optuna", help="add a search: section (Optuna search space)")
    ] = False,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="folder the config is written to")
    ] = Path("configs"),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing config")] = False,
) -> None:
    """Write <output>/<dataset>_config.yaml holding the data's classes, image size and channels."""
    from benchlab.vision.data.template import write_config

    with user_errors():
        path = write_config(data_dir, output_dir=output, optuna=optuna, force=force)
    out.print(f"wrote {path}", highlight=False, soft_wrap=True)
    out.print(f"next: benchlab vision train --config {path}", highlight=False, soft_wrap=True)
