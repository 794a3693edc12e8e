"""``benchlab augment train-gan CONFIG [key=value …]``: train the conditional WGAN-GP.

The same as ``benchlab run CONFIG`` for a ``task: augment`` config (seed 001's
``python scripts/train_gan.py quick_run.enabled=true``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, out, print_json, user_errors, wide
from benchlab.errors import InputError


def train_gan(
    config: Annotated[Path, typer.Argument(help="YAML run config with task: augment")],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(
            help="key=value overrides, e.g. quick_run.enabled=true training.lambda_gp=15"
        ),
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Train the conditional WGAN-GP: run folder with weights, TensorBoard logs, report."""
    from benchlab.config import apply_overrides, parse_run_config, read_yaml_mapping
    from benchlab.runner import print_summary, run_task
    from benchlab.tasks import default_task_name

    with user_errors():
        raw = apply_overrides(read_yaml_mapping(config), overrides or [])
        task = raw.get("task") or default_task_name()
        if task != "augment":
            raise InputError(
                f"{config}: task {task!r} is not augment (use `benchlab run {config}`)"
            )
        cfg = parse_run_config(raw, source=str(config))
        summary = run_task(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, wide(out))
    if as_json:
        print_json(summary.to_json())
