"""The per-model result JSON in the seed's format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchlab.errors import InputError
from benchlab.text.results import (
    SEED_KEYS,
    read_result_json,
    result_file_name,
    result_json,
    write_result_json,
)
from benchlab.text.speed import SpeedResult

QUALITY = {"accuracy": 0.8, "f1_macro": 0.75, "precision_macro": 0.7, "recall_macro": 0.72}


def speed_result(**memory) -> SpeedResult:
    return SpeedResult(
        device=memory.pop("device", "cpu"),
        latency_median_ms=4.0,
        latency_p90_ms=6.0,
        latency_p99_ms=9.0,
        latency_mean_ms=4.5,
        ttft_mean_ms=4.5,
        throughput_samples_per_sec=np.float64(300.0),
        throughput_tokens_per_sec=6000.0,
        throughput_batch_size=32,
        peak_rss_mb=512.0,
        latencies_ms=[4.0, 5.0],
        **memory,
    )


def test_seed_keys_first_then_the_rest() -> None:
    result = result_json("MiniLM-L6", QUALITY, speed_result(), 1800.0, {"trainable_share": 0.01})
    assert tuple(result)[: len(SEED_KEYS)] == SEED_KEYS
    assert result["f1"] == 0.75 and result["precision"] == 0.7 and result["recall"] == 0.72
    assert result["training_time_hours"] == 0.5 and result["training_time_s"] == 1800.0
    assert result["memory_allocated_mb"] == 512.0 and result["memory_source"] == "process_peak_rss"
    assert result["throughput_samples_per_sec"] == 300.0
    assert type(result["throughput_samples_per_sec"]) is float  # no numpy scalars
    assert result["trainable_share"] == 0.01
    json.dumps(result, allow_nan=False)


def test_cuda_memory_is_the_allocation() -> None:
    speed = speed_result(device="cuda", memory_allocated_mb=900.0, memory_reserved_mb=1024.0)
    result = result_json("x", QUALITY, speed, 0.0)
    assert result["memory_allocated_mb"] == 900.0 and result["memory_reserved_mb"] == 1024.0
    assert result["memory_source"] == "cuda_allocated"


def test_extra_cannot_overwrite_a_measurement() -> None:
    with pytest.raises(ValueError, match="accuracy"):
        result_json("x", QUALITY, speed_result(), 0.0, {"accuracy": 1.0})


def test_written_atomically_and_read_back(tmp_path: Path) -> None:
    result = result_json("Qwen/Qwen2-0.5B", QUALITY, speed_result(), 60.0, {"nan": float("nan")})
    path = write_result_json(tmp_path / "results" / result_file_name("Qwen/Qwen2-0.5B"), result)
    assert path.name == "Qwen_Qwen2-0.5B_results.json"
    back = read_result_json(path)
    assert back["model_name"] == "Qwen/Qwen2-0.5B" and back["nan"] is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    (tmp_path / "bad.json").write_text('{"model_name": "x"}')
    with pytest.raises(InputError, match=r"bad\.json: not a text result JSON, no key accuracy"):
        read_result_json(tmp_path / "bad.json")
