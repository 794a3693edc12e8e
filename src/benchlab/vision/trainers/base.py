"""The epoch loop every trainer shares: train, validate, schedule, checkpoint, report.

A trainer subclass changes only how one batch is trained (:meth:`BaseTrainer.train_batch`) and
how the network, optimizer and loader are wrapped (:meth:`BaseTrainer.prepare_model`,
:meth:`BaseTrainer.setup`). After every epoch :meth:`BaseTrainer.fit` steps the schedule,
writes ``weights/last.pt`` (and ``weights/best.pt`` when validation accuracy improved), logs the
epoch to TensorBoard and calls ``on_epoch_end(epoch, metrics)``; training stops when that
returns True, or after ``training.early_stopping_patience`` epochs without improvement.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from benchlab.errors import InputError
from benchlab.vision.checkpoints import Checkpoint, capture_rng, restore_rng, save_checkpoint
from benchlab.vision.optim import create_optimizer, create_scheduler

if TYPE_CHECKING:
    from torch.utils.data import DataLoader

    from benchlab.vision.config import VisionRunConfig
    from benchlab.vision.data.dataset import VisionData

EpochCallback = Callable[[int, dict[str, float]], bool]
WEIGHTS_DIR = "weights"
BEST, LAST = "best.pt", "last.pt"


@dataclass
class TrainHistory:
    """Every epoch's metrics (resumed epochs included) and the best validation accuracy."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    best_val_accuracy: float = float("-inf")
    stopped_early: bool = False
    train_seconds: float = 0.0
    images: int = 0

    @property
    def completed(self) -> int:
        """Epochs trained so far (the last epoch's number)."""
        return int(self.epochs[-1]["epoch"]) if self.epochs else 0

    @property
    def images_per_second(self) -> float:
        """Training throughput of this process's epochs (forward, backward and step)."""
        return self.images / self.train_seconds if self.train_seconds > 0 else float("nan")

    def series(self, key: str) -> list[float]:
        return [float(row[key]) for row in self.epochs if key in row]


def check_resumable(checkpoint: Checkpoint, config: VisionRunConfig) -> None:
    """``config`` can continue ``checkpoint``: same trainer, epochs left to train."""
    saved_type = checkpoint.trainer_state.get("trainer_type")
    wanted = config.training.trainer_type
    if saved_type is not None and saved_type != wanted:
        raise InputError(
            f"{checkpoint.path}: trained with the {saved_type} trainer; resume it with "
            f"training.trainer_type: {saved_type} (not {wanted})"
        )
    if checkpoint.epoch >= config.training.num_epochs:
        raise InputError(
            f"{checkpoint.path}: already trained {checkpoint.epoch} epochs; set "
            f"training.num_epochs above {checkpoint.epoch} to continue"
        )


class BaseTrainer:
    """Plain PyTorch training on ``device`` (the ``standard`` trainer)."""

    name: ClassVar[str] = "standard"

    def __init__(
        self,
        config: VisionRunConfig,
        model: nn.Module,
        loaders: Mapping[str, DataLoader],
        *,
        device: str | torch.device,
        run_dir: str | Path,
        log: logging.Logger,
        data: VisionData | None = None,
        writer: Any | None = None,
    ) -> None:
        self.config = config
        self.device = torch.device(device)
        self.run_dir = Path(run_dir)
        self.log = log
        self.data = data
        self.writer = writer
        self.generator: torch.Generator | None = loaders["train"].generator
        self.train_loader = loaders["train"]
        self.val_loader = loaders["val"]
        self.model = self.prepare_model(model).to(self.device)
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = create_optimizer(config.optimizer, self.model.parameters())
        self.setup()
        self.scheduler = create_scheduler(
            config.scheduler, self.optimizer, num_epochs=config.training.num_epochs
        )
        if config.training.gradient_accumulation_steps > 1 and not self.accumulates:
            log.warning(
                "training.gradient_accumulation_steps is used by the accelerate trainer only; "
                "the %s trainer steps after every batch",
                self.name,
            )

    accumulates: ClassVar[bool] = False

    # --- hooks for the other trainers ---------------------------------------------------------
    def prepare_model(self, model: nn.Module) -> nn.Module:
        """The network to train (Opacus replaces layers it cannot make private)."""
        return model

    def setup(self) -> None:
        """Wrap the model, optimizer and loaders (Accelerate, Opacus); nothing by default."""

    def autocast(self) -> AbstractContextManager[Any]:
        """The context every forward pass runs in (mixed precision: ``torch.autocast``)."""
        return nullcontext()

    def train_batch(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimisation step; returns the (detached) loss and logits."""
        self.optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            logits = self.model(images)
            loss = self.criterion(logits, labels)
        loss.backward()
        self.optimizer.step()
        return loss.detach(), logits.detach()

    def to_device(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return (
            images.to(self.device, non_blocking=True),
            labels.to(self.device, non_blocking=True),
        )

    def core_model(self) -> nn.Module:
        """The network without any wrapper (what checkpoints and evaluation use)."""
        return self.model

    def epoch_metrics(self) -> dict[str, float]:
        """Metrics beside loss and accuracy that this trainer reports (DP: epsilon)."""
        return {}

    def trainer_state(self) -> dict[str, Any]:
        """State of this trainer's own parts kept in checkpoints (scaler, accountant …)."""
        return {}

    def load_trainer_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`trainer_state` saved."""

    def finish(self) -> None:
        """Release what the trainer holds once training is over."""

    # --- the loop -----------------------------------------------------------------------------
    def _batches(self, loader: DataLoader) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for images, labels in loader:
            yield self.to_device(images, labels)

    def train_epoch(self) -> dict[str, float]:
        self.model.train()
        total_loss, correct, seen = 0.0, 0, 0
        started = time.perf_counter()
        for images, labels in self._batches(self.train_loader):
            if labels.numel() == 0:  # Poisson sampling (Opacus) may draw an empty batch
                continue
            loss, logits = self.train_batch(images, labels)
            total_loss += float(loss) * labels.numel()
            correct += int((logits.argmax(dim=1) == labels).sum())
            seen += labels.numel()
        seconds = time.perf_counter() - started
        return {
            "train_loss": total_loss / max(seen, 1),
            "train_accuracy": correct / max(seen, 1),
            "train_images": float(seen),
            "train_seconds": seconds,
        }

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        self.model.eval()
        total_loss, correct, seen = 0.0, 0, 0
        for images, labels in self._batches(self.val_loader):
            with self.autocast():
                logits = self.model(images)
            total_loss += float(self.criterion(logits.float(), labels)) * labels.numel()
            correct += int((logits.argmax(dim=1) == labels).sum())
            seen += labels.numel()
        if seen == 0:
            raise InputError("the validation split has no images")
        return {"val_loss": total_loss / seen, "val_accuracy": correct / seen}

    def current_lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def fit(
        self, *, start_state: Checkpoint | None = None, on_epoch_end: EpochCallback | None = None
    ) -> TrainHistory:
        """Train to ``training.num_epochs`` (from ``start_state``'s epoch when resuming)."""
        history = TrainHistory()
        if start_state is not None:
            history = self.restore(start_state)
        patience = self.config.training.early_stopping_patience
        for epoch in range(history.completed + 1, self.config.training.num_epochs + 1):
            lr = self.current_lr()
            train = self.train_epoch()
            metrics = {"epoch": float(epoch), **train, **self.validate(), "lr": lr}
            metrics.update(self.epoch_metrics())
            self.scheduler.step(metrics["val_loss"])
            history.epochs.append(metrics)
            history.train_seconds += train["train_seconds"]
            history.images += int(train["train_images"])
            improved = metrics["val_accuracy"] > history.best_val_accuracy
            if improved:
                history.best_val_accuracy, history.best_epoch = metrics["val_accuracy"], epoch
            self.save(history, improved=improved)
            self.report(epoch, metrics, improved=improved)
            stop = bool(on_epoch_end(epoch, dict(metrics))) if on_epoch_end else False
            if not stop and patience is not None and epoch - history.best_epoch >= patience:
                self.log.info("early stopping: no better val_accuracy for %d epochs", patience)
                stop = True
            if stop:
                history.stopped_early = epoch < self.config.training.num_epochs
                break
        self.finish()
        return history

    def report(self, epoch: int, metrics: Mapping[str, float], *, improved: bool) -> None:
        total = self.config.training.num_epochs
        extra = f" epsilon {metrics['epsilon']:.3g}" if "epsilon" in metrics else ""
        self.log.info(
            "epoch %d/%d: train loss %.4f acc %.4f | val loss %.4f acc %.4f | lr %.3g | "
            "%.1f images/s%s%s",
            epoch,
            total,
            metrics["train_loss"],
            metrics["train_accuracy"],
            metrics["val_loss"],
            metrics["val_accuracy"],
            metrics["lr"],
            metrics["train_images"] / max(metrics["train_seconds"], 1e-9),
            extra,
            " (best)" if improved else "",
        )
        if self.writer is None:
            return
        scalars = {
            "loss/train": metrics["train_loss"],
            "loss/val": metrics["val_loss"],
            "accuracy/train": metrics["train_accuracy"],
            "accuracy/val": metrics["val_accuracy"],
            "lr": metrics["lr"],
        }
        if "epsilon" in metrics:
            scalars["privacy/epsilon"] = metrics["epsilon"]
        for tag, value in scalars.items():
            self.writer.add_scalar(tag, value, epoch)
        self.writer.flush()

    # --- checkpoints --------------------------------------------------------------------------
    def checkpoint(self, history: TrainHistory) -> Checkpoint:
        """The full state after the last finished epoch."""
        data = self.data
        return Checkpoint(
            model_state={k: v.detach().cpu() for k, v in self.core_model().state_dict().items()},
            config=self.config.to_raw(),
            classes=list(data.classes) if data else [],
            channels=data.channels if data else 0,
            image_size=data.image_size if data else (0, 0),
            mean=list(data.mean) if data else [],
            std=list(data.std) if data else [],
            epoch=history.completed,
            best_metric=history.best_val_accuracy,
            best_epoch=history.best_epoch,
            history=[dict(row) for row in history.epochs],
            optimizer_state=self.optimizer.state_dict(),
            scheduler_state=self.scheduler.state_dict(),
            rng=capture_rng(self.generator),
            trainer_state={"trainer_type": self.name, **self.trainer_state()},
        )

    def save(self, history: TrainHistory, *, improved: bool) -> None:
        weights = self.run_dir / WEIGHTS_DIR
        state = self.checkpoint(history)
        save_checkpoint(weights / LAST, state)
        if improved:
            save_checkpoint(weights / BEST, state)

    def restore(self, checkpoint: Checkpoint) -> TrainHistory:
        """Put the model, optimizer, schedule, random states and history back as they were."""
        check_resumable(checkpoint, self.config)
        try:
            self.core_model().load_state_dict(checkpoint.model_state)
        except RuntimeError as exc:
            first = str(exc).splitlines()[0]
            raise InputError(
                f"{checkpoint.path}: weights do not fit the network ({first})"
            ) from None
        if checkpoint.optimizer_state is not None:
            self.optimizer.load_state_dict(checkpoint.optimizer_state)
        self.scheduler.load_state_dict(checkpoint.scheduler_state)
        self.load_trainer_state(checkpoint.trainer_state)
        restore_rng(checkpoint.rng, self.generator)
        self.log.info("resumed from %s after epoch %d", checkpoint.path, checkpoint.epoch)
        return TrainHistory(
            epochs=[dict(row) for row in checkpoint.history],
            best_epoch=checkpoint.best_epoch,
            best_val_accuracy=checkpoint.best_metric,
        )
