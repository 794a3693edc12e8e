"""The vision run config (``task: vision``): seed 002's keys, validated.

A config written by ``benchlab vision init-config`` looks like::

    task: vision
    name: digits
    seed: 42
    deterministic: false
    data: {data_dir: data/digits, fold: 0, num_workers: 0, image_size: [8, 8]}
    model: {type: custom, custom_architecture: simple_cnn, num_classes: 10, dropout: 0.2}
    training: {trainer_type: standard, num_epochs: 20, batch_size: 64}
    optimizer: {name: adam, lr: 0.001}
    scheduler: {type: cosine, warmup_epochs: 1}
    augmentation: {horizontal_flip: false, rotation_degrees: 10}

``search:`` (seed 002's name) and ``tuning:`` (the engine's) are the same section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from benchlab.config import RunConfig, WorkerCount
from benchlab.tuning import TuningConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VisionDataConfig(_Section):
    """Where the images are: ``<data_dir>/raw/<class>/<file>`` and ``<data_dir>/splits/*.txt``."""

    data_dir: Path
    fold: int = Field(0, ge=0)
    num_workers: int = Field(0, ge=0, description="DataLoader worker processes")
    image_size: tuple[int, int] | None = Field(
        None,
        description="resize every image to (height, width); None: the training images' commonest",
    )
    channels: Literal[1, 3] | None = Field(
        None, description="1 (grayscale) or 3 (RGB); None: 1 when every image is grayscale"
    )
    mean: list[float] | None = None
    std: list[float] | None = None
    classes: list[str] | None = Field(
        None, description="the class folder names, in label order; set: the index files must match"
    )

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def splits_dir(self) -> Path:
        return self.data_dir / "splits"


class VisionModelConfig(_Section):
    """``type: base`` (torchvision ``architecture``), ``timm`` (a timm model name in
    ``architecture``) or ``custom`` (``custom_architecture``: simple_cnn, tiny_net)."""

    type: Literal["base", "timm", "custom"] = "custom"
    architecture: str | None = None
    custom_architecture: str | None = "simple_cnn"
    num_classes: int | None = Field(None, ge=2, description="None: the number of class folders")
    dropout: float = Field(0.2, ge=0.0, lt=1.0)
    weights: Path | None = Field(
        None, description="a local weights file (state_dict) to start from; nothing downloads"
    )
    pretrained: bool = Field(
        False, description="torchvision/timm pretrained weights, from the local cache only"
    )


class DPConfig(_Section):
    """Opacus differential privacy (``trainer_type: dp``)."""

    noise_multiplier: float | None = Field(1.1, gt=0)
    max_grad_norm: float = Field(1.0, gt=0)
    target_epsilon: float | None = Field(None, gt=0, description="set: noise is derived from it")
    target_delta: float = Field(1e-5, gt=0, lt=1)


class VisionTrainingConfig(_Section):
    trainer_type: Literal["standard", "mixed_precision", "accelerate", "dp"] = "standard"
    num_epochs: int = Field(20, ge=1)
    batch_size: int = Field(64, ge=1)
    amp_dtype: Literal["float16", "bfloat16"] = "bfloat16"
    gradient_accumulation_steps: int = Field(1, ge=1)
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    early_stopping_patience: int | None = Field(None, ge=1)
    num_threads: WorkerCount = Field(
        1, description="torch CPU threads (joblib style: -1 every core); 1 suits small networks"
    )
    dp: DPConfig = Field(default_factory=DPConfig)


class OptimizerConfig(_Section):
    name: Literal["sgd", "adam", "adamw"] = "adam"
    lr: float = Field(1e-3, gt=0)
    momentum: float = Field(0.9, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)


class SchedulerConfig(_Section):
    type: Literal["none", "step", "cosine", "plateau"] = "cosine"
    step_size: int = Field(7, ge=1)
    gamma: float = Field(0.1, gt=0, le=1)
    warmup_epochs: int = Field(0, ge=0)
    min_lr: float = Field(0.0, ge=0)
    patience: int = Field(3, ge=1, description="plateau: epochs without improvement")


class AugmentationConfig(_Section):
    """torchvision transforms v2, applied to training images only."""

    horizontal_flip: bool = False
    rotation_degrees: float = Field(0.0, ge=0, le=180)
    random_resized_crop: bool = False
    color_jitter: float = Field(0.0, ge=0, le=1)


class VisionRunConfig(RunConfig):
    """What ``benchlab run`` / ``benchlab vision train`` read for ``task: vision``."""

    task: Literal["vision"] = "vision"
    name: str = "vision"
    deterministic: bool = False
    data: VisionDataConfig
    model: VisionModelConfig = Field(default_factory=VisionModelConfig)
    training: VisionTrainingConfig = Field(default_factory=VisionTrainingConfig)
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    augmentation: AugmentationConfig = Field(default_factory=AugmentationConfig)
    tuning: TuningConfig | None = Field(None, validation_alias=AliasChoices("search", "tuning"))
    resume: Path | None = Field(None, description="a checkpoint (weights/last.pt) to continue")

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value
