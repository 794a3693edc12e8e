"""``benchlab augment evaluate CONFIG [key=value …] [--json]``: does the GAN's data help?

Trains the seed's LSTM forecaster on real windows, real + synthetic and synthetic only, over
``evaluation.seeds``, and reports test MAE/RMSE with intervals, paired tests, TSTR, the
discriminative score and distribution checks (seed 001's ``train_baseline.py`` and
``train_baseline.py --augmented`` side by side). ``evaluation.gan_run`` names a train-gan run
folder; without it a GAN is trained first with the same config.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, out, print_json, user_errors, wide
from benchlab.errors import InputError


def evaluate(
    config: Annotated[Path, typer.Argument(help="YAML run config with task: augment")],
    overrides: Annotated[
        list[str] | None,
        typer.Argument(
            help="key=value overrides, e.g. evaluation.gan_run=runs/augment/olist/<run_id> "
            "evaluation.seeds=[0,1,2,3,4] quick_run.enabled=true"
        ),
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Forecaster on real vs real + synthetic windows over several seeds; TSTR, discriminative
    score, distribution checks; a run folder with the report."""
    from benchlab.augment.evaluation import evaluation_json, resolve_gan_run
    from benchlab.config import apply_overrides, parse_run_config, read_yaml_mapping
    from benchlab.plain import jsonable
    from benchlab.runner import print_summary, run_task
    from benchlab.tasks import default_task_name

    show = progress and sys.stderr.isatty()
    with user_errors():
        raw = apply_overrides(read_yaml_mapping(config), [*(overrides or []), "stage=evaluate"])
        task = raw.get("task") or default_task_name()
        if task != "augment":
            raise InputError(
                f"{config}: task {task!r} is not augment (use `benchlab run {config}`)"
            )
        cfg = parse_run_config(raw, source=str(config))
        if cfg.evaluation.gan_run is not None:
            from benchlab.augment.evaluation import check_gan_run

            check_gan_run(cfg, Path(cfg.evaluation.gan_run))  # fail before any GAN or run
        else:
            from benchlab.augment.training import prepare_gan
            from benchlab.parallel import stderr_console

            prepare_gan(cfg, console=stderr_console)  # bad data fails before a GAN is trained
        cfg = resolve_gan_run(cfg, progress=show)
        summary = run_task(cfg, progress=show)
    print_summary(summary, wide(out))
    if as_json:
        print_json(jsonable({**summary.to_json(), "evaluation": evaluation_json(summary.details)}))
