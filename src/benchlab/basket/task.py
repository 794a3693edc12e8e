"""The basket task: what the engine calls for ``task: basket`` configs.

``prepare`` runs the stages a project still needs (stage 1 when its samples are missing or were
cut with other split settings or from older transactions; stage 2 when the tensor cache is
missing or was built from other inputs), loads the three splits and fits the baselines on the
training weeks. ``run`` trains one world model per seed (``evaluation.seeds``, else ``seed``),
evaluates it and the baselines on the test weeks with that seed's masks, and returns one
record per method with the mean over seeds (primary metric ``recall_at_10``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.basket.config import BasketRunConfig
from benchlab.tasks import RunOutcome, Task

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.reports.markdown import Section
    from benchlab.runs import RunFolder


class BasketTask(Task):
    """Seed 003's world model against popularity, customer-frequency and majority baselines."""

    name: ClassVar[str] = "basket"
    config_class: ClassVar[type[BasketRunConfig]] = BasketRunConfig
    primary_metric: ClassVar[str] = "recall_at_10"
    greater_is_better: ClassVar[bool] = True

    def dataset_name(self, config: BasketRunConfig) -> str:
        return config.project_root.resolve().name or "baskets"

    def report_title(self, config: BasketRunConfig) -> str:
        return f"benchlab basket world model: {config.name}"

    def prepare(self, config: BasketRunConfig, *, console: Console) -> Any:
        from benchlab.basket.pipeline import prepare_run

        return prepare_run(config, console=console)

    def run(
        self,
        config: BasketRunConfig,
        prepared: Any,
        run: RunFolder,
        *,
        progress: bool,
        console: Console,
    ) -> RunOutcome:
        from benchlab.basket.pipeline import run_basket

        return run_basket(config, prepared, run, progress=progress, console=console)

    def report_sections(
        self, config: BasketRunConfig, outcome: RunOutcome, run: RunFolder
    ) -> list[Section]:
        from benchlab.basket.report import basket_report_sections

        return basket_report_sections(config, outcome, run)
