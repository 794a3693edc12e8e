"""A weighted composite score over several metrics, each min–max normalised across models.

Seed 004 ranks models on one number: 30 % accuracy, 30 % macro F1, 20 % throughput and 20 %
latency by default. Each metric is first mapped to ``[0, 1]`` across the models compared, 1 for
the best value and 0 for the worst, in the direction the engine's ranking rules give it
(:func:`benchlab.evaluation.leaderboard.ranking_key`: accuracy, F1 and throughput higher is
better; latency, memory and errors lower; ``bias`` and ``coverage_<level>`` by their distance
to a target)::

    normalised = (worst_key - key) / (worst_key - best_key)

The composite is the weighted sum of the normalised values, the weights divided by their sum.

>>> import polars as pl
>>> results = pl.DataFrame({
...     "model": ["bert", "tfidf", "majority"],
...     "accuracy": [0.90, 0.80, 0.40],
...     "latency_median_ms": [12.0, 0.5, 0.1],
... })
>>> ranking = composite_scores(results, {"accuracy": 3, "latency": 1})
>>> ranking.weights
{'accuracy': 0.75, 'latency_median_ms': 0.25}
>>> ranking.frame.select("model", pl.col("composite_score").round(3), "composite_rank").rows()
[('tfidf', 0.842, 1), ('bert', 0.75, 2), ('majority', 0.25, 3)]

Decisions, for every caller alike:

- A weight names a metric column, or one of the concepts of :data:`METRIC_ALIASES`
  (``"f1"`` is the first of ``f1_macro``, ``macro_f1``, ``f1``, ``test_f1_macro`` a frame has).
- Default weights (``weights=None``) use those of the four default metrics the frame has,
  renormalised over them. Weights given by the caller must all name a metric some model has:
  one that none has is an :class:`~benchlab.errors.InputError`. A zero weight is ignored.
- A metric with the same value for every model cannot tell them apart: every model gets 1 on
  it (as good as the best), so a lone model, or one best on every metric, scores exactly 1,
  and the weights shown stay the weights used. It shifts every composite equally and changes
  no rank.
- A model without a value of a weighted metric gets no composite and no rank (listed last);
  the others are normalised among themselves.
- Ties share the best rank of their group (1, 2, 2, 4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import natural_key, ranking_direction, ranking_key

#: Seed 004's weights: 30 % accuracy, 30 % macro F1, 20 % throughput, 20 % latency.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "accuracy": 0.3,
    "f1": 0.3,
    "throughput": 0.2,
    "latency": 0.2,
}

#: Concepts a weight may name, with the metric columns that stand for each, in preference order.
METRIC_ALIASES: Mapping[str, tuple[str, ...]] = {
    "accuracy": ("accuracy", "test_accuracy"),
    "f1": ("f1_macro", "macro_f1", "f1", "test_f1_macro"),
    "throughput": (
        "throughput_samples_per_sec",
        "throughput_tokens_per_sec",
        "samples_per_second",
    ),
    "latency": ("latency_median_ms", "latency_p50_ms", "latency_mean_ms"),
}

SCORE = "composite_score"
RANK = "composite_rank"
NORMALISED_SUFFIX = "_norm"


@dataclass(frozen=True)
class CompositeRanking:
    """The composite ranking and what produced it.

    ``frame``: the identifying columns, each weighted metric, its ``<metric>_norm`` column,
    ``composite_score`` and ``composite_rank``, best first. ``weights``: metric column →
    weight used (summing to 1), in the order given; ``directions``: metric → how it ranks.
    """

    frame: pl.DataFrame
    weights: dict[str, float]
    directions: dict[str, str]

    def weights_frame(self) -> pl.DataFrame:
        """``metric, weight, direction``: what to show beside the ranking."""
        return pl.DataFrame(
            {
                "metric": list(self.weights),
                "weight": list(self.weights.values()),
                "direction": [self.directions[m] for m in self.weights],
            },
            schema={"metric": pl.String(), "weight": pl.Float64(), "direction": pl.String()},
        )

    def describe_weights(self) -> str:
        """``accuracy 30%, f1_macro 30%, …``: the weights in one line."""
        return ", ".join(f"{metric} {weight:.0%}" for metric, weight in self.weights.items())


def resolve_metric(name: str, columns: Sequence[str]) -> str | None:
    """The column a weight named ``name`` applies to: ``name`` itself when it is a column, else
    the first column of its concept in :data:`METRIC_ALIASES`; ``None`` when there is none.

    >>> resolve_metric("f1", ["model", "test_accuracy", "test_f1_macro"])
    'test_f1_macro'
    >>> resolve_metric("latency", ["accuracy"]) is None
    True
    """
    if name in columns:
        return name
    return next((c for c in METRIC_ALIASES.get(name, ()) if c in columns), None)


def resolve_weights(
    columns: Sequence[str], weights: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Metric column → weight, the weights divided by their sum.

    ``weights=None``: :data:`DEFAULT_WEIGHTS` restricted to the metrics ``columns`` has. Given
    weights must each be a finite number ≥ 0 on a metric ``columns`` has.
    """
    explicit = weights is not None
    asked = dict(DEFAULT_WEIGHTS if weights is None else weights)
    if explicit and not asked:
        raise InputError("composite score: no weights given")
    chosen: dict[str, float] = {}
    for name, raw in asked.items():
        weight = _weight(name, raw)
        if weight == 0.0:
            continue
        column = resolve_metric(name, columns)
        if column is None:
            if explicit:
                raise InputError(
                    f"composite score: weight on {name!r}, a metric no model has; "
                    f"metrics: {_names(columns)}"
                )
            continue
        if column in chosen:
            raise InputError(f"composite score: two weights apply to the metric {column!r}")
        chosen[column] = weight
    if not chosen:
        wanted = ", ".join(asked)
        raise InputError(
            f"composite score: none of the weighted metrics ({wanted}) is in the results; "
            f"metrics: {_names(columns)}"
        )
    total = sum(chosen.values())
    return {column: weight / total for column, weight in chosen.items()}


def normalise(
    values: Sequence[float | None] | np.ndarray,
    metric: str,
    *,
    lower_is_better: Mapping[str, bool] | None = None,
) -> np.ndarray:
    """Min–max normalised ``values`` of ``metric``: 1 for the best, 0 for the worst, NaN where
    a value is missing; all 1 when every present value ranks the same.

    >>> normalise([10.0, 20.0, 40.0], "latency_median_ms").tolist()
    [1.0, 0.6666666666666666, 0.0]
    >>> normalise([0.7, None, 0.9], "accuracy").tolist()
    [0.0, nan, 1.0]
    """
    keys = np.array(
        [_key(metric, v, lower_is_better) for v in np.asarray(values, dtype=object)],
        dtype=float,
    )
    present = ~np.isnan(keys)
    out = np.full(keys.shape, np.nan)
    if not present.any():
        return out
    best, worst = keys[present].min(), keys[present].max()
    if worst == best:
        out[present] = 1.0
    else:
        out[present] = (worst - keys[present]) / (worst - best)
    return out


def composite_scores(
    results: pl.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    lower_is_better: Mapping[str, bool] | None = None,
    id_columns: Sequence[str] | None = None,
) -> CompositeRanking:
    """Rank the rows of ``results`` (one per model) on their weighted normalised metrics.

    ``id_columns`` are carried into the output (default: every non-numeric column, e.g.
    ``model`` and a leaderboard's keys); ``lower_is_better`` overrides a metric's direction.
    """
    if results.is_empty():
        raise InputError("composite score: no results to rank")
    numeric = [c for c in results.columns if results.schema[c].is_numeric()]
    chosen = resolve_weights(numeric, weights)
    if id_columns is None:
        id_columns = [c for c in results.columns if c not in numeric]
    missing = [c for c in id_columns if c not in results.columns]
    if missing:
        raise InputError(f"composite score: no column {', '.join(map(repr, missing))}")

    normalised = {
        f"{metric}{NORMALISED_SUFFIX}": normalise(
            results[metric].cast(pl.Float64).to_numpy(), metric, lower_is_better=lower_is_better
        )
        for metric in chosen
    }
    score = sum(w * normalised[f"{m}{NORMALISED_SUFFIX}"] for m, w in chosen.items())
    frame = (
        results.select(*id_columns, *(pl.col(m).cast(pl.Float64) for m in chosen))
        .with_columns(
            *(pl.Series(name, values).fill_nan(None) for name, values in normalised.items()),
            pl.Series(SCORE, score, dtype=pl.Float64).fill_nan(None),
        )
        .with_columns(pl.col(SCORE).rank("min", descending=True).cast(pl.Int64).alias(RANK))
        .sort(RANK, nulls_last=True, maintain_order=True)
    )
    directions = {m: ranking_direction(m, lower_is_better) for m in chosen}
    return CompositeRanking(frame=frame, weights=chosen, directions=directions)


def _weight(name: str, raw: object) -> float:
    try:
        weight = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InputError(f"composite score: weight of {name!r} is not a number: {raw!r}") from exc
    if not math.isfinite(weight) or weight < 0:
        raise InputError(
            f"composite score: weight of {name!r} must be a finite number >= 0; got {raw!r}"
        )
    return weight


def _key(metric: str, value: object, lower_is_better: Mapping[str, bool] | None) -> float:
    if value is None:
        return math.nan
    key = ranking_key(metric, float(value), lower_is_better=lower_is_better)  # type: ignore[arg-type]
    return math.nan if key is None else key


def _names(columns: Sequence[str]) -> str:
    return ", ".join(sorted(columns, key=natural_key)) or "none"
