"""The text run config (``task: text``): seed 004's dataset, training, evaluation and
comparison settings, validated. Every key can be overridden with ``key=value``
(``training.learning_rate=1e-4 models=[tfidf_logreg,MiniLM-L6]``).

>>> TextRunConfig(task="text").training.learning_rate
0.0002
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from benchlab.config import RunConfig

#: The environment variable naming the folder of local model folders (``<dir>/<alias>``).
MODELS_DIR_VARIABLE = "BENCHLAB_MODELS_DIR"


def default_models_dir() -> Path:
    """``$BENCHLAB_MODELS_DIR``, else ``~/.cache/benchlab/models``."""
    given = os.environ.get(MODELS_DIR_VARIABLE)
    return Path(given).expanduser() if given else Path.home() / ".cache" / "benchlab" / "models"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextDataConfig(_Section):
    """Where the labelled texts are and how they are split.

    ``source`` is a CSV or Parquet file, a folder saved with ``datasets.save_to_disk``, or one
    of the seed's names (``imdb``, ``sst2``, ``amazon``, ``yelp``), loaded from the Hugging
    Face cache (nothing is downloaded).
    """

    source: str = "data/tweets/tweets.parquet"
    text_column: str = "text"
    label_column: str = "sentiment"
    rating_column: str | None = Field(
        None, description="a 0–10 (or 1–5) customer rating column; set: the NPS comparison"
    )
    labels: list[str] | None = Field(
        None, description="the label names in class order; None: sorted distinct labels"
    )
    max_samples: int | None = Field(
        None, ge=3, description="a stratified sample of this many rows before splitting"
    )
    balance: bool = Field(True, description="downsample every class to the rarest one")
    validation_fraction: float = Field(0.15, gt=0, lt=0.5)
    test_fraction: float = Field(0.15, gt=0, lt=0.5)


class LoraOverrides(_Section):
    """Values that override every registry entry's LoRA settings (None: the entry's own)."""

    r: int | None = Field(None, ge=1)
    alpha: int | None = Field(None, ge=1)
    dropout: float | None = Field(None, ge=0, lt=1)


class TextTrainingConfig(_Section):
    """Fine-tuning, as the seed's ``training.yaml``: lr 2e-4, accumulation 4, eval by F1."""

    epochs: int = Field(1, ge=1)
    max_steps: int | None = Field(None, ge=1, description="set: stop after this many steps")
    batch_size: int = Field(16, ge=1)
    gradient_accumulation_steps: int = Field(4, ge=1)
    learning_rate: float = Field(2e-4, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    warmup_ratio: float = Field(0.0, ge=0, lt=1)
    eval_steps: int = Field(500, ge=1, description="validate every N optimizer steps")
    max_length: int = Field(128, ge=8, description="tokens; longer texts are truncated")
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    quantization: Literal["auto", "none", "4bit"] = Field(
        "auto", description="auto: QLoRA (4-bit NF4) on CUDA with bitsandbytes, else none"
    )
    early_stopping_patience: int | None = Field(None, ge=1)
    num_threads: int = Field(-1, description="torch CPU threads (-1: every core)")


class SpeedConfig(_Section):
    """The speed benchmark: single-example latency and batched throughput."""

    latency_samples: int = Field(100, ge=5)
    warmup: int = Field(5, ge=0)
    throughput_batch_size: int = Field(32, ge=1)
    throughput_batches: int = Field(5, ge=1)


class ComparisonConfig(_Section):
    """The composite score's weights (min–max normalised metrics) and the statistics."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "accuracy": 0.3,
            "f1_macro": 0.3,
            "throughput_samples_per_sec": 0.2,
            "latency_median_ms": 0.2,
        }
    )
    bootstrap_resamples: int = Field(1000, ge=100)
    confidence: float = Field(0.95, gt=0.5, lt=1)


class TextRunConfig(RunConfig):
    """A text benchmark: one dataset, several models (registry names/aliases or baselines)."""

    task: Literal["text"] = "text"
    data: TextDataConfig = Field(default_factory=TextDataConfig)
    models: list[str] = Field(
        default_factory=lambda: ["majority", "tfidf_logreg", "MiniLM-L6"], min_length=1
    )
    registry: Path | None = Field(
        None, description="a models.yaml to use instead of the shipped one"
    )
    models_dir: Path | None = Field(
        None,
        description="where local model folders live (<models_dir>/<alias>); default "
        "$BENCHLAB_MODELS_DIR or ~/.cache/benchlab/models",
    )
    lora: LoraOverrides = Field(default_factory=LoraOverrides)
    training: TextTrainingConfig = Field(default_factory=TextTrainingConfig)
    speed: SpeedConfig = Field(default_factory=SpeedConfig)
    comparison: ComparisonConfig = Field(default_factory=ComparisonConfig)

    @model_validator(mode="after")
    def _fractions(self) -> TextRunConfig:
        if self.data.validation_fraction + self.data.test_fraction >= 0.9:
            raise ValueError("data.validation_fraction + data.test_fraction must stay below 0.9")
        return self

    @model_validator(mode="after")
    def _distinct_models(self) -> TextRunConfig:
        seen = [name for i, name in enumerate(self.models) if name in self.models[:i]]
        if seen:
            raise ValueError(f"models: {', '.join(dict.fromkeys(seen))} listed twice")
        return self

    def models_directory(self) -> Path:
        """Where local model folders live: ``models_dir``, else :func:`default_models_dir`."""
        return Path(self.models_dir).expanduser() if self.models_dir else default_models_dir()
