"""The augment task: what the engine calls for ``task: augment`` configs (train the GAN)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.augment.config import AugmentRunConfig
from benchlab.tasks import RunOutcome, Task

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder


class AugmentTask(Task):
    """Seed 001: a run trains the conditional WGAN-GP; ``evaluate`` measures what it adds."""

    name: ClassVar[str] = "augment"
    config_class: ClassVar[type[AugmentRunConfig]] = AugmentRunConfig
    primary_metric: ClassVar[str] = "val_wasserstein_gap"
    greater_is_better: ClassVar[bool] = False

    def dataset_name(self, config: AugmentRunConfig) -> str:
        processed = config.data.processed_dir.resolve()
        return (
            processed.parent.name if processed.name == "processed" else processed.name
        ) or "olist"

    def prepare(self, config: AugmentRunConfig, *, console: Console) -> Any:
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
        from benchlab.augment.training import train_gan

        return train_gan(config, prepared, run, progress=progress, console=console)

    def report_sections(
        self, config: AugmentRunConfig, outcome: RunOutcome, run: RunFolder
    ) -> list[Section]:
        from benchlab.augment.report import gan_report_sections

        return gan_report_sections(config, outcome, run)
