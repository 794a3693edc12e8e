"""The GAN run's report: losses over epochs, the gradient-penalty term and the critic's gradient
norm, and real against generated sequences for the same conditions.

The figures are drawn by :func:`plot_losses` and :func:`plot_real_vs_generated` when the run
trains (matplotlib imported there); :func:`gan_report_sections` only links them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.reports.markdown import (
    Section,
    config_section,
    figure_links,
    figures_section,
    format_value,
    leaderboard_section,
    markdown_table,
)

if TYPE_CHECKING:
    from benchlab.augment.config import AugmentRunConfig
    from benchlab.runs import RunFolder
    from benchlab.tasks import RunOutcome

LOSS_COLUMNS = ("d_loss", "g_loss", "wasserstein_distance")
PENALTY_COLUMNS = ("gp", "grad_norm")
GAP_COLUMN = "val_wasserstein_gap"
#: How far the mean critic gradient norm may sit from 1 and still count as "near 1".
GRAD_NORM_TOLERANCE = 0.25


@dataclass(frozen=True)
class SequenceSamples:
    """A few validation windows in units sold: the real history and target, and generated
    sequences under the same conditions (``generated`` ``[n, samples, F]``)."""

    product_ids: list[str]
    start_dates: list[Any]
    history: np.ndarray  # [n, H]
    target: np.ndarray  # [n, F]
    generated: np.ndarray  # [n, K, F]


def plot_losses(history: pl.DataFrame, path: Path) -> Path:
    """Three panels over epochs: the critic/generator losses and the critic's Wasserstein
    estimate; the penalty term and ‖∇D‖ (target 1); the validation gap."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from benchlab.reports.plots import save_figure

    epochs = history["epoch"].to_numpy()
    fig = Figure(figsize=(12, 3.6))
    axes = fig.subplots(1, 3)
    for column in LOSS_COLUMNS:
        axes[0].plot(epochs, history[column].to_numpy(), marker=".", label=column)
    axes[0].set_title("losses")
    for column in PENALTY_COLUMNS:
        axes[1].plot(epochs, history[column].to_numpy(), marker=".", label=column)
    axes[1].axhline(1.0, color="black", linestyle="--", linewidth=0.8, label="‖∇D‖ target")
    axes[1].set_title("gradient penalty")
    axes[2].plot(epochs, history[GAP_COLUMN].to_numpy(), marker=".", color="tab:red")
    axes[2].set_title(GAP_COLUMN)
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_real_vs_generated(samples: SequenceSamples, path: Path) -> Path:
    """One panel per window: the history, the real target and the generated sequences."""
    from matplotlib.figure import Figure

    from benchlab.reports.plots import save_figure

    n = len(samples.product_ids)
    history_days = samples.history.shape[1]
    horizon = samples.target.shape[1]
    past = np.arange(-history_days, 0)
    ahead = np.arange(horizon)
    fig = Figure(figsize=(4.2 * n, 3.4))
    axes = np.atleast_1d(fig.subplots(1, n, sharey=False))
    for i, ax in enumerate(axes):
        ax.plot(past, samples.history[i], color="grey", label="history")
        for k, sequence in enumerate(samples.generated[i]):
            label = "generated" if k == 0 else None
            ax.plot(ahead, sequence, color="tab:orange", alpha=0.45, linewidth=1, label=label)
        ax.plot(ahead, samples.target[i], color="tab:blue", linewidth=2, label="real")
        ax.set_title(f"{samples.product_ids[i][:10]} from {samples.start_dates[i]}", fontsize=9)
        ax.set_xlabel("day (0 = first target day)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("units sold")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def gan_report_sections(
    config: AugmentRunConfig, outcome: RunOutcome, run: RunFolder
) -> list[Section]:
    """Leaderboard, training (losses per epoch, stability), figures and configuration."""
    details = outcome.details
    sections = [leaderboard_section(outcome.leaderboard, outcome.primary_metric)]
    sections.append(_training_section(config, details))
    figures = figures_section(figure_links(details.figures, run.path))
    if figures is not None:
        sections.append(figures)
    sections.append(config_section(config.to_raw()))
    return sections


def stability(history: pl.DataFrame) -> dict[str, Any]:
    """Whether every logged loss stayed finite, and the mean ‖∇D‖ of the training."""
    columns = [*LOSS_COLUMNS, *PENALTY_COLUMNS]
    values = history.select(columns).to_numpy()
    grad_norm = float(history["grad_norm"].mean()) if history.height else math.nan
    return {
        "finite": bool(np.isfinite(values).all()),
        "mean_grad_norm": grad_norm,
        "near_one": abs(grad_norm - 1.0) <= GRAD_NORM_TOLERANCE,
    }


def _training_section(config: AugmentRunConfig, details: Any) -> Section:
    history: pl.DataFrame = details.history
    check = stability(history)
    mode = "quick run" if config.quick_run.enabled else "full run"
    lines = [
        f"{details.epochs} epoch(s) ({mode}) on {details.train_windows} training windows "
        f"({details.val_windows} validation windows), {format_value(details.train_seconds)} s "
        f"of training steps: {format_value(details.windows_per_second)} windows/s. Each step "
        f"made {config.training.n_critic} critic updates and one generator update "
        f"(lambda_gp {format_value(config.training.lambda_gp)}).",
        "",
        "Losses stayed finite in every epoch."
        if check["finite"]
        else "**Some losses were not finite**: training diverged (see the table).",
        f"The critic's mean gradient norm on interpolates was "
        f"{format_value(check['mean_grad_norm'])} (the penalty pulls it towards 1; "
        + ("within" if check["near_one"] else "**outside**")
        + f" ±{GRAD_NORM_TOLERANCE}).",
        "",
        f"`{GAP_COLUMN}` is the mean over the horizon's days of the 1-D Wasserstein distance "
        "between real and generated values of that day on the validation windows (scaled "
        "units; 0: the daily distributions match). "
        + (
            f"The weights kept are epoch {details.best_epoch}'s, the lowest gap."
            if details.best_epoch is not None
            else "The weights kept are the last epoch's."
        ),
        "",
        markdown_table(history),
    ]
    return Section("Training", lines)
