"""The vision task: what the engine calls for ``task: vision`` configs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.tasks import RunOutcome, Task
from benchlab.vision.config import VisionRunConfig

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder


class VisionTask(Task):
    """Seed 002's image classification: one trained model per run, ranked on test accuracy."""

    name: ClassVar[str] = "vision"
    config_class: ClassVar[type[VisionRunConfig]] = VisionRunConfig
    primary_metric: ClassVar[str] = "test_accuracy"
    greater_is_better: ClassVar[bool] = True

    def dataset_name(self, config: VisionRunConfig) -> str:
        return config.data.data_dir.resolve().name or "images"

    def prepare(self, config: VisionRunConfig, *, console: Console) -> Any:
        from benchlab.vision.training import prepare_training

        return prepare_training(config, console=console)

    def run(
        self,
        config: VisionRunConfig,
        prepared: Any,
        run: RunFolder,
        *,
        progress: bool,
        console: Console,
    ) -> RunOutcome:
        from benchlab.vision.training import run_training

        return run_training(config, prepared, run, progress=progress, console=console)

    def report_sections(
        self, config: VisionRunConfig, outcome: RunOutcome, run: RunFolder
    ) -> list[Section]:
        from benchlab.vision.report import vision_report_sections

        return vision_report_sections(config, outcome, run)

    def models(self) -> list[dict[str, str]]:
        from benchlab.vision.models import model_rows

        return model_rows()

    def tune(
        self, config: VisionRunConfig, *, n_trials: int | None, resume: bool, progress: bool
    ) -> Any:
        from benchlab.vision.search import tune_vision

        return tune_vision(config, n_trials=n_trials, resume=resume, progress=progress)

    def release_adapter(self) -> Any:
        from benchlab.vision.release import VisionReleaseAdapter

        return VisionReleaseAdapter()
