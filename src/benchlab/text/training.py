"""LoRA fine-tuning of a registry model on text splits, through the engine's Lightning harness.

As seed 004's ``training.yaml``: AdamW at ``training.learning_rate`` (2e-4) with a linear
schedule, gradient accumulation (``accumulate_grad_batches``), validation every
``training.eval_steps`` optimizer steps and once more after the last one, the best validation
macro F1 kept (``ModelCheckpoint`` on ``val_f1_macro``, mode max; only the trainable weights are
checkpointed), 16-bit mixed precision on CUDA only, TensorBoard under ``log_dir``. Seeded with
``config.seed`` (:func:`benchlab.neural.torch_session`). Texts longer than
``training.max_length`` tokens are truncated, with one warning saying how many.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from benchlab.errors import InputError
from benchlab.logs import get_logger
from benchlab.neural import require_neural
from benchlab.text.finetuned import Encoded, FineTunedClassifier, encode, pad_batch
from benchlab.text.finetuned import truncation_message as _truncation_message
from benchlab.text.registry import ModelEntry

if TYPE_CHECKING:
    from pathlib import Path

    from benchlab.text.config import TextRunConfig

log = get_logger("text.training")
#: The metric that picks the best validation point.
MONITOR = "val_f1_macro"

require_neural("lightning")

import lightning  # noqa: E402
import torch  # noqa: E402


class EncodedDataset(torch.utils.data.Dataset):
    """Token ids and labels, indexed by whole batches (``data[list_of_rows]``) and padded per
    batch to its longest text."""

    def __init__(self, encoded: Encoded, labels: np.ndarray, tokenizer: Any) -> None:
        self.input_ids = encoded.input_ids
        self.labels = torch.tensor(np.asarray(labels, dtype=np.int64))
        self.tokenizer = tokenizer

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, rows: list[int]) -> dict[str, torch.Tensor]:
        batch = pad_batch(self.tokenizer, [self.input_ids[i] for i in rows])
        batch["labels"] = self.labels[rows]
        return batch


class SequenceClassifierModule(lightning.LightningModule):
    """A PEFT sequence classifier trained with cross-entropy; logs ``train_loss``,
    ``val_loss``, ``val_accuracy`` and ``val_f1_macro``.

    Checkpoints hold only the trainable weights (LoRA and the head), not the frozen base.
    """

    def __init__(
        self,
        model: Any,
        *,
        n_classes: int,
        learning_rate: float,
        weight_decay: float,
        warmup_steps: int,
        total_steps: int,
    ) -> None:
        super().__init__()
        self.model = model
        self.n_classes = n_classes
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.validations = 0
        self._validated_step = -1
        self._outputs: list[tuple[np.ndarray, np.ndarray, float, int]] = []

    def forward(self, batch: dict[str, torch.Tensor]) -> Any:
        return self.model(**batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self(batch).loss
        self.log("train_loss", loss, on_step=True, on_epoch=False, batch_size=len(batch["labels"]))
        return loss

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        """After the last optimizer step, stop now: Lightning then validates once more, so the
        steps since the last validation count too."""
        if self.global_step >= self.total_steps:
            self.trainer.should_stop = True

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        output = self(batch)
        predicted = output.logits.argmax(dim=-1)
        n = len(batch["labels"])
        self._outputs.append(
            (
                batch["labels"].cpu().numpy(),
                predicted.cpu().numpy(),
                float(output.loss) * n,
                n,
            )
        )

    def on_validation_epoch_end(self) -> None:
        from sklearn.metrics import accuracy_score, f1_score

        if not self._outputs:
            return
        y_true = np.concatenate([o[0] for o in self._outputs])
        y_pred = np.concatenate([o[1] for o in self._outputs])
        loss = sum(o[2] for o in self._outputs) / sum(o[3] for o in self._outputs)
        self._outputs.clear()
        f1 = f1_score(
            y_true, y_pred, average="macro", labels=range(self.n_classes), zero_division=0
        )
        self.validations += 1
        self.log_dict(
            {
                MONITOR: float(f1),
                "val_accuracy": float(accuracy_score(y_true, y_pred)),
                "val_loss": float(loss),
            }
        )

    def configure_optimizers(self) -> Any:
        from transformers import get_linear_schedule_with_warmup

        trainable = [p for p in self.model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            trainable, lr=self.learning_rate, weight_decay=self.weight_decay
        )
        schedule = get_linear_schedule_with_warmup(optimizer, self.warmup_steps, self.total_steps)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    # --- checkpoints of the trainable weights only --------------------------------------------
    def _trainable_keys(self) -> set[str]:
        return {name for name, p in self.named_parameters() if p.requires_grad}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        keep = self._trainable_keys()
        checkpoint["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if k in keep}

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> Any:
        """Load a checkpoint of the trainable weights: every one of them must be there."""
        result = super().load_state_dict(state_dict, strict=False, assign=assign)
        missing = self._trainable_keys() & set(result.missing_keys)
        if strict and (missing or result.unexpected_keys):
            raise RuntimeError(
                f"checkpoint does not fit: missing {sorted(missing)[:3]}, "
                f"unexpected {sorted(result.unexpected_keys)[:3]}"
            )
        return result


def training_plan(n_batches: int, config: TextRunConfig) -> dict[str, int]:
    """Optimizer steps per epoch and in all, warmup steps and the validation interval (in
    batches, at most one epoch).

    >>> from benchlab.text.config import TextRunConfig
    >>> cfg = TextRunConfig(training={"epochs": 2, "gradient_accumulation_steps": 4,
    ...                               "eval_steps": 2, "batch_size": 8})
    >>> training_plan(30, cfg)
    {'steps_per_epoch': 8, 'total_steps': 16, 'warmup_steps': 0, 'val_check_batches': 8}
    """
    training = config.training
    accumulation = training.gradient_accumulation_steps
    per_epoch = math.ceil(n_batches / accumulation)
    total = per_epoch * training.epochs
    if training.max_steps is not None:
        total = min(total, training.max_steps)
    return {
        "steps_per_epoch": per_epoch,
        "total_steps": total,
        "warmup_steps": int(training.warmup_ratio * total),
        "val_check_batches": min(training.eval_steps * accumulation, n_batches),
    }


def fine_tune(
    entry: ModelEntry,
    splits: Any,
    config: TextRunConfig,
    *,
    log_dir: Path | None,
    progress: bool = False,
) -> FineTunedClassifier:
    """LoRA-tune ``entry`` on ``splits.train``, keep the best validation macro F1, and return
    it as a classifier on the training device.

    ``splits`` has ``train``/``validation`` frames (``text``, ``label`` class ids) and
    ``labels`` (class names); see :class:`benchlab.text.data.TextSplits`.
    """
    from benchlab.neural import TrainerSettings, fit_module, torch_session
    from benchlab.neural.data import batch_loader
    from benchlab.runs import safe_name
    from benchlab.text.device import resolve_device
    from benchlab.text.loading import load_pretrained, resolve_quantization
    from benchlab.text.lora import apply_lora

    training = config.training
    device = resolve_device(training.device)
    quantization = resolve_quantization(training.quantization, device, entry)
    labels = list(splits.labels)
    n_classes = len(labels)
    if splits.train.height == 0 or splits.validation.height == 0:
        raise InputError(f"{entry.name}: fine-tuning needs training and validation texts")

    with torch_session(n_threads=training.num_threads, seed=config.seed):
        loaded = load_pretrained(
            entry,
            n_classes,
            models_dir=config.models_directory(),
            device=device,
            quantization=quantization,
            labels=labels,
        )
        max_length = _max_length(loaded.model, loaded.tokenizer, training.max_length, entry)
        model = apply_lora(
            loaded, entry, r=config.lora.r, alpha=config.lora.alpha, dropout=config.lora.dropout
        )
        train = encode(loaded.tokenizer, splits.train["text"].to_list(), max_length)
        validation = encode(loaded.tokenizer, splits.validation["text"].to_list(), max_length)
        _warn_truncated(entry, train, validation, max_length)
        train_loader = batch_loader(
            EncodedDataset(train, splits.train["label"].to_numpy(), loaded.tokenizer),
            batch_size=training.batch_size,
            shuffle=True,
            seed=config.seed,
        )
        val_loader = batch_loader(
            EncodedDataset(validation, splits.validation["label"].to_numpy(), loaded.tokenizer),
            batch_size=training.batch_size,
            shuffle=False,
            seed=config.seed,
        )
        plan = training_plan(len(train_loader), config)
        module = SequenceClassifierModule(
            model,
            n_classes=n_classes,
            learning_rate=training.learning_rate,
            weight_decay=training.weight_decay,
            warmup_steps=plan["warmup_steps"],
            total_steps=plan["total_steps"],
        )
        settings = TrainerSettings(
            max_epochs=training.epochs,
            accelerator=device,
            devices=1,
            monitor=MONITOR,
            mode="max",
            patience=training.early_stopping_patience,
            log_dir=log_dir,
            name=safe_name(entry.name),
            hparams=_hparams(entry, config, plan, max_length, quantization),
            log_every_n_steps=min(50, len(train_loader)),
            trainer_kwargs=_trainer_kwargs(device, plan, training, progress),
        )
        started = time.perf_counter()
        outcome = fit_module(
            module, settings, train_dataloaders=train_loader, val_dataloaders=val_loader
        )
        elapsed = time.perf_counter() - started
    model = module.model
    log.info(
        "%s: best %s %.4f after %d validations (%d optimizer steps, %.1f s)",
        entry.name,
        MONITOR,
        outcome.best_score if outcome.best_score is not None else float("nan"),
        module.validations,
        module.global_step,
        elapsed,
    )
    return FineTunedClassifier(
        model,
        loaded.tokenizer,
        entry=entry,
        labels=labels,
        max_length=max_length,
        device=device,
        training_time_s=elapsed,
        training={
            "best_val_f1_macro": outcome.best_score,
            "optimizer_steps": int(module.global_step),
            "validations": module.validations,
            "quantization": quantization,
            "device": device,
            "r": config.lora.r or entry.r,
            "alpha": config.lora.alpha or entry.alpha,
            "dropout": entry.dropout if config.lora.dropout is None else config.lora.dropout,
            "learning_rate": training.learning_rate,
            "epochs": training.epochs,
            "log_dir": None if outcome.log_dir is None else str(outcome.log_dir),
        },
    )


def _max_length(model: Any, tokenizer: Any, requested: int, entry: ModelEntry) -> int:
    """``training.max_length``, at most the positions the model has (and its tokenizer's
    ``model_max_length`` when that is set)."""
    limits = [
        value
        for value in (
            getattr(model.config, "max_position_embeddings", None),
            getattr(tokenizer, "model_max_length", None),
        )
        if isinstance(value, int) and 0 < value < 1_000_000
    ]
    if limits and min(limits) < requested:
        log.info("%s: max_length %d cut to its %d positions", entry.name, requested, min(limits))
        return min(limits)
    return requested


def _warn_truncated(
    entry: ModelEntry, train: Encoded, validation: Encoded, max_length: int
) -> None:
    n_truncated = train.n_truncated + validation.n_truncated
    if n_truncated:
        n_texts = len(train) + len(validation)
        message = _truncation_message(n_truncated, n_texts, "training and validation", max_length)
        log.warning("%s: %s", entry.name, message)


def _trainer_kwargs(
    device: str, plan: dict[str, int], training: Any, progress: bool
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "accumulate_grad_batches": training.gradient_accumulation_steps,
        "val_check_interval": plan["val_check_batches"],
        "max_steps": plan["total_steps"],
        "precision": "16-mixed" if device == "cuda" else "32-true",
        "enable_progress_bar": progress,
    }
    if device == "cuda":  # some CUDA kernels have no deterministic version: warn, not fail
        kwargs["deterministic"] = "warn"
    return kwargs


def _hparams(
    entry: ModelEntry,
    config: TextRunConfig,
    plan: dict[str, int],
    max_length: int,
    quantization: str,
) -> dict[str, Any]:
    training = config.training
    return {
        "model": entry.name,
        "hf_id": entry.hf_id or "",
        "lora_r": config.lora.r or entry.r,
        "lora_alpha": config.lora.alpha or entry.alpha,
        "lora_dropout": entry.dropout if config.lora.dropout is None else config.lora.dropout,
        "target_modules": ",".join(entry.target_modules),
        "learning_rate": training.learning_rate,
        "batch_size": training.batch_size,
        "gradient_accumulation_steps": training.gradient_accumulation_steps,
        "eval_steps": training.eval_steps,
        "max_length": max_length,
        "quantization": quantization,
        "seed": config.seed,
        **plan,
    }
