"""measure_speed on classifiers whose cost is known."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pytest

from benchlab.text import speed
from benchlab.text.config import SpeedConfig
from benchlab.text.speed import SpeedResult, measure_speed, peak_rss_mb


class SleepyClassifier:
    """Sleeps ``per_call`` seconds a call; each text is four words."""

    name = "sleepy"
    labels = ["a", "b"]

    def __init__(self, per_call: float, device: str = "cpu") -> None:
        self.per_call = per_call
        self.device = device
        self.calls: list[int] = []

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        time.sleep(self.per_call)
        return np.zeros(len(texts), dtype=np.int64)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.full((len(texts), 2), 0.5)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(len(text.split()) for text in texts)


TEXTS = ["one two three four", "five six seven eight", "a b c d"]
CONFIG = SpeedConfig(latency_samples=6, warmup=2, throughput_batch_size=8, throughput_batches=3)


def test_latency_throughput_and_calls() -> None:
    model = SleepyClassifier(0.002)
    result = measure_speed(model, TEXTS, CONFIG)
    assert model.calls == [1] * (2 + 6) + [8] * (1 + 3)  # warmup, timed, warmup batch, batches
    assert len(result.latencies_ms) == 6 and min(result.latencies_ms) >= 2.0
    assert result.latency_median_ms >= 2.0
    assert result.latency_median_ms <= result.latency_p90_ms <= result.latency_p99_ms
    assert result.latency_p99_ms <= max(result.latencies_ms)
    assert (
        result.ttft_mean_ms == result.latency_mean_ms == pytest.approx(np.mean(result.latencies_ms))
    )
    assert result.throughput_samples_per_sec <= 8 / 0.002  # a batch sleeps at least 2 ms
    assert result.throughput_tokens_per_sec == pytest.approx(4 * result.throughput_samples_per_sec)
    assert result.throughput_batch_size == 8


def test_cpu_memory_is_the_process_peak() -> None:
    result = measure_speed(SleepyClassifier(0.0), TEXTS, CONFIG)
    assert result.memory_allocated_mb is None and result.memory_reserved_mb is None
    assert 10 < result.peak_rss_mb <= peak_rss_mb()
    metrics = result.as_metrics()
    assert {"latency_median_ms", "throughput_samples_per_sec", "peak_rss_mb"} <= set(metrics)
    assert "latencies_ms" not in metrics and "memory_allocated_mb" not in metrics
    assert all(isinstance(v, float) for v in metrics.values())


def test_accelerator_is_synchronised_around_every_timed_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    monkeypatch.setattr(speed, "synchronize", lambda device: events.append(f"sync {device}"))
    monkeypatch.setattr(speed, "_device_memory_mb", lambda device: (12.0, 16.0))
    model = SleepyClassifier(0.0, device="mps")
    result = measure_speed(model, TEXTS, CONFIG)
    assert events == ["sync mps"] * 2 * (6 + 3)
    assert (result.memory_allocated_mb, result.memory_reserved_mb) == (12.0, 16.0)


def test_no_texts_refused() -> None:
    with pytest.raises(ValueError, match="at least one text"):
        measure_speed(SleepyClassifier(0.0), [], CONFIG)


class TorchClassifier:
    """A linear layer over bag-of-characters counts, on CUDA."""

    name = "torch-linear"
    labels = ["a", "b"]
    device = "cuda"

    def __init__(self) -> None:
        import torch

        self.layer = torch.nn.Linear(256, 2).to("cuda")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        counts = torch.zeros(len(texts), 256, device="cuda")
        for i, text in enumerate(texts):
            for byte in text.encode():
                counts[i, byte] += 1
        with torch.no_grad():
            return torch.softmax(self.layer(counts), dim=1).cpu().numpy()

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba(texts).argmax(axis=1).astype(np.int64)

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(len(text.encode()) for text in texts)


def test_cuda_memory_is_torch_peak() -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here")
    result = measure_speed(TorchClassifier(), TEXTS, CONFIG)
    assert isinstance(result, SpeedResult) and result.device == "cuda"
    assert result.memory_allocated_mb is not None and result.memory_allocated_mb > 0
    assert result.memory_reserved_mb >= result.memory_allocated_mb
    assert result.latency_median_ms > 0
