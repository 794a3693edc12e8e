"""Small shared fixtures of the text tests: a labelled CSV of 90 short reviews in 3 classes
with star ratings, a config that runs tiny-bert and the two baselines on it, and one finished
run folder of that config (made once per session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from benchlab.text.config import TextRunConfig

LABELS = ("negative", "neutral", "positive")
WORDS = {
    "negative": ["awful", "terrible", "hate", "broken", "worst", "rude", "slow", "refund"],
    "neutral": ["okay", "average", "arrived", "fine", "normal", "standard", "usual", "ordered"],
    "positive": ["great", "love", "excellent", "perfect", "happy", "fast", "friendly", "best"],
}
FILLER = ["the", "service", "was", "and", "product", "my", "order", "really", "today", "shop"]
STARS = {"negative": (1, 2), "neutral": (3, 4), "positive": (4, 5)}


def reviews(n_per_class: int = 30, seed: int = 0) -> pl.DataFrame:
    """``text, sentiment, rating``: short reviews with one word of their class and a second
    one of their class half the time (else of any class), and 1–5 stars that follow the
    class: learnable, but not perfectly."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in LABELS:
        for _ in range(n_per_class):
            own = str(rng.choice(WORDS[label]))
            second = WORDS[label if rng.random() < 0.5 else str(rng.choice(LABELS))]
            words = [own, str(rng.choice(second)), *rng.choice(FILLER, size=4)]
            rng.shuffle(words)
            rows.append(
                {
                    "text": " ".join(str(w) for w in words),
                    "sentiment": label,
                    "rating": int(rng.choice(STARS[label])),
                }
            )
    order = rng.permutation(len(rows))
    return pl.DataFrame([rows[i] for i in order])


@pytest.fixture(scope="session")
def reviews_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """90 labelled reviews (30 per class) with ratings, as CSV."""
    path = tmp_path_factory.mktemp("text_data") / "reviews.csv"
    reviews().write_csv(path)
    return path


def tiny_raw(csv: Path, output_dir: Path, **changes: Any) -> dict[str, Any]:
    """A text config (raw) running tiny-bert and both baselines on ``csv`` in seconds."""
    raw: dict[str, Any] = {
        "task": "text",
        "name": "tiny",
        "seed": 7,
        "output_dir": str(output_dir),
        "tracking": {"enabled": False},
        "data": {
            "source": str(csv),
            "text_column": "text",
            "label_column": "sentiment",
            "rating_column": "rating",
            "validation_fraction": 0.2,
            "test_fraction": 0.3,
        },
        "models": ["majority", "tfidf_logreg", "tiny-bert"],
        "training": {
            "epochs": 2,
            "batch_size": 8,
            "gradient_accumulation_steps": 1,
            "eval_steps": 4,
            "learning_rate": 5e-3,
            "max_length": 24,
            "device": "cpu",
            "num_threads": 1,
        },
        "speed": {
            "latency_samples": 6,
            "warmup": 1,
            "throughput_batch_size": 8,
            "throughput_batches": 1,
        },
        "comparison": {"bootstrap_resamples": 200},
    }
    for key, value in changes.items():
        raw[key] = value
    return raw


@pytest.fixture(scope="session")
def tiny_text_config(reviews_csv: Path, tmp_path_factory: pytest.TempPathFactory):
    """The tiny config, validated, writing under its own runs folder."""
    from benchlab.config import parse_run_config

    config = parse_run_config(tiny_raw(reviews_csv, tmp_path_factory.mktemp("runs")))
    assert isinstance(config, TextRunConfig)
    return config


@pytest.fixture(scope="session")
def tiny_run(tiny_text_config: TextRunConfig):
    """One finished run of the tiny config (engine runner: run folder, report, manifest)."""
    from benchlab.runner import run_task

    return run_task(tiny_text_config, progress=False)
