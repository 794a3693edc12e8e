"""Train the world model through the engine's Lightning harness (``fit_module``).

What the harness adds: ``EarlyStopping`` on ``val_loss`` (``training.early_stopping_patience``,
3 by default), the best epoch's weights checkpointed and restored, TensorBoard logs under the
run folder, ``devices``/``strategy`` passed to Lightning (DDP).

Hybrid validation, as seed 003 recommends: the full validation split at the end of every epoch
(``val_loss``, which early stopping and the checkpoint follow) and, every
``training.validate_every_n_steps`` optimizer steps, a quick one on the first
``training.quick_validation_batches`` validation batches (``quick_val_loss``, logged and kept
in the history; it decides nothing). Validation batches are masked with fixed seeds, the same
masks every epoch, so epochs compare like with like.

Under DDP the loaders are built in the data module's hooks, after the processes have started,
with the trainer's world size and rank: every rank draws the same bucketed epoch and takes its
own disjoint shard (``BucketBatchSampler``), so Lightning's own distributed sampler is off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightning
import numpy as np
import polars as pl
import torch

from benchlab.basket.model import PurchaseHistory, WorldModel
from benchlab.logs import get_logger

if TYPE_CHECKING:
    from benchlab.basket.config import BasketRunConfig
    from benchlab.neural import FitOutcome

log = get_logger("basket.training")

MODEL_NAME = "world_model"
VALIDATION_SEED_OFFSET = 1_000_003
"""Validation masks use ``seed + offset``: never the training batches' masks."""


def precision_for(config: BasketRunConfig) -> str:
    """``training.precision`` as given, else 16-bit mixed precision on CUDA and 32 elsewhere."""
    from benchlab.neural import uses_gpu

    if config.training.precision is not None:
        return config.training.precision
    cuda = uses_gpu(config.training.accelerator) and torch.cuda.is_available()
    return "16-mixed" if cuda else "32-true"


def build_model(
    config: BasketRunConfig,
    vocab_size: int,
    history: PurchaseHistory | None = None,
    product_table: Any = None,
) -> WorldModel:
    """The world model the config describes: auxiliary heads for the enabled tasks only, the
    purchase history (``model.purchase_history``) and the product embeddings [V, D] tied into
    the MLM head (``model.tie_product_embeddings``) where given."""
    table = None
    if product_table is not None and config.model.tie_product_embeddings:
        table = torch.from_numpy(np.array(product_table, dtype=np.float32))
    model, training = config.model, config.training
    return WorldModel(
        vocab_size=vocab_size,
        d_model=model.d_model,
        n_layers=model.n_layers,
        n_heads=model.n_heads,
        dim_feedforward=model.dim_feedforward,
        dropout=model.dropout,
        auxiliary_weights=enabled_auxiliary_weights(config),
        learning_rate=training.learning_rate,
        weight_decay=training.weight_decay,
        warmup_steps=training.warmup_steps,
        lr_schedule=training.lr_schedule,
        max_seq_len=config.data.max_seq_len,
        purchase_history=history if model.purchase_history else None,
        product_table=table,
    )


def purchase_history(train: Any) -> PurchaseHistory:
    """The customers' training-week purchase counts of a ``WorldModelDataset`` (its CSR item
    index, customers and basket ids; one row per customer of the tensor cache)."""
    return PurchaseHistory.fit(
        train.customer_idx,
        train.lengths,
        train.item_product,
        train.basket_ids,
        n_customers=int(train.cache.customer_history_embeddings.shape[0]),
    )


def _product_table(dataset: Any) -> Any:
    cache = getattr(dataset, "cache", None)
    return None if cache is None else cache.product_embeddings


def enabled_auxiliary_weights(config: BasketRunConfig) -> dict[str, float]:
    """Enabled auxiliary task → its loss weight, in the config's order."""
    return {
        task: spec.weight for task, spec in config.model.auxiliary_tasks.items() if spec.enabled
    }


class FixedEpoch:
    """A loader whose epoch never changes: Lightning finds no ``sampler`` to call
    ``set_epoch`` on, so every pass gives the same batches and masks."""

    def __init__(self, loader: Any, max_batches: int | None = None) -> None:
        self.loader = loader
        self.max_batches = max_batches

    def __len__(self) -> int:
        n = len(self.loader)
        return n if self.max_batches is None else min(n, self.max_batches)

    def __iter__(self) -> Iterator[Any]:
        for position, batch in enumerate(self.loader):
            if position >= len(self):
                return
            yield batch


class BasketDataModule(lightning.LightningDataModule):
    """Training and validation loaders of two ``WorldModelDataset`` splits, rank-aware."""

    def __init__(
        self,
        train: Any,
        validation: Any,
        *,
        batch_size: int,
        bucket_batching: bool = True,
        n_buckets: int = 8,
        num_workers: int = 0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.train = train
        self.validation = validation
        self.batch_size = batch_size
        self.bucket_batching = bucket_batching
        self.n_buckets = n_buckets
        self.num_workers = num_workers
        self.seed = seed

    def _shard(self) -> dict[str, int]:
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            return {"num_replicas": 1, "rank": 0}
        return {"num_replicas": trainer.world_size, "rank": trainer.global_rank}

    def _loader(self, dataset: Any, *, shuffle: bool, seed: int) -> Any:
        from benchlab.basket.loader import WorldModelDataLoader

        return WorldModelDataLoader(
            dataset,
            batch_size=self.batch_size,
            shuffle=shuffle,
            apply_masking=True,
            bucket_batching=self.bucket_batching,
            num_workers=self.num_workers,
            seed=seed,
            n_buckets=self.n_buckets,
            **self._shard(),
        )

    def train_dataloader(self) -> Any:
        return self._loader(self.train, shuffle=True, seed=self.seed)

    def val_dataloader(self) -> FixedEpoch:
        return FixedEpoch(
            self._loader(self.validation, shuffle=False, seed=self.seed + VALIDATION_SEED_OFFSET)
        )

    def quick_val_dataloader(self, max_batches: int) -> FixedEpoch:
        """The first ``max_batches`` validation batches (the buckets take turns, so they
        cover every basket length)."""
        loader = self._loader(
            self.validation, shuffle=False, seed=self.seed + VALIDATION_SEED_OFFSET
        )
        return FixedEpoch(loader, max_batches)


def validation_loss(module: WorldModel, loader: Any) -> float:
    """Mean total loss over ``loader``'s batches (weighted by batch size), in eval mode; the
    module's training mode is restored."""
    was_training = module.training
    module.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            batch = batch.to(module.device)
            total += float(module.losses(batch).total) * len(batch)
            count += len(batch)
    module.train(was_training)
    return total / count if count else math.nan


class QuickValidation(lightning.Callback):
    """Every ``every_n_steps`` optimizer steps: the loss on the first ``max_batches``
    validation batches, logged as ``quick_val_loss`` and kept in :attr:`history`."""

    def __init__(self, every_n_steps: int, max_batches: int) -> None:
        self.every_n_steps = every_n_steps
        self.max_batches = max_batches
        self.history: list[dict[str, float]] = []
        self._loader: Any = None
        self._last_step = 0

    def on_train_start(self, trainer: lightning.Trainer, pl_module: WorldModel) -> None:
        self._loader = trainer.datamodule.quick_val_dataloader(self.max_batches)

    def on_train_batch_end(
        self,
        trainer: lightning.Trainer,
        pl_module: WorldModel,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        step = trainer.global_step
        if step == self._last_step or step % self.every_n_steps or self._loader is None:
            return
        self._last_step = step
        loss = validation_loss(pl_module, self._loader)
        value = torch.tensor(loss, device=pl_module.device)
        pl_module.log("quick_val_loss", value, on_step=True, on_epoch=False, sync_dist=True)
        self.history.append({"step": step, "epoch": trainer.current_epoch + 1, "loss": loss})


class EpochHistory(lightning.Callback):
    """Per epoch: the mean training loss and the full validation losses (after validation)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer: lightning.Trainer, pl_module: WorldModel) -> None:
        metrics = trainer.callback_metrics
        row = {"epoch": trainer.current_epoch + 1}
        for name, value in sorted(metrics.items()):
            if name.endswith("_step") or name == "quick_val_loss":
                continue
            row[name.removesuffix("_epoch")] = float(value)
        self.rows.append(row)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows) if self.rows else pl.DataFrame({"epoch": []})


@dataclass
class TrainedModel:
    """One fitted world model (the best epoch's weights) and how training went."""

    model: WorldModel
    seed: int
    fit: FitOutcome
    history: pl.DataFrame
    quick_validation: pl.DataFrame
    train_seconds: float
    train_baskets: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def best_epoch(self) -> int | None:
        """1-based epoch whose weights were kept."""
        return None if self.fit.best_epoch is None else self.fit.best_epoch + 1


def train_world_model(
    config: BasketRunConfig,
    train: Any,
    validation: Any,
    *,
    vocab_size: int,
    seed: int,
    history: PurchaseHistory | None = None,
    log_dir: Path | None = None,
    progress: bool = False,
) -> TrainedModel:
    """Build and fit one world model with ``seed`` (weights, batch order and masks follow it);
    ``history`` is used when ``model.purchase_history`` is on, and the training set's product
    embeddings (``train.cache``, when it has one) when ``model.tie_product_embeddings`` is."""
    from benchlab.neural import TrainerSettings, fit_module, torch_session

    training = config.training
    datamodule = BasketDataModule(
        train,
        validation,
        batch_size=config.data.batch_size,
        bucket_batching=config.data.bucket_batching,
        n_buckets=config.splits.n_buckets,
        num_workers=config.data.num_workers,
        seed=seed,
    )
    options: dict[str, Any] = {
        "strategy": training.strategy,
        "precision": precision_for(config),
        "use_distributed_sampler": False,
        "enable_progress_bar": progress,
        "gradient_clip_val": training.gradient_clip_val,
    }
    if training.limit_train_batches is not None:
        options["limit_train_batches"] = training.limit_train_batches
    settings = TrainerSettings(
        max_epochs=training.max_epochs,
        accelerator=training.accelerator,
        devices=training.devices,
        monitor="val_loss",
        mode="min",
        patience=training.early_stopping_patience,
        log_dir=log_dir,
        name=f"{MODEL_NAME}_seed{seed}",
        hparams=hyperparameters(config, seed),
        trainer_kwargs=options,
    )
    quick = QuickValidation(training.validate_every_n_steps, training.quick_validation_batches)
    epochs = EpochHistory()
    with torch_session(n_threads=training.num_threads, seed=seed):
        module = build_model(config, vocab_size, history, _product_table(train))
        module.extra_callbacks = [quick, epochs]
        started = time.perf_counter()
        fit = fit_module(module, settings, datamodule=datamodule)
        seconds = time.perf_counter() - started
        module.extra_callbacks = []
    log.info(
        "world model (seed %d): %d epochs, best %s (val_loss %s), %.1f s",
        seed,
        fit.epochs_trained,
        fit.best_epoch,
        fit.best_score,
        seconds,
    )
    return TrainedModel(
        model=module,
        seed=seed,
        fit=fit,
        history=epochs.frame(),
        quick_validation=pl.DataFrame(quick.history)
        if quick.history
        else pl.DataFrame(schema={"step": pl.Int64, "epoch": pl.Int64, "loss": pl.Float64}),
        train_seconds=seconds,
        train_baskets=len(train),
    )


def hyperparameters(config: BasketRunConfig, seed: int) -> dict[str, Any]:
    """Scalars logged to TensorBoard and the tracker."""
    model = config.model.model_dump(exclude={"auxiliary_tasks"})
    training = config.training.model_dump()
    aux = {f"aux_{task}": weight for task, weight in enabled_auxiliary_weights(config).items()}
    data = config.data.model_dump()
    return {**model, **training, **aux, **data, "seed": seed}
