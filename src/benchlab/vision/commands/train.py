"""``benchlab vision train``: train one network on one fold and evaluate it on the test split."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, out, print_json, user_errors, wide

#: CLI option → the config key it sets and its part of the run name (seed 002's naming).
OVERRIDES: dict[str, tuple[str, str]] = {
    "batch_size": ("training.batch_size", "batch"),
    "lr": ("optimizer.lr", "lr"),
    "epochs": ("training.num_epochs", "epochs"),
    "trainer": ("training.trainer_type", "trainer"),
}


def run_name(base: str, fold: int, given: dict[str, Any]) -> str:
    """``<base>_<override>_<value>…_fold_<k>`` from the options given on the command line.

    >>> run_name("digits", 0, {"batch_size": 32, "lr": 0.01, "epochs": None})
    'digits_batch_32_lr_0.01_fold_0'
    """
    parts = [base]
    for option, value in given.items():
        if value is not None:
            text = f"{value:g}" if isinstance(value, float) else str(value)
            parts.append(f"{OVERRIDES[option][1]}_{text}")
    return "_".join([*parts, f"fold_{fold}"])


def load_train_config(
    config: Path,
    overrides: list[str],
    *,
    fold: int | None,
    resume: Path | None,
    given: dict[str, Any],
) -> Any:
    """The vision config with the command's options applied and its run name set."""
    from benchlab.config import apply_overrides, parse_run_config, read_yaml_mapping, set_values
    from benchlab.errors import InputError

    raw = apply_overrides(read_yaml_mapping(config), overrides)
    values = {OVERRIDES[k][0]: v for k, v in given.items() if v is not None}
    if fold is not None:
        values["data.fold"] = fold
    if resume is not None:
        values["resume"] = str(resume)
    raw = set_values(raw, values)
    if raw.get("task", "vision") != "vision":
        raise InputError(f"{config}: task {raw['task']!r}; `benchlab vision train` trains vision")
    base = parse_run_config({**raw, "task": "vision"}, source=str(config))
    name = run_name(base.name, base.data.fold, given)
    return base.model_copy(update={"name": name})


def train(
    config: Annotated[Path, typer.Option("--config", help="the vision run config (YAML)")],
    overrides: Annotated[
        list[str] | None, typer.Argument(help="key=value overrides, e.g. scheduler.type=step")
    ] = None,
    fold: Annotated[int | None, typer.Option("--fold", help="cross-validation fold")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", "--batch_size", help="training.batch_size")
    ] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="optimizer.lr")] = None,
    epochs: Annotated[
        int | None,
        typer.Option("--epochs", "--num-epochs", "--num_epochs", help="training.num_epochs"),
    ] = None,
    trainer: Annotated[
        str | None,
        typer.Option(
            "--trainer",
            "--trainer-type",
            "--trainer_type",
            help="standard, mixed_precision, accelerate or dp",
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", help="continue from a checkpoint (a run's weights/last.pt)"),
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Train a model; evaluate it on the test split.

    The run folder is named from the options given (``digits_batch_32_lr_0.01_fold_0``) and
    holds weights/best.pt and weights/last.pt, TensorBoard logs, the confusion matrix, the
    classification report and the report. ``--resume`` continues a run's last checkpoint in a
    new run folder, with the same weights as an uninterrupted run.
    """
    from benchlab.plain import jsonable
    from benchlab.runner import print_summary, run_task
    from benchlab.vision.training import BEST_CHECKPOINT, run_metrics

    given = {"batch_size": batch_size, "lr": lr, "epochs": epochs, "trainer": trainer}
    with user_errors():
        cfg = load_train_config(config, overrides or [], fold=fold, resume=resume, given=given)
        summary = run_task(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, wide(out))
    if as_json:
        run_dir = Path(summary.run_dir).resolve()
        print_json(
            jsonable(
                {
                    "run_dir": str(run_dir),
                    "best_checkpoint": str(run_dir / BEST_CHECKPOINT),
                    "metrics": run_metrics(summary.outcome),
                }
            )
        )
