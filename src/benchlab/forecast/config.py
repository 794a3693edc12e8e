"""``DataConfig`` and ``TrainingConfig`` as seed 000's users know them, and the forecast run
config (``task: forecast``) that ``benchlab run`` reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from benchlab.config import RunConfig, WorkerCount
from benchlab.forecast.results import ModelingStrategy
from benchlab.forecast.schema import SEED_ID_COLUMNS


class DataConfig(BaseModel):
    """Where the data is and how to split it: seed 000's files *or* a long panel.

    >>> DataConfig(features_path="f.feather", target_path="t.feather", split_date="2020-03-01")
    ... # doctest: +ELLIPSIS
    DataConfig(...)
    """

    model_config = ConfigDict(extra="forbid")

    features_path: Path | None = None
    target_path: Path | None = None
    mapping_path: Path | None = None
    oracle_path: Path | None = None
    panel_path: Path | None = None
    id_columns: list[str] = Field(default_factory=lambda: list(SEED_ID_COLUMNS))
    date_column: str = "date"
    target_column: str = "sales"
    freq: str | None = None
    exogenous_columns: list[str] = Field(default_factory=list)
    price_column: str | None = None
    split_date: dt.date | None = None
    horizon: int = Field(28, ge=1)
    sku_tuples: list[tuple[Any, ...]] | None = None
    forecast_mode: Literal["recursive", "direct"] = "recursive"
    hierarchy: dict[str, str] | None = Field(
        None,
        description="a panel's M5 hierarchy columns: {state_id: state, cat_id: category, "
        "dept_id: dept}; item_id/store_id default to the id columns",
    )
    non_negative: bool | None = Field(
        None, description="clip forecasts at 0; None: when the training target is never negative"
    )

    @field_validator("sku_tuples", mode="before")
    @classmethod
    def _tuples(cls, value: Any) -> Any:
        if value is None:
            return None
        return [tuple(v) if isinstance(v, list | tuple) else (v,) for v in value]

    @model_validator(mode="after")
    def _one_shape(self) -> DataConfig:
        seed_files = self.features_path is not None or self.target_path is not None
        if seed_files and self.panel_path is not None:
            raise ValueError("give either features_path/target_path or panel_path, not both")
        if not seed_files and self.panel_path is None:
            raise ValueError("give features_path and target_path (seed files) or panel_path")
        if seed_files and (self.features_path is None or self.target_path is None):
            raise ValueError("seed files need both features_path and target_path")
        return self

    @property
    def is_panel(self) -> bool:
        return self.panel_path is not None

    @property
    def dataset_name(self) -> str:
        """A name for run folders: the panel's stem or the seed files' folder."""
        if self.panel_path is not None:
            return self.panel_path.stem
        assert self.features_path is not None
        return self.features_path.resolve().parent.name or "data"


class ModelConfig(BaseModel):
    """One model to train: its registered type and its hyperparameters."""

    model_config = ConfigDict(extra="forbid")

    type: str
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def quantile_alphas(self) -> list[float] | None:
        return self.params.get("quantile_alphas")


class TrainingConfig(BaseModel):
    """Seed and models.

    >>> config = TrainingConfig(random_state=42)
    >>> config = config.set_model_config("xgboost_quantile", n_estimators=100)
    >>> config.models["xgboost_quantile"].params
    {'n_estimators': 100}
    """

    model_config = ConfigDict(extra="forbid")

    random_state: int = 42
    models: dict[str, ModelConfig] = Field(default_factory=dict)

    def set_model_config(
        self, model_type: str, *, label: str | None = None, **params: Any
    ) -> TrainingConfig:
        """Add (or replace) a model; ``label`` tells two configs of one type apart."""
        self.models[label or model_type] = ModelConfig(type=model_type, params=params)
        return self

    def get_model_config(self, label: str) -> ModelConfig:
        return self.models[label]


class ReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary_metric: str = "rmsse"
    fan_charts: int = Field(4, ge=0)


#: Augment config keys that the forecast run or the block's own keys set (not ``settings``).
AUGMENTATION_RESERVED = (
    "task",
    "stage",
    "output_dir",
    "evaluation.forecast_period",
    "evaluation.gan_run",
    "evaluation.synthetic_path",
    "evaluation.seeds",
    "generation.samples_per_real",
)


class AugmentationConfig(BaseModel):
    """``augmentation:``: seed 001's question inside a forecast run (see
    :mod:`benchlab.forecast.augmentation`): does a GAN's synthetic data help the LSTM
    forecaster? ``data.panel_path`` must be the GAN's preprocessed Olist panel."""

    model_config = ConfigDict(extra="forbid")

    gan_run: Path | None = Field(None, description="a `benchlab augment train-gan` run folder")
    synthetic_path: Path | None = Field(
        None, description="its `benchlab augment generate` Parquet; None: generated in the run"
    )
    samples_per_real: int | None = Field(
        None, ge=1, description="synthetic windows per real one; None: 5, or the file's"
    )
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], min_length=1)
    variants: list[Literal["real_only", "augmented", "tstr"]] = Field(
        default_factory=lambda: ["real_only", "augmented"],
        min_length=1,
        description="the forecasters that become leaderboard rows (lstm_<variant>)",
    )
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="other augment keys, dotted: {evaluation.forecaster.max_epochs: 5}",
    )

    @model_validator(mode="after")
    def _source_and_settings(self) -> AugmentationConfig:
        if self.gan_run is None and self.synthetic_path is None:
            raise ValueError("give gan_run (a train-gan run folder) or synthetic_path (or both)")
        for key in self.settings:
            if any(key == r or key.startswith(f"{r}.") for r in AUGMENTATION_RESERVED):
                raise ValueError(
                    f"settings.{key} is set by the forecast run or the block's own keys"
                )
            if any(r.startswith(f"{key}.") for r in AUGMENTATION_RESERVED):
                raise ValueError(
                    f"settings.{key} holds keys the forecast run sets; name the keys below it "
                    f"({key}.<key>: value)"
                )
        return self


class ForecastRunConfig(RunConfig):
    """What ``benchlab run`` reads for ``task: forecast``: see ``configs/m5_quick.yaml``."""

    task: Literal["forecast"] = "forecast"
    name: str = "forecast"
    n_workers: WorkerCount | None = Field(
        None,
        description="SKU workers: None = auto (every core below 4, else cores - 1), -1 every core",
    )
    data: DataConfig
    strategy: list[ModelingStrategy] = Field(
        default_factory=lambda: [ModelingStrategy.COMBINED], min_length=1
    )
    models: list[dict[str, Any]] = Field(min_length=1)
    report: ReportConfig = Field(default_factory=ReportConfig)
    augmentation: AugmentationConfig | None = None

    @field_validator("strategy", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("models")
    @classmethod
    def _typed(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for i, spec in enumerate(value):
            if not isinstance(spec.get("type"), str):
                raise ValueError(f"models.{i} needs a 'type' (see `benchlab models`)")
        return value

    def training_config(self) -> TrainingConfig:
        """Models as a ``TrainingConfig``; a repeated label is numbered (``lightgbm_quantile2``)."""
        config = TrainingConfig(random_state=self.seed)
        for spec in self.models:
            params = {k: v for k, v in spec.items() if k not in ("type", "name")}
            label = spec.get("name") or spec["type"]
            base, n = label, 1
            while label in config.models:
                n += 1
                label = f"{base}{n}"
            config.models[label] = ModelConfig(type=spec["type"], params=params)
        return config
