"""Inference speed of any :class:`~benchlab.text.classifier.TextClassifier`: single-example
latency, batched throughput and peak memory, as seed 004 measures them.

- Latency: ``config.warmup`` untimed calls, then ``config.latency_samples`` calls of
  ``predict([text])`` each timed with the device synchronised before and after
  (:func:`benchlab.text.device.synchronize`), texts taken in turn from ``texts``.
- Time to first token (``ttft_mean_ms``): every model here is a sequence classifier, decoder
  families included (PEFT ``SEQ_CLS``): its one output comes from one forward pass, so the
  time to the first (and only) output is the mean single-example latency.
- Throughput: one untimed batch, then ``config.throughput_batches`` timed batches of
  ``config.throughput_batch_size`` texts; samples/s and tokens/s (``count_tokens``: what the
  model reads) over the total time.
- Memory: on CUDA the peak allocated and reserved by torch during the measurement
  (``torch.cuda.max_memory_allocated/reserved`` after a reset); on MPS what torch holds at
  the end; everywhere the process's peak resident set size (since the process started).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from benchlab.text.classifier import TextClassifier
from benchlab.text.config import SpeedConfig
from benchlab.text.device import synchronize

_MB = 1024 * 1024


@dataclass(frozen=True)
class SpeedResult:
    """What :func:`measure_speed` measured; memory fields a device lacks are None."""

    device: str
    latency_median_ms: float
    latency_p90_ms: float
    latency_p99_ms: float
    latency_mean_ms: float
    ttft_mean_ms: float
    throughput_samples_per_sec: float
    throughput_tokens_per_sec: float
    throughput_batch_size: int
    peak_rss_mb: float
    memory_allocated_mb: float | None = None
    memory_reserved_mb: float | None = None
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    def as_metrics(self) -> dict[str, float]:
        """Every measured number (not the raw latencies), named as the dashboard reads them."""
        skip = {"device", "latencies_ms"}
        return {
            key: float(value)
            for key, value in asdict(self).items()
            if key not in skip and value is not None
        }


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MiB."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / _MB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # bytes on macOS, KiB on Linux and the BSDs
    return peak / _MB if sys.platform == "darwin" else peak / 1024


def _timed(call: Callable[[], object], device: str) -> float:
    """Seconds ``call`` takes with ``device``'s queued work included."""
    if device != "cpu":
        synchronize(device)
    start = time.perf_counter()
    call()
    if device != "cpu":
        synchronize(device)
    return time.perf_counter() - start


def _reset_device_memory(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()


def _device_memory_mb(device: str) -> tuple[float | None, float | None]:
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / _MB, torch.cuda.max_memory_reserved() / _MB
    if device == "mps":
        import torch

        return torch.mps.current_allocated_memory() / _MB, torch.mps.driver_allocated_memory() / _MB
    return None, None


def measure_speed(
    classifier: TextClassifier, texts: Sequence[str], config: SpeedConfig
) -> SpeedResult:
    """Latency, throughput and memory of ``classifier`` on ``texts`` (see the module doc)."""
    if len(texts) == 0:
        raise ValueError("measure_speed needs at least one text")
    device = classifier.device
    n = len(texts)
    _reset_device_memory(device)

    for i in range(config.warmup):
        classifier.predict([texts[i % n]])
    latencies = np.array(
        [
            _timed(lambda text=texts[i % n]: classifier.predict([text]), device) * 1000
            for i in range(config.latency_samples)
        ]
    )

    size = config.throughput_batch_size
    batches = [
        [texts[(b * size + k) % n] for k in range(size)] for b in range(config.throughput_batches)
    ]
    classifier.predict(batches[0])
    seconds = sum(
        _timed(lambda batch=batch: classifier.predict(batch), device) for batch in batches
    )
    seconds = max(seconds, 1e-9)  # a timer tick, for a model faster than the clock
    tokens = sum(classifier.count_tokens(batch) for batch in batches)
    allocated, reserved = _device_memory_mb(device)
    return SpeedResult(
        device=device,
        latency_median_ms=float(np.median(latencies)),
        latency_p90_ms=float(np.percentile(latencies, 90)),
        latency_p99_ms=float(np.percentile(latencies, 99)),
        latency_mean_ms=float(latencies.mean()),
        ttft_mean_ms=float(latencies.mean()),
        throughput_samples_per_sec=size * len(batches) / seconds,
        throughput_tokens_per_sec=tokens / seconds,
        throughput_batch_size=size,
        peak_rss_mb=peak_rss_mb(),
        memory_allocated_mb=allocated,
        memory_reserved_mb=reserved,
        latencies_ms=latencies.tolist(),
    )
