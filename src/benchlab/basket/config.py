"""The basket run config (``task: basket``): seed 003's stages, model and training settings.

A project root holds ``raw_data/transactions.csv`` (or ``.parquet``); stage 1 writes
``data/prepared/{train,validation,test}_samples.parquet`` and stage 2
``data/prepared/tensor_cache/``. ``benchlab run`` prepares what is missing, then trains and
evaluates. Every key can be overridden with ``key=value`` (``training.max_epochs=3``).

>>> BasketRunConfig(task="basket").data.max_seq_len
50
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from benchlab.config import RunConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeekRange(_Section):
    first: int = Field(ge=1)
    last: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> WeekRange:
        if self.last < self.first:
            raise ValueError(f"week range {self.first}–{self.last} is empty")
        return self


class SplitConfig(_Section):
    """Stage 1: which sequential weeks go to which split.

    The seed's ranges (1–80, 81–95, 96–117 of 117 weeks) are the default; with
    ``proportional`` (the default) data with another number of weeks is cut at the same
    fractions instead.
    """

    train: WeekRange = Field(default_factory=lambda: WeekRange(first=1, last=80))
    validation: WeekRange = Field(default_factory=lambda: WeekRange(first=81, last=95))
    test: WeekRange = Field(default_factory=lambda: WeekRange(first=96, last=117))
    proportional: bool = True
    n_buckets: int = Field(8, ge=1, description="basket-length buckets for bucket batching")
    returns: Literal["drop", "keep"] = Field(
        "drop",
        description="rows with negative QUANTITY (returns): counted, then dropped or kept",
    )


class CacheConfig(_Section):
    """Stage 2: how the embeddings are computed (training weeks only)."""

    product_method: Literal["cooccurrence", "item2vec"] = "cooccurrence"
    product_dim: int = Field(256, ge=8)
    customer_dim: int = Field(160, ge=8)
    store_dim: int = Field(96, ge=8)
    segment_dim: int = Field(64, ge=8)
    price_dim: int = Field(64, ge=8)


class BasketDataConfig(_Section):
    """Stage 3: the dataset and loader (``WorldModelDataset``/``WorldModelDataLoader``)."""

    max_seq_len: int = Field(50, ge=2)
    mask_prob: float = Field(0.15, ge=0, lt=1)
    batch_size: int = Field(64, ge=1)
    bucket_batching: bool = True
    num_workers: int = Field(0, ge=0)


class AuxiliaryTask(_Section):
    enabled: bool = True
    weight: float = Field(0.1, ge=0)


class BasketModelConfig(_Section):
    """The transformer encoder over T2 + T4 with the context tokens (T1, T3, T5, T6)."""

    d_model: int = Field(256, ge=16)
    n_layers: int = Field(2, ge=1)
    n_heads: int = Field(4, ge=1)
    dim_feedforward: int = Field(512, ge=16)
    dropout: float = Field(0.1, ge=0, lt=1)
    tie_product_embeddings: bool = Field(
        True,
        description="the MLM head adds a projection of the state dotted with the cache's "
        "(frozen) product embeddings to its linear output over the vocabulary",
    )
    purchase_history: bool = Field(
        True,
        description="the product scores also see the customer's training-week purchase counts "
        "(gated by the position's state; a training basket's own items left out)",
    )
    auxiliary_tasks: dict[str, AuxiliaryTask] = Field(
        default_factory=lambda: {
            "mission_type": AuxiliaryTask(weight=0.1),
            "mission_focus": AuxiliaryTask(weight=0.1),
            "price_sensitivity": AuxiliaryTask(weight=0.05),
            "basket_size": AuxiliaryTask(weight=0.05),
        }
    )


class BasketTrainingConfig(_Section):
    """Hybrid validation (a subset every N steps, the full set each epoch), early stopping."""

    max_epochs: int = Field(10, ge=1)
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_steps: int = Field(0, ge=0, description="linear learning-rate warm-up (optimizer steps)")
    lr_schedule: Literal["constant", "cosine"] = Field(
        "cosine", description="after the warm-up: constant, or a cosine decay to 0 at max_epochs"
    )
    gradient_clip_val: float | None = Field(1.0, gt=0, description="None: no clipping")
    validate_every_n_steps: int = Field(10_000, ge=1)
    quick_validation_batches: int = Field(100, ge=1)
    early_stopping_patience: int = Field(3, ge=1)
    accelerator: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    devices: int | Literal["auto"] = 1
    strategy: str = Field("auto", description="Lightning strategy (ddp, ddp_spawn, …)")
    precision: str | None = Field(None, description="None: 16-mixed on CUDA, 32 elsewhere")
    num_threads: int = Field(-1, description="torch CPU threads (-1: every core)")
    limit_train_batches: int | float | None = None


class EvaluationConfig(_Section):
    """Test-week evaluation: masked-product ranking over the full catalogue, breakdowns."""

    k: list[int] = Field(default_factory=lambda: [10, 20])
    group_by: list[Literal["date", "hour", "week"]] = Field(
        default_factory=lambda: ["date", "hour", "week"]
    )
    seeds: list[int] | None = Field(
        None, description="set: train once per seed and report intervals over them"
    )
    batch_size: int = Field(256, ge=1, description="test baskets per evaluation batch")


class BasketRunConfig(RunConfig):
    """A basket world-model run on one project root."""

    task: Literal["basket"] = "basket"
    project_root: Path = Path("data/baskets")
    splits: SplitConfig = Field(default_factory=SplitConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    data: BasketDataConfig = Field(default_factory=BasketDataConfig)
    model: BasketModelConfig = Field(default_factory=BasketModelConfig)
    training: BasketTrainingConfig = Field(default_factory=BasketTrainingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
