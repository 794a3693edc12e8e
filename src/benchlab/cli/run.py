"""``benchlab run`` and ``benchlab tune``: any task's config, the task taken from ``task:``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.common import (
    JsonFlag,
    ProgressFlag,
    absolute_paths,
    out,
    print_json,
    user_errors,
    wide,
)
from benchlab.errors import InputError

Overrides = Annotated[
    list[str] | None,
    typer.Argument(
        help="key=value overrides, read as in the YAML file: data.horizon=14, "
        "data.split_date=2020-02-01, models.0.alpha=[0.1,0.5], tracking.uri=null"
    ),
]


def run(
    config: Annotated[Path, typer.Argument(help="YAML run config, e.g. configs/m5_quick.yaml")],
    overrides: Overrides = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
    print_config: Annotated[
        bool,
        typer.Option(
            "--print-config", help="print the config after overrides and validation, then stop"
        ),
    ] = False,
) -> None:
    """Run a config: train and evaluate what it asks for, write the run folder and report.

    A config with ``mode: hp_tune`` runs its search instead (as ``benchlab tune``).
    """
    from benchlab.config import load_run_config
    from benchlab.runner import print_summary, run_task

    with user_errors():
        cfg = load_run_config(config, overrides or [])
        if print_config:
            import yaml

            print(yaml.safe_dump(cfg.to_raw(), sort_keys=False), end="")
            return
        if cfg.mode == "hp_tune":
            tune_config(cfg, n_trials=None, resume=False, as_json=as_json, progress=progress)
            return
        summary = run_task(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, wide(out))
    if as_json:
        print_json(summary.to_json())


def tune(
    config: Annotated[Path, typer.Argument(help="YAML run config with a tuning: section")],
    overrides: Annotated[
        list[str] | None, typer.Argument(help="key=value overrides, e.g. tuning.n_trials=20")
    ] = None,
    n_trials: Annotated[int | None, typer.Option(help="trials to run (default: config)")] = None,
    resume: Annotated[bool, typer.Option(help="add trials to an existing study")] = False,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Hyperparameter search (Optuna) on the task's validation folds, then refit the best."""
    from benchlab.config import load_run_config

    with user_errors():
        cfg = load_run_config(config, overrides or [])
        tune_config(cfg, n_trials=n_trials, resume=resume, as_json=as_json, progress=progress)


def tune_config(
    cfg: Any, *, n_trials: int | None, resume: bool, as_json: bool, progress: bool
) -> None:
    """Run the search of the config's task and print the best trial (and ``--json``)."""
    from benchlab.tasks import get_task

    if n_trials is not None and n_trials < 1:
        raise InputError(f"--n-trials must be at least 1; got {n_trials}")
    result = get_task(cfg.task).tune(
        cfg, n_trials=n_trials, resume=resume, progress=progress and sys.stderr.isatty()
    )
    out.print(
        f"best {result.metric} {result.best_value:.4g} after {result.n_trials} trial(s) of "
        f"study {result.study_name}: {result.best_params}",
        markup=False,
        soft_wrap=True,
    )
    out.print(f"best config: {result.best_config_path}", markup=False, soft_wrap=True)
    out.print(f"run folder: {result.run_dir}", markup=False, soft_wrap=True)
    if as_json:
        print_json(absolute_paths(result.to_json(), ["best_config_path", "run_dir"]))
