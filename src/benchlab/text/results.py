"""The per-model result JSON in seed 004's format (``results/<model>_results.json``).

The seed's keys come first (``model_name, accuracy, f1, precision, recall, ttft_mean_ms,
latency_median_ms, latency_p99_ms, throughput_tokens_per_sec, memory_allocated_mb,
training_time_hours``), then the rest: every other speed figure, ``training_time_s``, the
device and whatever ``extra`` holds. ``f1``, ``precision`` and ``recall`` are macro averages.
``memory_allocated_mb`` is torch's peak CUDA allocation on a GPU; on CPU, where torch
allocates nothing on a device, it is the process's peak resident set size, and
``memory_source`` says which one it is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchlab.errors import InputError
from benchlab.runs import atomic_path
from benchlab.text.speed import SpeedResult

#: The seed's keys, in its order.
SEED_KEYS = (
    "model_name",
    "accuracy",
    "f1",
    "precision",
    "recall",
    "ttft_mean_ms",
    "latency_median_ms",
    "latency_p99_ms",
    "throughput_tokens_per_sec",
    "memory_allocated_mb",
    "training_time_hours",
)


def result_file_name(model_name: str) -> str:
    """``<model>_results.json`` with characters unsafe in a file name replaced.

    >>> result_file_name("Qwen/Qwen2-0.5B")
    'Qwen_Qwen2-0.5B_results.json'
    """
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in model_name)
    return f"{safe}_results.json"


def _plain(value: Any) -> Any:
    """JSON-safe: numpy scalars as Python numbers, NaN/inf as None."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def result_json(
    model_name: str,
    quality: Mapping[str, float],
    speed: SpeedResult,
    training_time_s: float,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One model's results: the seed's keys, then the rest (see the module doc)."""
    on_device = speed.memory_allocated_mb is not None
    result: dict[str, Any] = {
        "model_name": model_name,
        "accuracy": quality["accuracy"],
        "f1": quality["f1_macro"],
        "precision": quality["precision_macro"],
        "recall": quality["recall_macro"],
        "ttft_mean_ms": speed.ttft_mean_ms,
        "latency_median_ms": speed.latency_median_ms,
        "latency_p99_ms": speed.latency_p99_ms,
        "throughput_tokens_per_sec": speed.throughput_tokens_per_sec,
        "memory_allocated_mb": speed.memory_allocated_mb if on_device else speed.peak_rss_mb,
        "training_time_hours": training_time_s / 3600,
        "memory_source": f"{speed.device}_allocated" if on_device else "process_peak_rss",
        "f1_macro": quality["f1_macro"],
        "precision_macro": quality["precision_macro"],
        "recall_macro": quality["recall_macro"],
        "latency_p90_ms": speed.latency_p90_ms,
        "latency_mean_ms": speed.latency_mean_ms,
        "throughput_samples_per_sec": speed.throughput_samples_per_sec,
        "throughput_batch_size": speed.throughput_batch_size,
        "memory_reserved_mb": speed.memory_reserved_mb,
        "peak_rss_mb": speed.peak_rss_mb,
        "training_time_s": training_time_s,
        "device": speed.device,
    }
    for key, value in (extra or {}).items():
        if key in result:
            raise ValueError(f"extra key {key!r} would overwrite a measured value")
        result[key] = value
    return _plain(result)


def write_result_json(path: str | Path, result: Mapping[str, Any]) -> Path:
    """Write ``result`` as indented JSON, atomically (a reader never sees half a file)."""
    path = Path(path)
    text = json.dumps(_plain(dict(result)), indent=2, allow_nan=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def read_result_json(path: str | Path) -> dict[str, Any]:
    """A result JSON written by :func:`write_result_json`; a bad file is one InputError."""
    path = Path(path)
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as a result JSON ({exc})") from exc
    missing = [key for key in SEED_KEYS if not isinstance(result, dict) or key not in result]
    if missing:
        raise InputError(f"{path}: not a text result JSON, no key {', '.join(missing)}")
    return result
