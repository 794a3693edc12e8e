"""The basket run's report: leaderboard, intervals over seeds, model − baseline, breakdowns,
training curves, and how the masked-product metrics were computed (unsampled)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from benchlab.reports.markdown import (
    Section,
    config_section,
    figures_section,
    format_value,
    leaderboard_section,
    markdown_table,
)

if TYPE_CHECKING:
    from benchlab.basket.config import BasketRunConfig
    from benchlab.basket.pipeline import BasketDetails
    from benchlab.runs import RunFolder
    from benchlab.tasks import RunOutcome


def ranking_note(details: BasketDetails) -> Section:
    """How the masked-product metrics were computed: full catalogue, nothing sampled."""
    ks = ", ".join(f"Recall@{k}" for k in details.ks)
    lines = [
        f"{ks} and NDCG@10 rank the **full catalogue of {details.catalogue_size:,} products** "
        "for every test basket: unsampled, no negative sampling, so they are lower than "
        "figures computed against 100 sampled negatives would be.",
        "",
        "- One known product per test basket is masked (leave-one-out, seeded per seed); "
        "products unseen in the training weeks (UNK) are never the target.",
        "- The products still visible in the basket and the PAD/UNK/MASK ids are excluded "
        "from the ranking of every method alike (the world model and the baselines).",
        "- Ties (frequent for the count baselines) are broken by one seeded order of the "
        "catalogue shared by all methods.",
        "- Auxiliary tasks are predicted from the whole, unmasked basket; accuracy and macro "
        "F1 count the baskets with a known label (XX is left out).",
        "- Baselines learn from the training weeks only: global popularity, the customer's own "
        "purchase counts backed off to popularity (anonymous and new customers get "
        "popularity), and each auxiliary task's majority class.",
    ]
    return Section("How the metrics were computed", lines)


def summary_section(config: BasketRunConfig, details: BasketDetails) -> Section:
    sizes = details.sizes
    rows: list[list[Any]] = [
        ["project root", str(config.project_root)],
        ["baskets (train / validation / test)", " / ".join(f"{sizes[s]:,}" for s in sizes)],
        ["catalogue (products)", details.catalogue_size],
        ["seeds", ", ".join(str(s) for s in details.seeds)],
        ["auxiliary tasks", ", ".join(details.tasks) or "none"],
        ["device", details.device],
        ["stages run before training", "; ".join(details.stages_run) or "none (up to date)"],
    ]
    for row in details.training:
        rows.append(
            [
                f"seed {row['seed']}",
                f"{row['epochs']} epochs, best epoch {row['best_epoch']} (val_loss "
                f"{format_value(row['best_val_loss'])}), {row['train_seconds']:.1f} s training, "
                f"{row['eval_seconds']:.1f} s evaluation, {row['quick_validations']} quick "
                "validations",
            ]
        )
    lines = ["| | value |", "|---|---|"]
    lines += [f"| {label} | {format_value(value)} |" for label, value in rows]
    return Section("Run summary", lines)


def _interval_text(row: dict[str, Any]) -> str:
    if row["low"] is None:
        return format_value(row["mean"])
    return f"{format_value(row['mean'])} [{format_value(row['low'])}, {format_value(row['high'])}]"


def intervals_section(details: BasketDetails) -> Section:
    """Mean [95 % t-interval] over seeds, one row per metric, one column per method."""
    frame = details.intervals
    methods = frame["method"].unique(maintain_order=True).to_list()
    metrics = frame["metric"].unique(maintain_order=True).to_list()
    cells = {(r["method"], r["metric"]): _interval_text(r) for r in frame.iter_rows(named=True)}
    table = pl.DataFrame(
        {"metric": metrics, **{m: [cells.get((m, x), "—") for x in metrics] for m in methods}}
    )
    n = len(details.seeds)
    note = (
        f"Mean over {n} seeds with a 95 % Student-t interval (t with {n - 1} degrees of "
        "freedom); each seed trains its own model and masks its own test products."
        if n > 1
        else "One seed: no interval (set `evaluation.seeds: [0, 1, 2]` for intervals)."
    )
    return Section("Metrics over seeds", [note, "", markdown_table(table)])


def paired_section(details: BasketDetails) -> Section | None:
    """World model minus each baseline, seed by seed, on their shared metrics."""
    frame = details.paired
    if frame.is_empty():
        return None
    table = frame.select(
        pl.col("method").alias("baseline"),
        "metric",
        pl.struct("mean", "low", "high")
        .map_elements(_interval_text, return_dtype=pl.String)
        .alias("world_model − baseline"),
        pl.format("{}/{}", "wins", "n_seeds").alias("seeds won"),
    )
    note = (
        "Paired over seeds (the same masked products for both on each seed); an interval "
        "above 0 means the world model is better on that metric."
    )
    return Section("World model against each baseline", [note, "", markdown_table(table)])


def plot_training_curves(history: pl.DataFrame, quick: pl.DataFrame, path: Path) -> Path:
    """Training and full validation loss per epoch, and the quick validations per step, one
    line per seed (PNG)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from benchlab.reports.plots import PALETTE, save_figure

    fig = Figure(figsize=(11, 4))
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    seeds = history["seed"].unique(maintain_order=True).to_list() if history.height else []
    colours = {seed: PALETTE[i % len(PALETTE)] for i, seed in enumerate(seeds)}
    for seed in seeds:
        part = history.filter(pl.col("seed") == seed)
        for column, style in (("train_loss", "--"), ("val_loss", "-o")):
            if column in part.columns:
                left.plot(
                    part["epoch"],
                    part[column],
                    style,
                    color=colours[seed],
                    markersize=3,
                    label=f"{column} (seed {seed})",
                )
    for seed in quick["seed"].unique(maintain_order=True).to_list() if quick.height else []:
        part = quick.filter(pl.col("seed") == seed)
        right.plot(part["step"], part["loss"], "-", color=colours.get(seed), label=f"seed {seed}")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_title("Loss per epoch (full validation)")
    left.set_xlabel("epoch")
    right.set_title("Quick validation loss (subset, every N steps)")
    right.set_xlabel("optimizer step")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def basket_report_sections(
    config: BasketRunConfig, outcome: RunOutcome, run: RunFolder
) -> list[Section]:
    """Summary, leaderboard, the metrics note, intervals, paired differences, figures,
    config."""
    details: BasketDetails = outcome.details
    figures = {
        caption: path for caption, path in details.figures.items() if (run.path / path).is_file()
    }
    sections = [
        summary_section(config, details),
        leaderboard_section(
            outcome.leaderboard, outcome.primary_metric, {outcome.primary_metric: False}
        ),
        ranking_note(details),
        intervals_section(details),
        paired_section(details),
        figures_section(figures),
        config_section(config.to_raw()),
    ]
    return [section for section in sections if section is not None]
