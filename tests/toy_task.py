"""A task that lives outside benchlab: proof that a new task needs no engine edit.

It "trains" one least-squares line per listed noise level on generated data and ranks them on
``r2`` (higher is better). Tests register it through a fake ``benchlab.tasks`` entry point.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from benchlab.config import RunConfig
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.tasks import RunOutcome, Task, TaskSpec

TASK = TaskSpec(name="toy", summary="A toy regression task for tests.", task="tests.toy_task:Toy")


class ToyConfig(RunConfig):
    task: Literal["toy"] = "toy"
    name: str = "toy"
    noise: list[float] = Field(default_factory=lambda: [0.1, 1.0], min_length=1)
    n_rows: int = Field(200, ge=10)


class Toy(Task):
    name: ClassVar[str] = "toy"
    config_class: ClassVar[type[ToyConfig]] = ToyConfig
    primary_metric: ClassVar[str] = "r2"
    greater_is_better: ClassVar[bool] = True

    def dataset_name(self, config: ToyConfig) -> str:
        return f"line{config.n_rows}"

    def run(self, config: ToyConfig, prepared: Any, run, *, progress: bool, console) -> RunOutcome:
        rng = np.random.default_rng(config.seed)
        x = rng.normal(size=config.n_rows)
        board = Leaderboard(self.primary_metric, greater_is_better=self.greater_is_better)
        for noise in config.noise:
            y = 2.0 * x + 1.0 + rng.normal(scale=noise, size=x.size)
            slope, intercept = np.polyfit(x, y, 1)
            residual = y - (slope * x + intercept)
            r2 = 1.0 - residual.var() / y.var()
            run.write_json(f"models/noise_{noise}.json", {"slope": slope, "intercept": intercept})
            board.add(
                ExperimentRecord(
                    model=f"ols_noise_{noise}",
                    metrics={"r2": float(r2), "rmse": float(np.sqrt((residual**2).mean()))},
                    info={"n_rows": config.n_rows},
                    params={"noise": noise},
                )
            )
        return RunOutcome(board.records, board.frame(), self.primary_metric)
