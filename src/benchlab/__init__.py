"""benchlab: train, tune, benchmark and ship forecasting models per SKU tuple.

>>> from benchlab import BenchmarkPipeline, DataConfig, TrainingConfig, ModelingStrategy
"""

from benchlab.forecast.config import DataConfig, TrainingConfig
from benchlab.forecast.evaluator import ModelEvaluator
from benchlab.forecast.model_types import create_model, model_registry
from benchlab.forecast.pipeline import BenchmarkPipeline
from benchlab.forecast.results import ExperimentResult, ModelingStrategy

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
