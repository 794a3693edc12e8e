"""The evaluation run's report: the verdict first, then test errors with their intervals, the
paired tests, the quality of the synthetic windows and the figures.

The figures are drawn when the run evaluates (:func:`plot_distributions`,
:func:`plot_seed_errors`; matplotlib imported there); :func:`evaluation_report_sections` only
links them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.reports.markdown import (
    MISSING,
    Section,
    config_section,
    figure_links,
    figures_section,
    format_value,
    leaderboard_section,
    markdown_table,
)

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.augment.comparison import MetricSummary, PairedComparison
    from benchlab.augment.config import AugmentRunConfig
    from benchlab.augment.evaluation import EvaluationDetails, Fidelity
    from benchlab.evaluation.statistics import BootstrapInterval
    from benchlab.runs import RunFolder
    from benchlab.tasks import RunOutcome

_VARIANT_COLOURS = {"real_only": "tab:blue", "augmented": "tab:orange", "tstr": "tab:green"}


def _ci(ci: BootstrapInterval | None) -> str:
    return MISSING if ci is None else f"{format_value(ci.low)} … {format_value(ci.high)}"


def _percent_ci(ci: BootstrapInterval | None) -> str:
    return MISSING if ci is None else f"{100 * ci.low:+.1f} % … {100 * ci.high:+.1f} %"


def errors_table(summaries: dict[str, dict[str, MetricSummary]]) -> pl.DataFrame:
    """One row per variant: MAE and RMSE (mean over seeds) with both 95% intervals."""
    rows = []
    for variant, metrics in summaries.items():
        row: dict[str, Any] = {"variant": variant}
        for name, summary in metrics.items():
            row[name.upper()] = summary.mean
            row[f"{name.upper()} CI over seeds"] = _ci(summary.seeds_ci)
            row[f"{name.upper()} CI over windows"] = _ci(summary.windows_ci)
        rows.append(row)
    return pl.DataFrame(rows)


def comparison_table(comparisons: dict[str, PairedComparison]) -> pl.DataFrame:
    """One row per variant against the baseline on test MAE."""
    rows = []
    for comparison in comparisons.values():
        seeds, dm = comparison.seeds, comparison.diebold_mariano
        rows.append(
            {
                "variant": comparison.variant,
                "vs": comparison.baseline,
                "Δ MAE": comparison.difference,
                "Δ CI over seeds": _ci(seeds),
                "p (paired bootstrap, seeds)": MISSING if seeds is None else seeds.p_value,
                "share of resamples better": MISSING if seeds is None else seeds.share_a_better,
                "DM statistic": MISSING if dm is None else dm.statistic,
                "p (DM, windows)": MISSING if dm is None else dm.p_value,
                "improvement": f"{100 * comparison.improvement:+.1f} %",
                "improvement CI over seeds": _percent_ci(comparison.improvement_seeds_ci),
                "improvement CI over windows": _percent_ci(comparison.improvement_windows_ci),
            }
        )
    return pl.DataFrame(rows)


def _verdict_section(details: EvaluationDetails) -> Section:
    windows = details.windows
    return Section(
        "Does augmentation help?",
        [
            f"**{details.verdict}**",
            "",
            f"The LSTM forecaster was trained {len(details.seeds)} times (seeds "
            f"{', '.join(str(s) for s in details.seeds)}) on each of: the {windows['real_train']} "
            f"real training windows (real_only), those plus {windows['synthetic_train']} "
            f"synthetic ones ({details.samples_per_real} per real window; augmented), and the "
            f"synthetic ones alone (tstr), and scored on the {windows['real_test']} real test "
            f"windows. GAN run: `{details.gan_run}`.{_source(details)}",
            "",
            "Augmentation counts as helping only when every 95% interval of the relative "
            "improvement in test MAE (units sold) lies above 0: over seeds (training randomness) "
            "and over test windows (which windows fall in the test period).",
        ],
    )


def _source(details: EvaluationDetails) -> str:
    if details.synthetic_path is None:
        return " The synthetic windows were generated for this run."
    return (
        f" The synthetic training windows were read from `{details.synthetic_path}` (SHA-256 "
        f"{details.synthetic_sha256})."
    )


def _errors_section(details: EvaluationDetails) -> Section:
    lines = [
        "Mean over seeds. Intervals: percentile bootstrap (95%) of the per-seed values, and "
        "over test windows of each window's error averaged over seeds and horizon (RMSE: root "
        "of the pooled squared error). Fewer than 5 seeds give no interval over seeds.",
        "",
        "### Units sold",
        "",
        markdown_table(errors_table(details.summaries["units"])),
        "",
        "### Scaled (per-product training min–max)",
        "",
        markdown_table(errors_table(details.summaries["scaled"])),
    ]
    return Section("Test error on the real test windows", lines)


def _paired_section(details: EvaluationDetails) -> Section:
    lines = [
        "Each variant against real_only on test MAE, paired by seed and by test window. "
        "Δ = MAE(variant) − MAE(real_only) (negative: the variant is better). Paired bootstrap "
        "over seeds of the per-seed Δ (p-value and the share of resamples where the variant "
        "wins); Diebold–Mariano (Harvey–Leybourne–Newbold correction, absolute loss, "
        "Newey–West over horizon − 1 lags) on the per-window absolute errors averaged over "
        "seeds, windows in product-then-date order. Improvement = 1 − MAE(variant) / "
        "MAE(real_only).",
        "",
        "### Units sold",
        "",
        markdown_table(comparison_table(details.comparisons["units"])),
        "",
        "### Scaled",
        "",
        markdown_table(comparison_table(details.comparisons["scaled"])),
    ]
    tstr = details.comparisons["units"].get("tstr")
    if tstr is not None:
        ratio = 1.0 - tstr.improvement
        lines += [
            "",
            f"TSTR (train on synthetic, test on real; TimeGAN's predictive score): test MAE "
            f"{format_value(details.summaries['units']['tstr']['mae'].mean)} units, "
            f"{format_value(ratio)} × the real-only forecaster's "
            f"({'worse' if ratio > 1 else 'no worse'} than training on real data).",
        ]
    return Section("Paired comparison", lines)


def fidelity_lines(fidelity: Fidelity) -> list[str]:
    """The discriminative score, marginal distances and autocorrelation table as Markdown."""
    disc = fidelity.discriminative
    acf = pl.DataFrame(
        {
            "lag": list(fidelity.lags),
            "real": fidelity.acf_real,
            "synthetic": fidelity.acf_synthetic,
            "difference": fidelity.acf_synthetic - fidelity.acf_real,
        }
    )
    marginal = pl.DataFrame(
        [
            {"values": scale, **{k: getattr(m, k) for k in m.__dataclass_fields__}}
            for scale, m in (
                ("scaled", fidelity.marginal_scaled),
                ("units", fidelity.marginal_units),
            )
        ]
    )
    gap = float(np.nanmean(np.abs(fidelity.acf_synthetic - fidelity.acf_real)))
    return [
        f"**Discriminative score** {format_value(disc.score)} (|accuracy − 0.5|; 0: "
        f"indistinguishable, 0.5: always told apart): a {disc.classifier} given the history "
        f"and the target sequence was {format_value(disc.accuracy)} accurate on "
        f"{disc.n_test} held-out windows (real and synthetic twins of the products it did not "
        f"learn from; trained on {disc.n_train}).",
        "",
        "**Marginal distribution** of single target values, real against synthetic "
        "(Wasserstein-1 distance and Kolmogorov–Smirnov statistic):",
        "",
        markdown_table(marginal),
        "",
        "**Autocorrelation** between each target day and the day `lag` before it (a history "
        f"day when the lag reaches back), pooled over windows; mean absolute difference "
        f"{format_value(gap)}:",
        "",
        markdown_table(acf),
    ]


def evaluation_report_sections(
    config: AugmentRunConfig, outcome: RunOutcome, run: RunFolder
) -> list[Section]:
    """Verdict, leaderboard, errors, paired tests, synthetic-data quality, figures, config."""
    details: EvaluationDetails = outcome.details
    sections = [
        _verdict_section(details),
        leaderboard_section(outcome.leaderboard, outcome.primary_metric),
        _errors_section(details),
        _paired_section(details),
        Section("Synthetic windows against real ones", fidelity_lines(details.fidelity)),
        Section("Per seed", [markdown_table(details.per_seed.drop("train_windows", strict=False))]),
    ]
    figures = figures_section(figure_links(details.figures, run.path))
    if figures is not None:
        sections.append(figures)
    sections.append(config_section(config.to_raw()))
    return sections


def print_evaluation_summary(outcome: RunOutcome, console: Console) -> None:
    """The leaderboard (errors first, then the interval and improvement) and the verdict."""
    from benchlab.runner import leaderboard_table

    table = leaderboard_table(
        outcome.leaderboard,
        outcome.primary_metric,
        headline=("test_rmse", "test_mae_scaled", "test_rmse_scaled"),
        info=("mae_ci_low", "mae_ci_high", "improvement", "seeds", "mean_epochs", "train_seconds"),
    )
    console.print(table)
    console.print(outcome.details.verdict, highlight=False, soft_wrap=True)


def plot_distributions(
    real: np.ndarray, synthetic: np.ndarray, fidelity: Fidelity, path: Path
) -> Path:
    """Histograms of the real and synthetic target values (scaled, shared bins) and the lagged
    autocorrelation of both."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from benchlab.reports.plots import save_figure

    real, synthetic = np.ravel(real), np.ravel(synthetic)
    low = float(min(real.min(), synthetic.min()))
    high = float(max(real.max(), synthetic.max()))
    bins = np.linspace(low, high if high > low else low + 1.0, 41)
    fig = Figure(figsize=(10, 3.6))
    left, right = fig.subplots(1, 2)
    left.hist(real, bins=bins, density=True, alpha=0.5, label="real", color="tab:blue")
    left.hist(synthetic, bins=bins, density=True, alpha=0.5, label="synthetic", color="tab:orange")
    left.set_yscale("log")
    left.set_xlabel("target value (scaled units)")
    left.set_title(
        f"W1 {format_value(fidelity.marginal_scaled.wasserstein)}, "
        f"KS {format_value(fidelity.marginal_scaled.ks_statistic)}"
    )
    left.legend(fontsize=8)
    lags = np.array(fidelity.lags)
    right.plot(lags, fidelity.acf_real, marker="o", label="real", color="tab:blue")
    right.plot(lags, fidelity.acf_synthetic, marker="o", label="synthetic", color="tab:orange")
    right.axhline(0.0, color="black", linewidth=0.6)
    right.set_xlabel("lag (days)")
    right.set_title("autocorrelation of target days")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_seed_errors(summaries: dict[str, dict[str, MetricSummary]], path: Path) -> Path:
    """Test MAE per seed (dots) and the interval over test windows (bar) of every variant."""
    from matplotlib.figure import Figure

    from benchlab.reports.plots import save_figure

    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    for position, (variant, metrics) in enumerate(summaries.items()):
        mae = metrics["mae"]
        colour = _VARIANT_COLOURS.get(variant, "tab:grey")
        ci = mae.windows_ci
        ax.errorbar(
            [position],
            [mae.mean],
            yerr=[[mae.mean - ci.low], [ci.high - mae.mean]],
            fmt="s",
            color=colour,
            capsize=6,
        )
        jitter = np.linspace(-0.12, 0.12, len(mae.per_seed)) if len(mae.per_seed) > 1 else [0.0]
        ax.scatter(position + np.asarray(jitter), mae.per_seed, color=colour, alpha=0.6, s=18)
    ax.set_xticks(range(len(summaries)), list(summaries))
    ax.set_ylabel("test MAE (units sold)")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return save_figure(fig, path)
