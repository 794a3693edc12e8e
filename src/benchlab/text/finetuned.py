"""A LoRA-tuned sequence classifier as a :class:`~benchlab.text.classifier.TextClassifier`, and
its files: the PEFT adapter (LoRA weights with the classifier head), the tokenizer and
``classifier.json`` (labels, max length, the registry entry of the base model, sizes).

>>> classifier = FineTunedClassifier.load("models/MiniLM-L6")  # doctest: +SKIP
>>> classifier.predict(["what a lovely day"])  # doctest: +SKIP
array([2])
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchlab.errors import InputError
from benchlab.logs import get_logger
from benchlab.text.registry import ModelEntry

log = get_logger("text.finetuned")

ADAPTER_FOLDER = "adapter"
TOKENIZER_FOLDER = "tokenizer"
INFO_FILE = "classifier.json"
FORMAT = "benchlab-text-lora/1"
#: Texts per forward pass when predicting many.
PREDICT_BATCH_SIZE = 32


@dataclass
class Encoded:
    """Token ids of texts, truncated to ``max_length``, and how many were truncated."""

    input_ids: list[list[int]]
    n_truncated: int

    def __len__(self) -> int:
        return len(self.input_ids)


def encode(tokenizer: Any, texts: Sequence[str], max_length: int) -> Encoded:
    """Token ids of ``texts`` (special tokens included), each cut to ``max_length`` tokens."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    if not len(texts):
        return Encoded([], 0)
    full = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
    lengths = [len(ids) for ids in full["input_ids"]]
    n_long = sum(length > max_length for length in lengths)
    if n_long == 0:
        return Encoded(list(full["input_ids"]), 0)
    cut = tokenizer(list(texts), truncation=True, max_length=max_length)
    return Encoded(list(cut["input_ids"]), n_long)


def truncation_message(n_truncated: int, n_texts: int, what: str, max_length: int) -> str:
    """The one warning about truncated texts.

    >>> truncation_message(3, 40, "input", 128)  # doctest: +NORMALIZE_WHITESPACE
    '3 of 40 input texts are longer than 128 tokens and were truncated to 128
    (training.max_length)'
    """
    return (
        f"{n_truncated} of {n_texts} {what} texts are longer than {max_length} tokens and were "
        f"truncated to {max_length} (training.max_length)"
    )


def pad_batch(tokenizer: Any, input_ids: Sequence[Sequence[int]]) -> dict[str, Any]:
    """``input_ids`` and ``attention_mask`` tensors padded to the longest with the tokenizer's
    pad token, on its padding side.

    >>> class Tok: pad_token_id, padding_side = 0, "right"
    >>> pad_batch(Tok(), [[5, 6, 7], [8]])["attention_mask"].tolist()
    [[1, 1, 1], [1, 0, 0]]
    """
    import torch

    width = max(len(ids) for ids in input_ids)
    ids = np.full((len(input_ids), width), tokenizer.pad_token_id, dtype=np.int64)
    mask = np.zeros((len(input_ids), width), dtype=np.int64)
    left = getattr(tokenizer, "padding_side", "right") == "left"
    for row, values in enumerate(input_ids):
        span = slice(width - len(values), width) if left else slice(0, len(values))
        ids[row, span] = values
        mask[row, span] = 1
    return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}


def length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Row indices in batches of similar length (less padding), longest first.

    >>> [b.tolist() for b in length_batches([3, 9, 1, 7], 2)]
    [[1, 3], [0, 2]]
    """
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


class FineTunedClassifier:
    """A PEFT sequence-classification model with its tokenizer, in evaluation mode.

    Implements the TextClassifier protocol (``predict``, ``predict_proba``,
    ``count_tokens``); ``trainable_parameters``/``total_parameters`` are the LoRA model's,
    ``training_time_s`` the fine-tuning's wall time. With ``merge`` (the default) the LoRA
    weights are folded into the base weights for inference; the adapter saved is the same.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        entry: ModelEntry,
        labels: Sequence[str],
        max_length: int,
        device: str = "cpu",
        training_time_s: float = 0.0,
        trainable_parameters: int | None = None,
        total_parameters: int | None = None,
        training: dict[str, Any] | None = None,
        merge: bool = True,
    ) -> None:
        from benchlab.text.lora import trainable_share

        self.model = model
        self.tokenizer = tokenizer
        self.entry = entry
        self.name = entry.name
        self.labels = list(labels)
        self.max_length = int(max_length)
        self.training_time_s = float(training_time_s)
        counted = trainable_share(model)
        self.trainable_parameters = (
            counted[0] if trainable_parameters is None else trainable_parameters
        )
        self.total_parameters = counted[1] if total_parameters is None else total_parameters
        self.training = dict(training or {})
        self.device = device
        self._warned = False
        self.model.eval()
        self.merged = merge and self._merge()
        self.to(device)

    def _merge(self) -> bool:
        """Fold the LoRA weights into the frozen ones, as PEFT advises for inference: the same
        predictions, one matrix product per projection instead of three. A 4-bit base stays
        unmerged (merging would round the update)."""
        if getattr(self.model, "is_loaded_in_4bit", False) or not hasattr(
            self.model, "merge_adapter"
        ):
            return False
        self.model.merge_adapter()
        return True

    def to(self, device: str) -> FineTunedClassifier:
        """Move the model to ``device`` (a 4-bit model stays on its GPU)."""
        if not getattr(self.model, "is_loaded_in_4bit", False):
            self.model.to(device)
        self.device = device
        return self

    # --- TextClassifier ---------------------------------------------------------------------
    def predict_proba(
        self, texts: Sequence[str], batch_size: int = PREDICT_BATCH_SIZE
    ) -> np.ndarray:
        """Class probabilities ``[n, k]`` (softmax of the logits), in the order of ``texts``."""
        import torch

        encoded = self._encode(texts)
        probabilities = np.zeros((len(encoded), len(self.labels)), dtype=np.float64)
        lengths = [len(ids) for ids in encoded.input_ids]
        with torch.inference_mode():
            for rows in length_batches(lengths, batch_size):
                batch = pad_batch(self.tokenizer, [encoded.input_ids[i] for i in rows])
                batch = {key: value.to(self.device) for key, value in batch.items()}
                logits = self.model(**batch).logits.float()
                probabilities[rows] = torch.softmax(logits, dim=-1).cpu().numpy()
        return probabilities

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Class ids ``[n]`` (int64)."""
        if not len(texts):
            return np.zeros(0, dtype=np.int64)
        return self.predict_proba(texts).argmax(axis=1).astype(np.int64)

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model reads for ``texts``: special tokens included, after truncation."""
        return int(sum(len(ids) for ids in self._encode(texts).input_ids))

    def _encode(self, texts: Sequence[str]) -> Encoded:
        encoded = encode(self.tokenizer, texts, self.max_length)
        if encoded.n_truncated and not self._warned:  # once per classifier, not per call
            self._warned = True
            log.warning(
                "%s: %s",
                self.name,
                truncation_message(encoded.n_truncated, len(encoded), "input", self.max_length),
            )
        return encoded

    # --- files ------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """What ``classifier.json`` holds."""
        return {
            "format": FORMAT,
            "kind": "lora",
            "name": self.name,
            "labels": self.labels,
            "max_length": self.max_length,
            "entry": self.entry.to_json(),
            "trainable_parameters": int(self.trainable_parameters),
            "total_parameters": int(self.total_parameters),
            "training_time_s": self.training_time_s,
            "training": self.training,
        }

    def save(self, directory: str | Path) -> Path:
        """Write the adapter (LoRA weights + head), the tokenizer and ``classifier.json``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        from benchlab.text.lora import peft_warnings

        with peft_warnings():
            self.model.save_pretrained(str(directory / ADAPTER_FOLDER))
        self.tokenizer.save_pretrained(str(directory / TOKENIZER_FOLDER))
        (directory / INFO_FILE).write_text(json.dumps(self.info(), indent=2))
        return directory

    @classmethod
    def load(
        cls, directory: str | Path, *, device: str = "cpu", models_dir: Path | None = None
    ) -> FineTunedClassifier:
        """The classifier :meth:`save` wrote; the base model is found as the registry finds it
        (its entry is in ``classifier.json``), full precision on ``device``."""
        from peft import PeftModel

        from benchlab.text.loading import _load_tokenizer, load_pretrained, quiet_transformers
        from benchlab.text.lora import peft_warnings

        directory = Path(directory)
        info = read_info(directory)
        if info.get("format") != FORMAT:
            raise InputError(f"{directory / INFO_FILE}: not a fine-tuned classifier ({FORMAT})")
        entry = ModelEntry.from_json(info["entry"])
        labels = info["labels"]
        loaded = load_pretrained(entry, len(labels), models_dir=models_dir, labels=labels)
        with quiet_transformers(), peft_warnings():
            model = PeftModel.from_pretrained(
                loaded.model, str(directory / ADAPTER_FOLDER), is_trainable=False
            )
            tokenizer = _load_tokenizer(entry, directory / TOKENIZER_FOLDER)
        return cls(
            model,
            tokenizer,
            entry=entry,
            labels=labels,
            max_length=info["max_length"],
            device=device,
            training_time_s=info.get("training_time_s", 0.0),
            trainable_parameters=info.get("trainable_parameters"),
            total_parameters=info.get("total_parameters"),
            training=info.get("training"),
        )


def read_info(directory: Path) -> dict[str, Any]:
    """``classifier.json`` of a saved classifier; a missing or broken one is an InputError."""
    path = Path(directory) / INFO_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{directory}: no {INFO_FILE} (not a saved text classifier)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
