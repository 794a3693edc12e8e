"""Train the conditional WGAN-GP as a benchlab run (``benchlab augment train-gan CONFIG`` or
``benchlab run CONFIG`` with ``task: augment``).

:func:`prepare_gan` reads and checks the preprocessed panel, its scalers and every split's
windows before the run folder exists; :func:`train_gan` trains through the engine's Lightning
harness (:func:`benchlab.neural.fit_module`: seeded, TensorBoard logs and checkpoints under
``logs/``, the epoch with the lowest ``val_wasserstein_gap`` restored) and writes into the run:

    models/generator.pt, models/discriminator.pt   the weights (see ``models.weights``)
    models/gan.json                                what ``generate`` needs (panel, windows, seed)
    loss_history.csv                               per-epoch means of the losses and the gap
    figures/gan_losses.png, figures/real_vs_generated.png
    logs/wgan_gp/<version>/                        TensorBoard events, best.ckpt and last.ckpt

Quick mode (``quick_run.enabled=true``) trains ``quick_run.max_epochs`` epochs over the given
fractions of the training and validation batches (at least one batch each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.augment.report import (
    GAP_COLUMN,
    SequenceSamples,
    plot_losses,
    plot_real_vs_generated,
)
from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.logs import get_logger
from benchlab.tasks import RunOutcome

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.augment.config import AugmentRunConfig
    from benchlab.augment.data.scaling import Scalers
    from benchlab.augment.data.windows import WindowArrays
    from benchlab.runs import RunFolder

log = get_logger("augment.training")

MODEL_NAME = "wgan_gp"
FIGURE_LOSSES = "figures/gan_losses.png"
FIGURE_SAMPLES = "figures/real_vs_generated.png"
HISTORY_FILE = "loss_history.csv"
REPORT_WINDOWS = 4
REPORT_SAMPLES = 5


@dataclass
class GanPrepared:
    """What :func:`prepare_gan` checked and loaded: the data module (set up) and the scalers."""

    datamodule: Any  # SalesDataModule
    scalers: Scalers
    processed_dir: Path


@dataclass
class GanDetails:
    """The GAN run's own results, for its report and summary (``RunOutcome.details``)."""

    history: pl.DataFrame
    epochs: int
    best_epoch: int | None  # 1-based, the epoch whose weights were kept; None: the last one
    train_windows: int
    val_windows: int
    trained_windows: int  # windows the training steps went through, all epochs together
    train_seconds: float
    windows_per_second: float
    figures: dict[str, str] = field(default_factory=dict)  # caption → run-relative path


def prepare_gan(config: AugmentRunConfig, *, console: Console) -> GanPrepared:
    """Check the processed folder and build every split's windows (nothing written)."""
    from benchlab.neural import require_neural

    require_neural("lightning")
    from benchlab.augment.data.datamodule import SalesDataModule
    from benchlab.augment.data.scaling import load_scalers
    from benchlab.augment.data.windows import REVIEW_DIM, TEMPORAL_DIM

    processed = config.data.processed_dir
    if not processed.is_dir():
        raise InputError(
            f"data.processed_dir {processed} does not exist: run `benchlab augment preprocess "
            f"RAW_DIR --out {processed}` first"
        )
    for key, given, found in (
        ("model.temporal_dim", config.model.temporal_dim, TEMPORAL_DIM),
        ("model.review_dim", config.model.review_dim, REVIEW_DIM),
    ):
        if given != found:
            raise InputError(f"{key} is {given}, but the windows have {found} such features")
    scalers = load_scalers(processed)
    datamodule = SalesDataModule(config)
    datamodule.setup("fit")
    sizes = {split: len(w) for split, w in datamodule.windows.items()}
    log.info("windows per split: %s", sizes)
    return GanPrepared(datamodule, scalers, processed.resolve())


def gan_architecture(config: AugmentRunConfig) -> dict[str, int]:
    """The networks' shape from the config (the calendar covers the target days)."""
    from benchlab.augment.models import architecture

    model = config.model
    return architecture(
        horizon=config.data.forecast_horizon,
        temporal_steps=config.data.forecast_horizon,
        noise_dim=model.noise_dim,
        hidden_dim=model.hidden_dim,
        condition_dim=model.condition_dim,
        temporal_dim=model.temporal_dim,
        review_dim=model.review_dim,
        discriminator_channels=model.discriminator_channels,
    )


def limited_batches(fraction: float, n_batches: int) -> int:
    """Batches a fraction of ``n_batches`` stands for: at least one.

    >>> limited_batches(0.2, 12), limited_batches(0.2, 2)
    (3, 1)
    """
    return max(1, math.ceil(fraction * n_batches))


def train_gan(
    config: AugmentRunConfig,
    prepared: GanPrepared,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> RunOutcome:
    """Train, keep the best epoch, write weights, history and figures; one leaderboard row."""
    from benchlab.augment.models import PRIMARY_METRIC, WGANGP
    from benchlab.augment.models.weights import save_gan_weights
    from benchlab.neural import TrainerSettings, fit_module, torch_session

    datamodule = prepared.datamodule
    n_train = len(datamodule.train_dataloader())
    n_val = len(datamodule.val_dataloader())
    options: dict[str, Any] = {"enable_progress_bar": progress}
    if config.quick_run.enabled:
        n_train = limited_batches(config.quick_run.limit_train_batches, n_train)
        n_val = limited_batches(config.quick_run.limit_val_batches, n_val)
        options |= {"limit_train_batches": n_train, "limit_val_batches": n_val}
    training = config.training
    settings = TrainerSettings(
        max_epochs=config.epochs,
        accelerator=training.accelerator,
        devices=training.devices,
        monitor=PRIMARY_METRIC,
        mode="min",
        patience=None,
        log_dir=run.directory("logs"),
        name=MODEL_NAME,
        hparams=_hparams(config),
        log_every_n_steps=min(50, n_train),
        checkpoint_every_n_epochs=training.checkpoint_every_n_epochs,
        save_last=True,
        trainer_kwargs=options,
    )
    with torch_session(n_threads=training.num_threads, seed=config.seed):
        module = WGANGP(
            architecture=gan_architecture(config),
            n_critic=training.n_critic,
            lambda_gp=training.lambda_gp,
            lr_d=training.lr_d,
            lr_g=training.lr_g,
            beta1=training.beta1,
            beta2=training.beta2,
            val_seed=config.seed,
        )
        fit = fit_module(module, settings, datamodule=datamodule)
        module = module.to("cpu").eval()
        save_gan_weights(module, run.directory("models"))
        samples = real_vs_generated(
            module.generator, datamodule.windows["val"], prepared.scalers, seed=config.seed
        )
    run.write_json("models/gan.json", _run_info(config, prepared, run))
    history = history_frame(module.history)
    history.write_csv(run.file(HISTORY_FILE))
    figures = {
        "Losses, gradient penalty and validation gap per epoch": FIGURE_LOSSES,
        "Real and generated sequences for the same validation conditions": FIGURE_SAMPLES,
    }
    plot_losses(history, run.file(FIGURE_LOSSES))
    plot_real_vs_generated(samples, run.file(FIGURE_SAMPLES))

    details = GanDetails(
        history=history,
        epochs=fit.epochs_trained,
        best_epoch=None if fit.best_epoch is None else fit.best_epoch + 1,
        train_windows=len(datamodule.windows["train"]),
        val_windows=len(datamodule.windows["val"]),
        trained_windows=module.windows_seen,
        train_seconds=module.train_seconds,
        windows_per_second=module.windows_seen / module.train_seconds
        if module.train_seconds > 0
        else math.nan,
        figures=figures,
    )
    record = _record(config, history, details, fit.best_score)
    board = Leaderboard(PRIMARY_METRIC, greater_is_better=False)
    board.add(record)
    log.info(
        "%s: %s %.4g after %d epochs, %.0f windows/s",
        MODEL_NAME,
        PRIMARY_METRIC,
        record.metrics[PRIMARY_METRIC],
        details.epochs,
        details.windows_per_second,
    )
    return RunOutcome(
        records=[record],
        leaderboard=board.frame(),
        primary_metric=PRIMARY_METRIC,
        details=details,
        files={"generator": run.path / "models" / "generator.pt"},
    )


def history_frame(history: dict[int, dict[str, float]]) -> pl.DataFrame:
    """Per-epoch means as a frame: epoch (1-based), the losses, the validation gap."""
    from benchlab.augment.models.wgan_gp import TRAIN_LOSSES

    columns = [*TRAIN_LOSSES, GAP_COLUMN]
    rows = [
        {"epoch": epoch + 1, **{c: values.get(c, math.nan) for c in columns}}
        for epoch, values in sorted(history.items())
    ]
    schema = {"epoch": pl.Int64, **dict.fromkeys(columns, pl.Float64)}
    return pl.DataFrame(rows, schema=schema)


def real_vs_generated(
    generator: Any, windows: WindowArrays, scalers: Scalers, *, seed: int
) -> SequenceSamples:
    """A few validation windows of different products (those selling most in their target
    days) with :data:`REPORT_SAMPLES` generated sequences each, in units sold."""
    from benchlab.augment.data.scaling import to_original_scale
    from benchlab.augment.generation import sample_sequences

    totals = pl.DataFrame(
        {"row": np.arange(len(windows)), "product": windows.product_ids}
    ).with_columns(pl.Series("total", windows.target.sum(axis=1)))
    chosen = (
        totals.sort(["total", "row"], descending=[True, False])
        .unique("product", keep="first", maintain_order=True)
        .head(REPORT_WINDOWS)["row"]
        .to_numpy()
    )
    picked = windows.take(chosen)
    generated = sample_sequences(generator, picked, samples_per_real=REPORT_SAMPLES, seed=seed)
    ids = picked.product_ids
    return SequenceSamples(
        product_ids=[str(p) for p in ids],
        start_dates=[str(d) for d in picked.start_dates],
        history=to_original_scale(picked.history, ids, scalers),
        target=to_original_scale(picked.target, ids, scalers),
        generated=np.stack(
            [to_original_scale(sequences, ids, scalers) for sequences in generated], axis=1
        ),
    )


def _record(
    config: AugmentRunConfig, history: pl.DataFrame, details: GanDetails, best: float | None
) -> ExperimentRecord:
    last = history.row(history.height - 1, named=True) if history.height else {}
    gap = best if best is not None else last.get(GAP_COLUMN, math.nan)
    return ExperimentRecord(
        MODEL_NAME,
        metrics={
            GAP_COLUMN: float(gap),
            "d_loss": float(last.get("d_loss", math.nan)),
            "g_loss": float(last.get("g_loss", math.nan)),
            "gp": float(last.get("gp", math.nan)),
            "mean_grad_norm": float(history["grad_norm"].mean()) if history.height else math.nan,
        },
        info={
            "epochs": details.epochs,
            "best_epoch": details.best_epoch,
            "train_windows": details.train_windows,
            "windows_per_second": details.windows_per_second,
            "train_seconds": details.train_seconds,
        },
        params=_hparams(config),
    )


def _hparams(config: AugmentRunConfig) -> dict[str, Any]:
    """The hyperparameters logged to TensorBoard and the tracker (scalars only)."""
    return {
        **config.model.model_dump(),
        **{k: v for k, v in config.training.model_dump().items()},
        "history_window": config.data.history_window,
        "forecast_horizon": config.data.forecast_horizon,
        "batch_size": config.data.batch_size,
        "quick_run": config.quick_run.enabled,
        "epochs": config.epochs,
    }


def _run_info(config: AugmentRunConfig, prepared: GanPrepared, run: RunFolder) -> dict[str, Any]:
    from benchlab.augment.generation import RUN_FORMAT

    return {
        "format": RUN_FORMAT,
        "run_id": run.run_id,
        "processed_dir": str(prepared.processed_dir),
        "history_window": config.data.history_window,
        "horizon": config.data.forecast_horizon,
        "stride": config.data.stride,
        "seed": config.seed,
    }
