"""The forecast task: what the engine calls for ``task: forecast`` configs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.extras import require_installed

# What `pip install 'benchlab[forecast]'` brings: checked before anything of the task is imported.
LIBRARIES = ("xgboost", "lightgbm", "statsforecast", "sklearn", "scipy", "pandas", "lightning")
require_installed(LIBRARIES, "forecast", what="the forecast task")

from benchlab.forecast.config import ForecastRunConfig  # noqa: E402
from benchlab.tasks import RunOutcome, Task  # noqa: E402

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.forecast.release.adapter import ForecastReleaseAdapter
    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder


class ForecastTask(Task):
    """Seed 000's benchmark: every model under every strategy, ranked on ``rmsse``."""

    name: ClassVar[str] = "forecast"
    config_class: ClassVar[type[ForecastRunConfig]] = ForecastRunConfig
    primary_metric: ClassVar[str] = "rmsse"
    greater_is_better: ClassVar[bool] = False

    def dataset_name(self, config: ForecastRunConfig) -> str:
        return config.data.dataset_name

    def primary_metric_of(self, config: ForecastRunConfig) -> str:
        return config.report.primary_metric

    def report_title(self, config: ForecastRunConfig) -> str:
        return f"benchlab forecast benchmark: {config.name}"

    def prepare(self, config: ForecastRunConfig, *, console: Console) -> Any:
        from benchlab.forecast.runner import prepare_forecast

        return prepare_forecast(config, console)

    def run(
        self,
        config: ForecastRunConfig,
        prepared: Any,
        run: RunFolder,
        *,
        progress: bool,
        console: Console,
    ) -> RunOutcome:
        from benchlab.forecast.runner import run_experiments

        return run_experiments(config, prepared, run, progress=progress, console=console)

    def report_sections(
        self, config: ForecastRunConfig, outcome: RunOutcome, run: RunFolder
    ) -> list[Section]:
        from benchlab.forecast.runner import forecast_report_sections

        return forecast_report_sections(config, outcome, run)

    def print_summary(self, outcome: RunOutcome, console: Console) -> None:
        from benchlab.forecast.runner import print_forecast_summary

        print_forecast_summary(outcome, console)

    def models(self) -> list[dict[str, str]]:
        from benchlab.forecast.model_types import model_registry

        return [
            {
                "name": name,
                "task": cls.info.task,
                "input": cls.info.input_kind,
                "quantiles": "yes" if cls.info.supports_quantiles else "no",
                "description": cls.info.description,
            }
            for name, cls in model_registry.items()
        ]

    def tune(
        self, config: ForecastRunConfig, *, n_trials: int | None, resume: bool, progress: bool
    ) -> Any:
        from benchlab.forecast.tuning import tune_forecast

        return tune_forecast(config, n_trials=n_trials, resume=resume, progress=progress)

    def release_adapter(self) -> ForecastReleaseAdapter:
        from benchlab.forecast.release.adapter import ForecastReleaseAdapter

        return ForecastReleaseAdapter()
