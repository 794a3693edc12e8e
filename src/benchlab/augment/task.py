"""The augment task: what the engine calls for ``task: augment`` configs.

A config's ``stage`` picks the run: ``train_gan`` (the default) trains the conditional WGAN-GP
(ranked by ``val_wasserstein_gap``); ``evaluate`` trains the LSTM forecaster on real, real +
synthetic and synthetic-only windows (ranked by ``test_mae``, units sold; lower is better).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.augment.config import AugmentRunConfig
from benchlab.tasks import RunOutcome, Task

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder


class AugmentTask(Task):
    """Seed 001: a ``train_gan`` run trains the conditional WGAN-GP; an ``evaluate`` run
    measures what its windows add to a forecaster."""

    name: ClassVar[str] = "augment"
    config_class: ClassVar[type[AugmentRunConfig]] = AugmentRunConfig
    primary_metric: ClassVar[str] = "val_wasserstein_gap"
    greater_is_better: ClassVar[bool] = False

    def dataset_name(self, config: AugmentRunConfig) -> str:
        processed = config.data.processed_dir.resolve()
        return (
            processed.parent.name if processed.name == "processed" else processed.name
        ) or "olist"

    def primary_metric_of(self, config: AugmentRunConfig) -> str:
        if config.stage == "evaluate":
            from benchlab.augment.evaluation import PRIMARY_METRIC

            return PRIMARY_METRIC
        return self.primary_metric

    def report_title(self, config: AugmentRunConfig) -> str:
        if config.stage == "evaluate":
            return f"benchlab augment evaluation: {config.name}"
        return super().report_title(config)

    def prepare(self, config: AugmentRunConfig, *, console: Console) -> Any:
        if config.stage == "evaluate":
            from benchlab.augment.evaluation import prepare_evaluation

            return prepare_evaluation(config, console=console)
        from benchlab.augment.training import prepare_gan

        return prepare_gan(config, console=console)

    def run(
        self,
        config: AugmentRunConfig,
        prepared: Any,
        run: RunFolder,
        *,
        progress: bool,
        console: Console,
    ) -> RunOutcome:
        if config.stage == "evaluate":
            from benchlab.augment.evaluation import run_evaluation

            return run_evaluation(config, prepared, run, progress=progress, console=console)
        from benchlab.augment.training import train_gan

        return train_gan(config, prepared, run, progress=progress, console=console)

    def report_sections(
        self, config: AugmentRunConfig, outcome: RunOutcome, run: RunFolder
    ) -> list[Section]:
        if config.stage == "evaluate":
            from benchlab.augment.evaluation_report import evaluation_report_sections

            return evaluation_report_sections(config, outcome, run)
        from benchlab.augment.report import gan_report_sections

        return gan_report_sections(config, outcome, run)

    def print_summary(self, outcome: RunOutcome, console: Console) -> None:
        if outcome.primary_metric == self.primary_metric:
            return super().print_summary(outcome, console)
        from benchlab.augment.evaluation_report import print_evaluation_summary

        print_evaluation_summary(outcome, console)
