"""``benchlab vision search``: Optuna over the config's search space, then train the best."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, user_errors


def search(
    config: Annotated[Path, typer.Option("--config", help="a vision config with a search:")],
    overrides: Annotated[
        list[str] | None, typer.Argument(help="key=value overrides, e.g. search.n_trials=20")
    ] = None,
    n_trials: Annotated[
        int | None, typer.Option("--n-trials", "--n_trials", help="trials (default: config)")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="add trials to the study")] = False,
    study_name: Annotated[
        str | None,
        typer.Option("--study-name", "--study_name", help="study (default: config, or its name)"),
    ] = None,
    fold: Annotated[int | None, typer.Option("--fold", help="the fold to search on")] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Search the config's search space (train/val of one fold), then train the best config.

    Samplers tpe, random, cmaes, grid; pruners median, percentile, hyperband, none (every epoch
    is reported). The study is stored in tuning.storage (default <output_dir>/optuna.db; a
    PostgreSQL URL for many processes). The best config goes to the refit run's
    tuning/best_config.yaml and <output_dir>/optuna_studies/<study>/best_config.yaml;
    `benchlab vision train --config` takes it as it is.
    """
    from benchlab.cli.run import tune_config
    from benchlab.config import apply_overrides, parse_run_config, read_yaml_mapping, set_values
    from benchlab.errors import InputError
    from benchlab.tuning import tuning_of

    with user_errors():
        raw = apply_overrides(read_yaml_mapping(config), overrides or [])
        if fold is not None:
            raw = set_values(raw, {"data.fold": fold})
        if raw.get("task", "vision") != "vision":
            raise InputError(f"{config}: task {raw['task']!r}; `benchlab vision search` is vision")
        cfg = parse_run_config({**raw, "task": "vision"}, source=str(config))
        if study_name is not None:
            tuning = tuning_of(cfg).model_copy(update={"study_name": study_name})
            cfg = cfg.model_copy(update={"tuning": tuning})
        tune_config(
            cfg,
            n_trials=n_trials,
            resume=resume,
            as_json=as_json,
            progress=progress,
        )
