"""The GAN report: figures drawn from a loss history and samples, sections that say how it went."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from benchlab.augment.config import AugmentRunConfig
from benchlab.augment.report import (
    SequenceSamples,
    gan_report_sections,
    plot_losses,
    plot_real_vs_generated,
    stability,
)
from benchlab.augment.training import GanDetails
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.reports.markdown import render_sections
from benchlab.tasks import RunOutcome


def history(grad_norm: list[float], d_loss: list[float] | None = None) -> pl.DataFrame:
    n = len(grad_norm)
    return pl.DataFrame(
        {
            "epoch": list(range(1, n + 1)),
            "d_loss": d_loss or [1.0 - 0.1 * i for i in range(n)],
            "g_loss": [0.1 * i for i in range(n)],
            "gp": [(g - 1) ** 2 for g in grad_norm],
            "wasserstein_distance": [0.5] * n,
            "grad_norm": grad_norm,
            "val_wasserstein_gap": [0.3 - 0.01 * i for i in range(n)],
        }
    )


def outcome(frame: pl.DataFrame, figures: dict[str, str], best_epoch: int | None) -> RunOutcome:
    details = GanDetails(
        history=frame,
        epochs=frame.height,
        best_epoch=best_epoch,
        train_windows=100,
        val_windows=20,
        trained_windows=100 * frame.height,
        train_seconds=2.0,
        windows_per_second=50.0 * frame.height,
        figures=figures,
    )
    board = Leaderboard("val_wasserstein_gap", greater_is_better=False)
    board.add(ExperimentRecord("wgan_gp", {"val_wasserstein_gap": 0.27}))
    return RunOutcome([], board.frame(), "val_wasserstein_gap", details=details)


def test_stability_reads_finiteness_and_the_gradient_norm() -> None:
    assert stability(history([0.9, 1.1])) == {
        "finite": True,
        "mean_grad_norm": 1.0,
        "near_one": True,
    }
    unstable = stability(history([0.2, 0.4], d_loss=[1.0, math.inf]))
    assert unstable["finite"] is False and unstable["near_one"] is False
    assert unstable["mean_grad_norm"] == pytest.approx(0.3)


def test_the_figures_are_written(tmp_path: Path) -> None:
    losses = plot_losses(history([0.5, 0.8, 1.0]), tmp_path / "figures" / "losses.png")
    rng = np.random.default_rng(0)
    samples = SequenceSamples(
        product_ids=["a", "b"],
        start_dates=["2017-03-27", "2017-04-01"],
        history=rng.random((2, 30)),
        target=rng.random((2, 7)),
        generated=rng.random((2, 5, 7)),
    )
    pairs = plot_real_vs_generated(samples, tmp_path / "figures" / "pairs.png")
    for path in (losses, pairs):
        assert path.read_bytes().startswith(b"\x89PNG")


def test_the_sections_report_training_and_link_the_figures(tmp_path: Path) -> None:
    frame = history([0.95, 1.05])
    plot_losses(frame, tmp_path / "figures" / "losses.png")
    config = AugmentRunConfig(training={"n_critic": 5, "lambda_gp": 10.0})
    run = SimpleNamespace(path=tmp_path)
    sections = gan_report_sections(
        config, outcome(frame, {"Losses": "figures/losses.png"}, best_epoch=2), run
    )
    assert [s.heading for s in sections] == [
        "Leaderboard",
        "Training",
        "Figures",
        "Run configuration",
    ]
    text = render_sections("GAN", sections)
    assert "Losses stayed finite in every epoch." in text
    assert "mean gradient norm on interpolates was 1 " in text and "within ±0.25" in text
    assert "The weights kept are epoch 2's" in text
    assert "5 critic updates and one generator update" in text
    assert "![Losses](figures/losses.png)" in text


def test_the_training_section_says_when_it_went_wrong(tmp_path: Path) -> None:
    frame = history([0.1, 0.2], d_loss=[1.0, math.nan])
    sections = gan_report_sections(
        AugmentRunConfig(), outcome(frame, {}, best_epoch=None), SimpleNamespace(path=tmp_path)
    )
    text = render_sections("GAN", sections)
    assert "**Some losses were not finite**" in text
    assert "**outside** ±0.25" in text
    assert "The weights kept are the last epoch's." in text
    assert "Figures" not in [s.heading for s in sections]
