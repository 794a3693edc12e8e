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

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from benchlab.errors import InputError
from benchlab.forecast.results import ExperimentResult, ModelingStrategy

__all__ = [
    "METRIC_ORDER",
    "ModelEvaluator",
    "coverage_level",
    "order_metrics",
    "ranking_key",
]

#: Preferred column order of the common metrics after the primary one.
METRIC_ORDER: tuple[str, ...] = (
    "rmsse",
    "wrmsse",
    "mase",
    "mae",
    "rmse",
    "smape",
    "bias",
    "mean_pinball",
    "spl",
    "wspl",
)

#: Metrics of other tasks where a larger value is better (overridable by ``lower_is_better``).
HIGHER_IS_BETTER: frozenset[str] = frozenset(
    {"accuracy", "balanced_accuracy", "f1", "macro_f1", "precision", "recall", "r2", "auc"}
)

#: Non-metric columns of the leaderboard, after the metrics.
INFO_COLUMNS: tuple[str, ...] = ("fit_seconds", "predict_seconds", "n_skus", "n_failed")

_COVERAGE = re.compile(r"^coverage_(\d+(?:\.\d+)?)$")
_WIDTH = re.compile(r"^width_(\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")


def coverage_level(metric: str) -> float | None:
    """Nominal level of a ``coverage_<level>`` metric as a fraction: ``coverage_80`` → 0.8."""
    match = _COVERAGE.match(metric)
    return float(match.group(1)) / 100.0 if match else None


def ranking_direction(metric: str, lower_is_better: Mapping[str, bool] | None = None) -> str:
    """How ``metric`` ranks, in words, matching :func:`ranking_key`.

    >>> ranking_direction("coverage_80"), ranking_direction("rmsse")
    ('closer to 80% is better', 'lower is better')
    """
    overrides = lower_is_better or {}
    if metric in overrides:
        return "lower is better" if overrides[metric] else "higher is better"
    if metric == "bias":
        return "closer to 0 is better"
    level = coverage_level(metric)
    if level is not None:
        return f"closer to {level:.0%} is better"
    if ranking_key(metric, 1.0, lower_is_better=overrides) == -1.0:
        return "higher is better"
    return "lower is better"


def ranking_key(
    metric: str, value: float | None, *, lower_is_better: Mapping[str, bool] | None = None
) -> float | None:
    """Map a metric value to a sort key where smaller is better; ``None`` for null/NaN.

    ``lower_is_better[metric]``, when given, ranks the raw value in that direction; otherwise
    ``bias`` ranks by ``|bias|``, ``coverage_<level>`` by its distance to the nominal level and
    everything else (all error metrics) ascending.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = float(value)
    overrides = lower_is_better or {}
    if metric in overrides:
        return value if overrides[metric] else -value
    if metric == "bias":
        return abs(value)
    level = coverage_level(metric)
    if level is not None:
        return abs(value - level)
    if metric in HIGHER_IS_BETTER:
        return -value
    return value


def _natural_key(name: str) -> tuple[Any, ...]:
    parts = _NUMBER.split(name)
    return tuple((0, float(p), "") if _NUMBER.fullmatch(p) else (1, 0.0, p) for p in parts)


def order_metrics(metrics: Iterable[str], primary: str) -> list[str]:
    """Order metric names: primary, :data:`METRIC_ORDER`, coverage_*, width_*, *_vs_oracle, rest.

    Coverage and width follow their level; ``*_vs_oracle`` follows its base metric's position;
    the rest sorts alphabetically (numbers compared as numbers).
    """
    names = set(metrics)
    ordered = [primary] if primary in names else []
    names.discard(primary)
    ordered += [m for m in METRIC_ORDER if m in names]
    names.difference_update(METRIC_ORDER)
    coverage = sorted((m for m in names if _COVERAGE.match(m)), key=_natural_key)
    width = sorted((m for m in names if _WIDTH.match(m)), key=_natural_key)
    names.difference_update(coverage + width)

    def oracle_rank(name: str) -> tuple[int, tuple[Any, ...]]:
        base = name.removesuffix("_vs_oracle")
        pos = METRIC_ORDER.index(base) if base in METRIC_ORDER else len(METRIC_ORDER)
        return pos, _natural_key(base)

    vs_oracle = sorted((m for m in names if m.endswith("_vs_oracle")), key=oracle_rank)
    names.difference_update(vs_oracle)
    return ordered + coverage + width + vs_oracle + sorted(names, key=_natural_key)


def _as_float(value: Any, *, metric: str, label: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{label}: metric {metric!r} is not a number: {value!r}") from exc
    return None if math.isnan(number) else number


def _n_skus(result: ExperimentResult) -> int:
    columns = [c for c in result.id_columns if c in result.predictions.columns]
    if not columns or result.predictions.is_empty():
        return 0
    return result.predictions.select(columns).n_unique()


class ModelEvaluator:
    """Ranks experiments on ``primary_metric`` and writes their comparison.

    Parameters
    ----------
    primary_metric
        Metric that orders the leaderboard (default ``"rmsse"``).
    lower_is_better
        Direction per metric, overriding the defaults described in the module docstring.

    Adding a second result for the same ``(model_type, strategy)`` replaces the first.
    Reading methods (``leaderboard``, ``best``, ``to_markdown`` …) on an evaluator without
    results raise :class:`benchlab.errors.InputError` (a ``ValueError``).
    """

    def __init__(
        self, primary_metric: str = "rmsse", *, lower_is_better: Mapping[str, bool] | None = None
    ) -> None:
        if not primary_metric:
            raise InputError("ModelEvaluator: primary_metric must be a non-empty metric name")
        self.primary_metric = primary_metric
        self.lower_is_better = dict(lower_is_better or {})
        self._results: dict[tuple[str, str], ExperimentResult] = {}

    def add(self, result: ExperimentResult) -> None:
        """Add one experiment; a repeated ``(model_type, strategy)`` replaces the earlier one."""
        if not isinstance(result, ExperimentResult):
            raise InputError(
                f"ModelEvaluator.add expects an ExperimentResult, got {type(result).__name__}"
            )
        strategy = ModelingStrategy(result.strategy).value
        self._results[(result.model_type, strategy)] = result

    @property
    def results(self) -> list[ExperimentResult]:
        """The added results, in the order they were added."""
        return list(self._results.values())

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
        return ranking_key(metric, value, lower_is_better=self.lower_is_better)

    def metric_names(self) -> list[str]:
        """Union of the metric names of all results, in leaderboard order."""
        names: set[str] = set()
        for result in self._results.values():
            names.update(result.metrics)
        return order_metrics(names, self.primary_metric)

    def _ranked(self) -> list[tuple[int | None, ExperimentResult]]:
        """Results best first with their rank (ties share a rank; missing primary → None)."""
        primary = self.primary_metric
        available = {m for r in self._results.values() for m in r.metrics}
        if primary not in available:
            raise InputError(
                f"ModelEvaluator: primary metric {primary!r} is in no result; "
                f"available metrics: {', '.join(sorted(available, key=_natural_key)) or 'none'}"
            )
        keyed = []
        for (model, strategy), result in self._results.items():
            value = _as_float(result.metrics.get(primary), metric=primary, label=result.label)
            keyed.append((self.key(primary, value), model, strategy, result))
        keyed.sort(key=lambda row: (row[0] is None, row[0] or 0.0, row[1], row[2]))
        ranked: list[tuple[int | None, ExperimentResult]] = []
        previous_key: float | None = None
        rank: int | None = None
        for position, (key, _model, _strategy, result) in enumerate(keyed, start=1):
            if key is None:
                rank = None
            elif rank is None or key != previous_key:
                rank = position
            ranked.append((rank, result))
            previous_key = key
        return ranked

    def leaderboard(self) -> pl.DataFrame:
        """One row per (model, strategy), best first.

        Columns: ``rank, model, strategy``, the primary metric, the other metrics (see
        :func:`order_metrics`; null where a result lacks one), then ``fit_seconds,
        predict_seconds, n_skus, n_failed``. ``rank`` is 1 for the best; results without the
        primary metric come last with a null rank.
        """
        self._require_results("leaderboard")
        metrics = self.metric_names()
        rows = []
        for rank, result in self._ranked():
            row: dict[str, Any] = {
                "rank": rank,
                "model": result.model_type,
                "strategy": ModelingStrategy(result.strategy).value,
            }
            for metric in metrics:
                row[metric] = _as_float(
                    result.metrics.get(metric), metric=metric, label=result.label
                )
            row["fit_seconds"] = float(result.fit_seconds)
            row["predict_seconds"] = float(result.predict_seconds)
            row["n_skus"] = _n_skus(result)
            row["n_failed"] = len(result.failures)
            rows.append(row)
        schema: dict[str, pl.DataType] = {
            "rank": pl.Int64(),
            "model": pl.String(),
            "strategy": pl.String(),
            **{m: pl.Float64() for m in metrics},
            "fit_seconds": pl.Float64(),
            "predict_seconds": pl.Float64(),
            "n_skus": pl.Int64(),
            "n_failed": pl.Int64(),
        }
        return pl.DataFrame(rows, schema=schema, orient="row")

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
            values = [
                _as_float(r.metrics.get(primary), metric=primary, label=r.label) for r in pair
            ]
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
        return [result for _, result in self._ranked()]

    def best(self) -> ExperimentResult:
        """The rank-1 result on the primary metric."""
        self._require_results("best")
        rank, result = self._ranked()[0]
        if rank is None:
            raise InputError(
                f"ModelEvaluator.best: no result has a finite {self.primary_metric!r} value"
            )
        return result

    def to_markdown(
        self,
        *,
        title: str,
        figures: Mapping[str, str] | None = None,
        data_summary: Mapping[str, Any] | None = None,
        run_config: Mapping[str, Any] | None = None,
    ) -> str:
        """The Markdown report (see :func:`benchlab.reports.markdown.render_report`).

        ``figures`` maps a caption to an image path relative to where the report will live.
        Raises :class:`~benchlab.errors.InputError` when no result has been added.
        """
        self._require_results("to_markdown")
        from benchlab.reports.markdown import render_report

        return render_report(
            self,
            title=title,
            figures=figures or {},
            data_summary=data_summary or {},
            run_config=run_config,
        )
