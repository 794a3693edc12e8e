"""Demand forecasting per SKU tuple (seed 000): benchlab's flagship task.

Registered with strings only, so importing this package costs nothing; the engine imports
:mod:`benchlab.forecast.task` when a forecast config runs.
"""

from benchlab.tasks import TaskSpec

TASK = TaskSpec(
    name="forecast",
    summary="Demand forecasting per SKU tuple: COMBINED/INDIVIDUAL, point and quantiles.",
    task="benchlab.forecast.task:ForecastTask",
    cli="benchlab.forecast.cli:app",
    data={"synth": "benchlab.forecast.cli:data_synth"},
    commands={"demo": "benchlab.forecast.cli:demo"},
    extra="forecast",
    default=True,
    help={
        "synth": "The M5-like synthetic data in the seed 000 files, with the oracle.",
        "demo": "Generate the synthetic data (if needed) and run the quick forecast benchmark.",
    },
)
