"""The augment run config (``task: augment``): seed 001's Hydra keys, validated.

``stage`` says what a run does: ``train_gan`` (the default; ``benchlab run CONFIG`` or
``benchlab augment train-gan CONFIG``) trains the GAN, ``evaluate`` (``benchlab augment evaluate
CONFIG``) trains the LSTM forecaster with and without the GAN's windows. Every key can be
overridden with ``key=value`` (``training.lambda_gp=15 quick_run.enabled=true``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from benchlab.config import RunConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AugmentDataConfig(_Section):
    """The preprocessed panel (``benchlab augment preprocess``) and how it is windowed."""

    processed_dir: Path = Path("data/olist/processed")
    history_window: int = Field(30, ge=2)
    forecast_horizon: int = Field(7, ge=1)
    batch_size: int = Field(128, ge=1)
    num_workers: int = Field(0, ge=0)
    stride: int = Field(1, ge=1, description="days between consecutive windows of a product")

    @property
    def panel_path(self) -> Path:
        return self.processed_dir / "product_daily_panel.parquet"


class GanModelConfig(_Section):
    noise_dim: int = Field(32, ge=1)
    hidden_dim: int = Field(256, ge=8)
    condition_dim: int = Field(512, ge=8, description="the fused condition embedding")
    temporal_dim: int = Field(8, ge=1, description="day-of-week one-hot + is_weekend")
    review_dim: int = Field(2, ge=1, description="avg rating, log review count")
    discriminator_channels: int = Field(64, ge=4)


class GanTrainingConfig(_Section):
    max_epochs: int = Field(50, ge=1)
    n_critic: int = Field(5, ge=1)
    lambda_gp: float = Field(10.0, ge=0)
    lr_d: float = Field(4e-4, gt=0)
    lr_g: float = Field(1e-4, gt=0)
    beta1: float = Field(0.0, ge=0, lt=1)
    beta2: float = Field(0.9, ge=0, lt=1)
    accelerator: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    devices: int | Literal["auto"] = 1
    checkpoint_every_n_epochs: int = Field(1, ge=1)
    num_threads: int = Field(
        1, description="torch CPU threads (joblib style: -1 every core); 1 suits small batches"
    )


class QuickRunConfig(_Section):
    """Seed 001's quick mode: few epochs over a fraction of the batches."""

    enabled: bool = False
    max_epochs: int = Field(5, ge=1)
    limit_train_batches: float = Field(0.2, gt=0, le=1)
    limit_val_batches: float = Field(0.2, gt=0, le=1)


class GenerationConfig(_Section):
    samples_per_real: int = Field(5, ge=1)


class ForecasterConfig(_Section):
    """The seed's LSTM forecaster (history window → horizon)."""

    hidden_size: int = Field(64, ge=4)
    num_layers: int = Field(2, ge=1)
    dropout: float = Field(0.1, ge=0, lt=1)
    learning_rate: float = Field(1e-3, gt=0)
    batch_size: int = Field(128, ge=1)
    max_epochs: int = Field(20, ge=1)
    patience: int = Field(5, ge=1)


class ForecastPeriodConfig(_Section):
    """A period every trained forecaster also forecasts, from its first day, rolled forward
    ``forecast_horizon`` days at a time (``forecast_period.parquet``); a forecast config's
    ``augmentation:`` block sets it to the forecast test period to score the forecasters beside
    the other models. It must start on or after the panel's first test day."""

    start: dt.date
    days: int = Field(ge=1)
    column: Literal["units"] = Field(
        "units", description="the panel column the forecasts are compared with (units sold)"
    )


class EvaluationConfig(_Section):
    """``stage: evaluate``: the forecaster trained per seed on real, real + synthetic and
    synthetic-only windows of ``gan_run`` (quick mode caps its epochs and batches too)."""

    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], min_length=1)
    gan_run: Path | None = Field(
        None,
        description="a train-gan run folder; None: the one that wrote synthetic_path, else "
        "train one",
    )
    synthetic_path: Path | None = Field(
        None,
        description="the training windows of `benchlab augment generate` (Parquet); None: "
        "generated from gan_run",
    )
    forecast_period: ForecastPeriodConfig | None = None
    forecaster: ForecasterConfig = Field(default_factory=ForecasterConfig)
    bootstrap_resamples: int = Field(2000, ge=100)


class AugmentRunConfig(RunConfig):
    """What ``benchlab run`` / ``benchlab augment train-gan`` read for ``task: augment``."""

    task: Literal["augment"] = "augment"
    name: str = "olist_gan"
    stage: Literal["train_gan", "evaluate"] = Field(
        "train_gan", description="train the GAN, or evaluate what its windows add to a forecaster"
    )
    data: AugmentDataConfig = Field(default_factory=AugmentDataConfig)
    model: GanModelConfig = Field(default_factory=GanModelConfig)
    training: GanTrainingConfig = Field(default_factory=GanTrainingConfig)
    quick_run: QuickRunConfig = Field(default_factory=QuickRunConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)

    @property
    def epochs(self) -> int:
        """Epochs to train: the quick run's when it is enabled."""
        return self.quick_run.max_epochs if self.quick_run.enabled else self.training.max_epochs
