"""``benchlab basket train CONFIG [key=value …]``: the same run as ``benchlab run CONFIG`` for a
``task: basket`` config (stages where needed, one world model per seed, evaluation against
the baselines, run folder and report)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, out, print_json, user_errors, wide
from benchlab.errors import InputError


def train(
    config: Annotated[Path, typer.Argument(help="YAML run config with task: basket")],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(
            help="key=value overrides, e.g. training.max_epochs=3 evaluation.seeds=[0,1,2]"
        ),
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
    print_config: Annotated[
        bool,
        typer.Option(
            "--print-config", help="print the config after overrides and validation, then stop"
        ),
    ] = False,
) -> None:
    """Train the world model (MLM + auxiliary heads) and evaluate it against the baselines.

    Runs stage 1 and stage 2 first where the project root still needs them. The run folder
    holds each seed's weights, metrics per seed with intervals, breakdowns by date, hour and
    week, TensorBoard logs and the report.
    """
    from benchlab.config import apply_overrides, parse_run_config, read_yaml_mapping
    from benchlab.runner import print_summary, run_task

    with user_errors():
        raw = apply_overrides(read_yaml_mapping(config), overrides or [])
        task = raw.get("task", "basket")
        if task != "basket":
            raise InputError(f"{config}: task {task!r} is not basket (use `benchlab run {config}`)")
        cfg = parse_run_config({**raw, "task": "basket"}, source=str(config))
        if print_config:
            import yaml

            print(yaml.safe_dump(cfg.to_raw(), sort_keys=False), end="")
            return
        summary = run_task(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, wide(out))
    if as_json:
        print_json(summary.to_json())
