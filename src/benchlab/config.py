"""Run configs: YAML, ``key=value`` overrides (dotted paths, list indices), pydantic validation.

>>> cfg = load_run_config("configs/m5_quick.yaml", ["models.0.n_estimators=200"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from benchlab.errors import InputError
from benchlab.forecast.config import DataConfig, ModelConfig, TrainingConfig
from benchlab.forecast.results import ModelingStrategy
from benchlab.tracking import TrackingConfig
from benchlab.tuning import TuningConfig


class ReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary_metric: str = "rmsse"
    fan_charts: int = Field(4, ge=0)


class ForecastRunConfig(BaseModel):
    """What ``benchlab run`` reads: see ``configs/m5_quick.yaml``."""

    model_config = ConfigDict(extra="forbid")

    task: Literal["forecast"] = "forecast"
    mode: Literal["train", "hp_tune"] = "train"
    name: str = "forecast"
    seed: int = 42
    n_workers: int | None = None
    data: DataConfig
    strategy: list[ModelingStrategy] = Field(
        default_factory=lambda: [ModelingStrategy.COMBINED], min_length=1
    )
    models: list[dict[str, Any]] = Field(min_length=1)
    output_dir: Path = Path("runs")
    report: ReportConfig = Field(default_factory=ReportConfig)
    tuning: TuningConfig | None = None
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)

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


def set_values(raw: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``raw`` with each dotted path (``models.0.num_leaves``) set to its value.

    >>> set_values({"models": [{"type": "statquant"}]}, {"models.0.n_seasons": 4})
    {'models': [{'type': 'statquant', 'n_seasons': 4}]}
    """
    cfg = OmegaConf.create(raw)
    for key, value in values.items():
        try:
            OmegaConf.update(cfg, key, value, force_add=True)
        except OmegaConfBaseException as exc:
            first = str(exc).splitlines()[0]
            raise InputError(f"config path {key!r} cannot be set: {first}") from None
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``key=value`` overrides (values parsed as YAML) to a config mapping."""
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise InputError(f"override {item!r} is not key=value (e.g. data.horizon=14)")
        try:
            raw = set_values(raw, {key.strip(): yaml.safe_load(text)})
        except (InputError, yaml.YAMLError) as exc:
            first = str(exc).splitlines()[0].split(": ", 1)[-1]
            raise InputError(f"override {item!r} cannot be applied: {first}") from None
    return raw


def validation_message(source: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        given = err.get("input")
        shown = f" (got {given!r})" if not isinstance(given, dict) else ""
        problems.append(f"{where}: {err['msg']}{shown}")
    return f"{source}: " + "; ".join(problems)


def load_run_config(path: str | Path, overrides: Sequence[str] = ()) -> ForecastRunConfig:
    """Read a YAML run config, apply overrides, validate; errors are one clear line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"config file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a config must be a mapping of keys to values")
    return parse_run_config(apply_overrides(raw, overrides), source=str(path))


def parse_run_config(raw: dict[str, Any], *, source: str = "config") -> ForecastRunConfig:
    try:
        return ForecastRunConfig.model_validate(raw)
    except ValidationError as exc:
        raise InputError(validation_message(source, exc)) from None
