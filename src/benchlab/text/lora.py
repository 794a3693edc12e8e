"""LoRA (and QLoRA) on a registry model, as seed 004's ``LoRAConfigManager`` does it.

PEFT's ``task_type=SEQ_CLS`` adds the classifier head (``classifier`` / ``score``) to
``modules_to_save``, so the head is trained in full and saved with the adapter; modules the
checkpoint lacked besides the head (a new pooler) are added to it as well. A 4-bit model
(QLoRA, CUDA only) is first prepared for k-bit training (gradient checkpointing, norms in
float32).

>>> model = LoRAConfigManager.prepare_model(  # doctest: +SKIP
...     model_name="MiniLM-L6", num_labels=3, device=get_device()
... )
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchlab.text.loading import LoadedModel, load_pretrained, resolve_quantization
from benchlab.text.registry import ModelEntry, ModelRegistry, load_registry

#: Families whose attention projections are ``Conv1D`` (weights stored transposed).
CONV1D_FAMILIES = ("gpt2",)


def lora_config(
    entry: ModelEntry,
    *,
    r: int | None = None,
    alpha: int | None = None,
    dropout: float | None = None,
    modules_to_save: Sequence[str] = (),
) -> Any:
    """PEFT's ``LoraConfig`` for ``entry`` (``SEQ_CLS``; r/alpha/dropout: the entry's unless
    given)."""
    from peft import LoraConfig, TaskType

    return LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=entry.r if r is None else r,
        lora_alpha=entry.alpha if alpha is None else alpha,
        lora_dropout=entry.dropout if dropout is None else dropout,
        target_modules=list(entry.target_modules),
        modules_to_save=list(modules_to_save) or None,
        fan_in_fan_out=entry.family in CONV1D_FAMILIES,
        bias="none",
    )


def apply_lora(
    loaded: LoadedModel,
    entry: ModelEntry,
    *,
    r: int | None = None,
    alpha: int | None = None,
    dropout: float | None = None,
) -> Any:
    """The ``PeftModelForSequenceClassification`` of ``loaded``: LoRA on the entry's target
    modules; the head and any newly initialised module trained and saved in full."""
    from peft import get_peft_model

    from benchlab.errors import InputError

    model = loaded.model
    if loaded.quantization == "4bit":
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)
    config = lora_config(
        entry, r=r, alpha=alpha, dropout=dropout, modules_to_save=loaded.new_modules
    )
    try:
        with peft_warnings():
            return get_peft_model(model, config)
    except ValueError as exc:  # target modules not found in the network
        raise InputError(
            f"model {entry.name!r}: LoRA target modules {', '.join(entry.target_modules)} "
            f"do not fit {type(model).__name__} ({str(exc).splitlines()[0]}); fix "
            "target_modules (or the family) in the registry"
        ) from exc


@contextmanager
def peft_warnings() -> Iterator[None]:
    """Without the deprecation warning PEFT triggers in transformers 5
    (``is_gradient_checkpointing``), which users can do nothing about."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")
        yield


def trainable_share(model: Any) -> tuple[int, int]:
    """``(trainable, total)`` parameters (PEFT counts 4-bit weights at their real size)."""
    if hasattr(model, "get_nb_trainable_parameters"):
        trainable, total = model.get_nb_trainable_parameters()
        return int(trainable), int(total)
    params = list(model.parameters())
    return (
        sum(p.numel() for p in params if p.requires_grad),
        sum(p.numel() for p in params),
    )


class LoRAConfigManager:
    """Seed 004's entry point: a registry model ready for LoRA fine-tuning on ``device``.

    On CUDA with bitsandbytes it is loaded in 4 bits (QLoRA); on MPS and CPU in full precision.
    """

    @staticmethod
    def prepare_model(
        model_name: str,
        num_labels: int,
        device: str = "cpu",
        *,
        registry: ModelRegistry | str | Path | None = None,
        models_dir: Path | None = None,
        quantization: str = "auto",
        labels: Sequence[str] | None = None,
    ) -> Any:
        """The PEFT model of registry model ``model_name`` (name, alias or hub id)."""
        return LoRAConfigManager.prepare(
            model_name,
            num_labels,
            device,
            registry=registry,
            models_dir=models_dir,
            quantization=quantization,
            labels=labels,
        )[0]

    @staticmethod
    def prepare(
        model_name: str,
        num_labels: int,
        device: str = "cpu",
        *,
        registry: ModelRegistry | str | Path | None = None,
        models_dir: Path | None = None,
        quantization: str = "auto",
        labels: Sequence[str] | None = None,
    ) -> tuple[Any, Any]:
        """``(peft_model, tokenizer)`` (see :meth:`prepare_model`)."""
        if not isinstance(registry, ModelRegistry):
            registry = load_registry(registry)
        entry = registry.get(_registry_name(registry, model_name))
        loaded = load_pretrained(
            entry,
            num_labels,
            models_dir=models_dir,
            device=device,
            quantization=resolve_quantization(quantization, device, entry),
            labels=labels,
        )
        model = apply_lora(loaded, entry)
        if loaded.quantization == "none":  # a 4-bit model is already on its GPU
            model = model.to(device)
        return model, loaded.tokenizer


def _registry_name(registry: ModelRegistry, name: str) -> str:
    """``name``, or the name of the entry whose hub id it is (the seed passes hub ids)."""
    if name in registry:
        return name
    by_hub = [e.name for e in registry.entries if e.hf_id and e.hf_id.lower() == name.lower()]
    return by_hub[0] if by_hub else name
