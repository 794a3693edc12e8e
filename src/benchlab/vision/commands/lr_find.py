"""``benchlab vision lr-find`` (seed 002's ``ml-lr-finder``): the learning-rate range test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, out, print_json, user_errors


def lr_find(
    config: Annotated[Path, typer.Option("--config", help="the vision run config (YAML)")],
    overrides: Annotated[
        list[str] | None, typer.Argument(help="key=value overrides, e.g. optimizer.name=sgd")
    ] = None,
    fold: Annotated[int | None, typer.Option("--fold", help="the fold to train on")] = None,
    start_lr: Annotated[
        float, typer.Option("--start-lr", "--start_lr", help="first learning rate")
    ] = 1e-7,
    end_lr: Annotated[float, typer.Option("--end-lr", "--end_lr", help="last learning rate")] = 1.0,
    num_iter: Annotated[
        int, typer.Option("--num-iter", "--num_iter", help="iterations (one batch each)")
    ] = 100,
    beta: Annotated[
        float, typer.Option("--beta", help="loss smoothing (lower: less smoothing)")
    ] = 0.98,
    diverge_threshold: Annotated[
        float,
        typer.Option(
            "--diverge-threshold",
            "--diverge_threshold",
            help="stop when smoothed loss > this × the lowest so far",
        ),
    ] = 4.0,
    as_json: JsonFlag = False,
) -> None:
    """The learning-rate range test: lr_plot.png (suggestion marked), results.json, a log.

    The rate grows exponentially from --start-lr to --end-lr, one batch per step; the loss is
    smoothed (EMA with --beta, bias-corrected) and the test stops when it diverges. Suggested:
    the rate of steepest descent / 10. The model and optimizer are left as they were.
    """
    from benchlab.vision.commands.train import load_train_config
    from benchlab.vision.lr_finder import LRFinderSettings, run_lr_finder

    with user_errors():
        settings = LRFinderSettings(start_lr, end_lr, num_iter, beta, diverge_threshold)
        cfg = load_train_config(config, overrides or [], fold=fold, resume=None, given={})
        found = run_lr_finder(cfg, settings)
    result = found.result
    suggested = "none" if result.suggested_lr is None else f"{result.suggested_lr:.3g}"
    out.print(
        f"suggested lr {suggested} (steepest descent / 10); {len(result.learning_rates)} "
        f"iteration(s), stopped: {result.stop_reason}",
        markup=False,
        highlight=False,
    )
    out.print(f"plot: {found.out_dir / 'lr_plot.png'}", markup=False, soft_wrap=True)
    if as_json:
        print_json(found.to_json())
