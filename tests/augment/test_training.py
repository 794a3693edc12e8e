"""Training the GAN as a benchlab run: what the run folder holds, quick mode, seeding, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
import torch

from benchlab.augment.models.weights import load_generator
from benchlab.errors import InputError
from benchlab.runner import run_task

from .gan_run import tiny_config, train_tiny_gan


@pytest.fixture(scope="module")
def two_epochs(olist_processed: Path, tmp_path_factory: pytest.TempPathFactory):
    """One run of two epochs, each epoch checkpointed."""
    out = tmp_path_factory.mktemp("runs")
    return train_tiny_gan(olist_processed, out, training={"max_epochs": 2})


def test_a_run_keeps_weights_logs_checkpoints_history_and_figures(two_epochs) -> None:
    run = two_epochs.run_dir
    for relative in (
        "models/generator.pt",
        "models/discriminator.pt",
        "models/gan.json",
        "loss_history.csv",
        "figures/gan_losses.png",
        "figures/real_vs_generated.png",
        "report.md",
        "report.html",
        "manifest.json",
    ):
        assert (run / relative).is_file(), relative
    (version,) = (run / "logs" / "wgan_gp").iterdir()
    assert list(version.glob("events.out.tfevents.*"))
    assert {p.name for p in (version / "checkpoints").iterdir()} == {"best.ckpt", "last.ckpt"}
    manifest = json.loads((run / "manifest.json").read_text())
    assert "models/generator.pt" in manifest["files"]
    assert load_generator(run / "models" / "generator.pt").horizon == 7


def test_the_record_has_the_gap_the_losses_and_the_throughput(two_epochs) -> None:
    (record,) = two_epochs.records
    details = two_epochs.details
    history = pl.read_csv(two_epochs.run_dir / "loss_history.csv")
    assert history["epoch"].to_list() == [1, 2] and details.epochs == 2
    assert details.best_epoch in (1, 2)
    best = history.filter(pl.col("epoch") == details.best_epoch)
    assert record.metrics["val_wasserstein_gap"] == pytest.approx(best["val_wasserstein_gap"][0])
    assert record.metrics["val_wasserstein_gap"] == history["val_wasserstein_gap"].min()
    assert record.metrics["d_loss"] == pytest.approx(history["d_loss"][-1])
    assert record.metrics["mean_grad_norm"] == pytest.approx(history["grad_norm"].mean())
    assert all(math.isfinite(v) for v in record.metrics.values())
    assert details.trained_windows == 2 * details.train_windows  # every window, each epoch
    assert record.info["windows_per_second"] == pytest.approx(
        details.trained_windows / details.train_seconds
    )
    board = pl.read_csv(two_epochs.run_dir / "leaderboard.csv")
    assert board["model"].to_list() == ["wgan_gp"]


def test_the_kept_generator_is_the_best_checkpoints(two_epochs) -> None:
    (version,) = (two_epochs.run_dir / "logs" / "wgan_gp").iterdir()
    best = torch.load(version / "checkpoints" / "best.ckpt", weights_only=True)
    kept = load_generator(two_epochs.run_dir / "models" / "generator.pt").state_dict()
    assert best["epoch"] + 1 == two_epochs.details.best_epoch
    for key, value in kept.items():
        torch.testing.assert_close(best["state_dict"][f"generator.{key}"], value, rtol=0, atol=0)


def test_quick_mode_trains_its_epochs_on_a_fraction_of_the_batches(
    olist_processed: Path, tmp_path: Path
) -> None:
    summary = train_tiny_gan(
        olist_processed,
        tmp_path,
        quick_run={"enabled": True, "max_epochs": 2, "limit_train_batches": 0.2},
    )
    details = summary.details
    batches = math.ceil(0.2 * math.ceil(details.train_windows / 64))
    assert details.epochs == 2
    assert details.trained_windows == 2 * batches * 64


def test_the_same_seed_gives_the_same_generator(olist_processed: Path, tmp_path: Path) -> None:
    quick = {"enabled": True, "max_epochs": 1}
    first, again = (
        load_generator(
            train_tiny_gan(olist_processed, tmp_path / name, quick_run=quick).run_dir
            / "models"
            / "generator.pt"
        ).state_dict()
        for name in ("a", "b")
    )
    for key, value in first.items():
        torch.testing.assert_close(again[key], value, rtol=0, atol=0)


def test_another_seed_gives_another_generator(olist_processed: Path, tmp_path: Path) -> None:
    quick = {"enabled": True, "max_epochs": 1}
    paths = []
    for seed in (1, 2):
        config = tiny_config(olist_processed, tmp_path / str(seed), quick_run=quick)
        config = config.model_copy(update={"seed": seed})
        paths.append(run_task(config, progress=False).run_dir / "models" / "generator.pt")
    first, second = (load_generator(p).state_dict() for p in paths)
    assert any(not torch.equal(first[k], second[k]) for k in first)


def test_a_missing_processed_folder_fails_before_any_run_folder(tmp_path: Path) -> None:
    config = tiny_config(tmp_path / "nowhere", tmp_path / "runs")
    with pytest.raises(InputError, match="run `benchlab augment preprocess"):
        run_task(config, progress=False)
    assert not (tmp_path / "runs").exists()


def test_a_panel_too_short_for_one_window_fails_before_any_run_folder(
    olist_processed: Path, tmp_path: Path
) -> None:
    config = tiny_config(olist_processed, tmp_path / "runs", data={"history_window": 200})
    with pytest.raises(InputError, match="too short for one window"):
        run_task(config, progress=False)
    assert not (tmp_path / "runs").exists()


def test_feature_sizes_must_match_the_panel(olist_processed: Path, tmp_path: Path) -> None:
    config = tiny_config(olist_processed, tmp_path / "runs", model={"temporal_dim": 5})
    with pytest.raises(InputError, match="model.temporal_dim is 5, but the windows have 8"):
        run_task(config, progress=False)
