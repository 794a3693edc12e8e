"""Compare experiments (model × strategy) on one primary metric, with automatic ranking.

>>> evaluator = ModelEvaluator("rmsse")
>>> for result in results:  # doctest: +SKIP
...     evaluator.add(result)
>>> evaluator.leaderboard()  # doctest: +SKIP

Every metric is lower-is-better unless ``lower_is_better`` says otherwise, with two exceptions
that have a target instead of a direction: ``bias`` is ranked by ``|bias|`` and
``coverage_<level>`` by ``|coverage - level/100|`` (coverage is a fraction in ``[0, 1]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import Leaderboard, as_float
from benchlab.evaluation.leaderboard import order_metrics as _order_metrics
from benchlab.forecast.metrics import HEADLINE_METRICS
from benchlab.forecast.results import ExperimentResult, ModelingStrategy

__all__ = ["ModelEvaluator", "order_metrics"]


def order_metrics(metrics: Iterable[str], primary: str) -> list[str]:
    """Forecast metric names in leaderboard order: primary, :data:`HEADLINE_METRICS`,
    coverage_*, width_*, *_vs_oracle, the rest (see the engine's ``order_metrics``)."""
    return _order_metrics(metrics, primary, HEADLINE_METRICS)


class ModelEvaluator:
    """Ranks forecast experiments on ``primary_metric`` and writes their comparison.

    Parameters
    ----------
    primary_metric
        Metric that orders the leaderboard (default ``"rmsse"``).
    lower_is_better
        Direction per metric, overriding the defaults of the engine's ``ranking_key``.

    Adding a second result for the same ``(model, strategy)`` replaces the first.
    Reading methods (``leaderboard``, ``best``, ``to_markdown`` …) on an evaluator without
    results raise :class:`benchlab.errors.InputError` (a ``ValueError``).
    """

    def __init__(
        self, primary_metric: str = "rmsse", *, lower_is_better: Mapping[str, bool] | None = None
    ) -> None:
        self._board = Leaderboard(
            primary_metric,
            lower_is_better=lower_is_better,
            preferred_metrics=HEADLINE_METRICS,
            owner="ModelEvaluator",
        )
        self._results: dict[tuple[str, ...], ExperimentResult] = {}

    @property
    def primary_metric(self) -> str:
        return self._board.primary_metric

    @property
    def lower_is_better(self) -> dict[str, bool]:
        return self._board.lower_is_better

    def add(self, result: ExperimentResult) -> None:
        """Add one experiment; a repeated ``(model, strategy)`` replaces the earlier one."""
        if not isinstance(result, ExperimentResult):
            raise InputError(
                f"ModelEvaluator.add expects an ExperimentResult, got {type(result).__name__}"
            )
        record = result.record()
        self._board.add(record)
        self._results[record.identity] = result

    @property
    def results(self) -> list[ExperimentResult]:
        """The added results, in the order they were added."""
        return list(self._results.values())

    def records(self) -> list[Any]:
        """The results as the engine's ``ExperimentRecord`` objects, in the order added."""
        return self._board.records

    def __len__(self) -> int:
        return len(self._results)

    def _require_results(self, what: str) -> None:
        if not self._results:
            raise InputError(
                f"ModelEvaluator.{what}: no results to evaluate; add ExperimentResult objects "
                "with ModelEvaluator.add() first"
            )

    def key(self, metric: str, value: float | None) -> float | None:
        """Sort key (smaller is better) of ``value`` for ``metric`` under this evaluator."""
        return self._board.key(metric, value)

    def metric_names(self) -> list[str]:
        """Union of the metric names of all results, in leaderboard order."""
        return self._board.metric_names()

    def leaderboard(self) -> pl.DataFrame:
        """One row per (model, strategy), best first.

        Columns: ``rank, model, strategy``, the primary metric, the other metrics (see
        :func:`order_metrics`; null where a result lacks one), then ``wall_seconds,
        fit_seconds, predict_seconds, n_skus, n_failed``. ``rank`` is 1 for the best; results
        without the primary metric come last with a null rank.
        """
        self._require_results("leaderboard")
        return self._board.frame()

    def compare_strategies(self) -> pl.DataFrame:
        """Per model that ran under both strategies: the primary metric under each and the winner.

        Columns: ``model``, ``<primary>_combined``, ``<primary>_individual``, ``winner``
        (``"combined"``, ``"individual"``, ``"tie"`` or null when a value is missing),
        ``improvement_pct`` (how much better the winner is, relative to the loser, in %),
        ``fit_seconds_combined``, ``fit_seconds_individual``. Sorted by model name.
        """
        self._require_results("compare_strategies")
        primary = self.primary_metric
        combined, individual = ModelingStrategy.COMBINED.value, ModelingStrategy.INDIVIDUAL.value
        rows = []
        models = sorted({model for model, _ in self._results})
        for model in models:
            pair = self._results.get((model, combined)), self._results.get((model, individual))
            if pair[0] is None or pair[1] is None:
                continue
            values = [as_float(r.metrics.get(primary), metric=primary, label=r.label) for r in pair]
            keys = [self.key(primary, v) for v in values]
            winner: str | None = None
            improvement: float | None = None
            if keys[0] is not None and keys[1] is not None:
                if keys[0] == keys[1]:
                    winner, improvement = "tie", 0.0
                else:
                    best, worst = sorted(keys)
                    winner = combined if keys[0] < keys[1] else individual
                    improvement = 100.0 * (worst - best) / abs(worst) if worst != 0 else None
            rows.append(
                {
                    "model": model,
                    f"{primary}_combined": values[0],
                    f"{primary}_individual": values[1],
                    "winner": winner,
                    "improvement_pct": improvement,
                    "fit_seconds_combined": float(pair[0].fit_seconds),
                    "fit_seconds_individual": float(pair[1].fit_seconds),
                }
            )
        schema: dict[str, pl.DataType] = {
            "model": pl.String(),
            f"{primary}_combined": pl.Float64(),
            f"{primary}_individual": pl.Float64(),
            "winner": pl.String(),
            "improvement_pct": pl.Float64(),
            "fit_seconds_combined": pl.Float64(),
            "fit_seconds_individual": pl.Float64(),
        }
        return pl.DataFrame(rows, schema=schema, orient="row")

    def ranked_results(self) -> list[ExperimentResult]:
        """The results best first (the leaderboard's row order)."""
        self._require_results("ranked_results")
        return [self._results[record.identity] for _, record in self._board.ranked()]

    def best(self) -> ExperimentResult:
        """The rank-1 result on the primary metric."""
        self._require_results("best")
        return self._results[self._board.best().identity]

    def to_markdown(
        self,
        *,
        title: str,
        figures: Mapping[str, str] | None = None,
        data_summary: Mapping[str, Any] | None = None,
        run_config: Mapping[str, Any] | None = None,
    ) -> str:
        """The Markdown report (see :func:`benchlab.forecast.report.render_report`).

        ``figures`` maps a caption to an image path relative to where the report will live.
        Raises :class:`~benchlab.errors.InputError` when no result has been added.
        """
        self._require_results("to_markdown")
        from benchlab.forecast.report import render_report

        return render_report(
            self,
            title=title,
            figures=figures or {},
            data_summary=data_summary or {},
            run_config=run_config,
        )
