"""benchlab: train, tune, benchmark and ship machine-learning models, one engine for every task.

>>> from benchlab import BenchmarkPipeline, DataConfig, TrainingConfig, ModelingStrategy

The public names are imported on first use (PEP 562), so ``import benchlab`` and
``benchlab --help`` import no task and no heavy library. They are seed 000's Python API, which
lives in the forecast task: this file is the one engine module allowed to name
``benchlab.forecast``, and only as the strings of :data:`_EXPORTS` (and for type checkers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchlab.lazy import lazy_exports

if TYPE_CHECKING:
    from benchlab.forecast.config import DataConfig, TrainingConfig
    from benchlab.forecast.evaluator import ModelEvaluator
    from benchlab.forecast.model_types import create_model, model_registry
    from benchlab.forecast.pipeline import BenchmarkPipeline
    from benchlab.forecast.results import ExperimentResult, ModelingStrategy

_EXPORTS: dict[str, str] = {
    "BenchmarkPipeline": "benchlab.forecast.pipeline",
    "DataConfig": "benchlab.forecast.config",
    "TrainingConfig": "benchlab.forecast.config",
    "ExperimentResult": "benchlab.forecast.results",
    "ModelingStrategy": "benchlab.forecast.results",
    "ModelEvaluator": "benchlab.forecast.evaluator",
    "create_model": "benchlab.forecast.model_types",
    "model_registry": "benchlab.forecast.model_types",
}

__all__ = [
    "BenchmarkPipeline",
    "DataConfig",
    "ExperimentResult",
    "ModelEvaluator",
    "ModelingStrategy",
    "TrainingConfig",
    "create_model",
    "model_registry",
]
__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
