"""Rank any task's experiments on one metric: the small result protocol every task speaks.

A task turns each experiment into an :class:`ExperimentRecord` (a name, identifying keys such
as ``strategy``, metrics, timings and hyperparameters); :class:`Leaderboard` ranks them.

>>> board = Leaderboard("accuracy")
>>> board.add(ExperimentRecord("resnet18", {"accuracy": 0.91}))
>>> board.add(ExperimentRecord("mobilenet", {"accuracy": 0.94}))
>>> board.frame().select("rank", "model").rows()
[(1, 'mobilenet'), (2, 'resnet18')]

Every metric is lower-is-better unless it is a known higher-is-better one (accuracy, F1 …), a
rate (``throughput_*``, ``*_per_second``) or ``lower_is_better`` says otherwise (a split before
the name keeps its direction: ``test_accuracy``, ``best_val_f1``), with two that have a target
instead of a direction:
``bias`` is ranked by ``|bias|`` and ``coverage_<level>`` by ``|coverage - level/100|``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from benchlab.errors import InputError

#: Metrics where a larger value is better (overridable by ``lower_is_better``).
HIGHER_IS_BETTER: frozenset[str] = frozenset(
    {
        "accuracy",
        "balanced_accuracy",
        "f1",
        "macro_f1",
        "f1_macro",
        "weighted_f1",
        "precision",
        "recall",
        "r2",
        "auc",
        "roc_auc",
        "top5_accuracy",
        "composite_score",
    }
)

#: Rates (throughput, samples per second …): higher is better.
_RATE = re.compile(r"(^|_)(throughput|per_sec|per_second)(_|$)")
#: A split before a metric's name (``test_accuracy``, ``best_val_f1``) keeps its direction.
_SPLIT = re.compile(r"^(?:best_)?(?:train|val|valid|validation|test)_")
_COVERAGE = re.compile(r"^coverage_(\d+(?:\.\d+)?)$")
_WIDTH = re.compile(r"^width_(\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class ExperimentRecord:
    """One experiment's outcome, as the leaderboard, tracking and ``--json`` see it.

    ``keys`` are identifying columns beside the model name (``{"strategy": "combined"}``);
    ``info`` holds numbers shown after the metrics but never ranked (timings, counts);
    ``params`` the hyperparameters, logged to the tracker.
    """

    model: str
    metrics: Mapping[str, float]
    keys: Mapping[str, str] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, ...]:
        return (self.model, *(str(v) for v in self.keys.values()))

    @property
    def label(self) -> str:
        """``lightgbm [combined]``: the model and its keys, for logs and charts."""
        if not self.keys:
            return self.model
        return f"{self.model} [{', '.join(str(v) for v in self.keys.values())}]"

    def to_json(self) -> dict[str, Any]:
        """``{"model", <keys>, "metrics", <info>}``: one entry of ``--json``'s ``results``."""
        return {"model": self.model, **self.keys, "metrics": dict(self.metrics), **self.info}


def coverage_level(metric: str) -> float | None:
    """Nominal level of a ``coverage_<level>`` metric as a fraction: ``coverage_80`` → 0.8."""
    match = _COVERAGE.match(metric)
    return float(match.group(1)) / 100.0 if match else None


def ranking_key(
    metric: str, value: float | None, *, lower_is_better: Mapping[str, bool] | None = None
) -> float | None:
    """Map a metric value to a sort key where smaller is better; ``None`` for null/NaN.

    ``lower_is_better[metric]``, when given, ranks the raw value in that direction; otherwise
    ``bias`` ranks by ``|bias|``, ``coverage_<level>`` by its distance to the nominal level,
    :data:`HIGHER_IS_BETTER` metrics and rates (``throughput_*``, ``*_per_second``) descending and
    everything else (errors, latency, memory) ascending.
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
    base = _SPLIT.sub("", metric)
    if base in HIGHER_IS_BETTER or _RATE.search(base):
        return -value
    return value


def ranking_direction(metric: str, lower_is_better: Mapping[str, bool] | None = None) -> str:
    """How ``metric`` ranks, in words, matching :func:`ranking_key`.

    >>> ranking_direction("coverage_80"), ranking_direction("rmsse"), ranking_direction("f1")
    ('closer to 80% is better', 'lower is better', 'higher is better')
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


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key comparing the numbers inside names as numbers (``q_0.1`` before ``q_0.25``)."""
    parts = _NUMBER.split(name)
    return tuple((0, float(p), "") if _NUMBER.fullmatch(p) else (1, 0.0, p) for p in parts)


def order_metrics(metrics: Iterable[str], primary: str, preferred: Sequence[str] = ()) -> list[str]:
    """Order metric names: primary, ``preferred``, coverage_*, width_*, *_vs_oracle, the rest.

    Coverage and width follow their level; ``*_vs_oracle`` follows its base metric's position
    in ``preferred``; the rest sorts alphabetically (numbers compared as numbers).
    """
    names = set(metrics)
    ordered = [primary] if primary in names else []
    names.discard(primary)
    ordered += [m for m in preferred if m in names]
    names.difference_update(preferred)
    coverage = sorted((m for m in names if _COVERAGE.match(m)), key=natural_key)
    width = sorted((m for m in names if _WIDTH.match(m)), key=natural_key)
    names.difference_update(coverage + width)

    def oracle_rank(name: str) -> tuple[int, tuple[Any, ...]]:
        base = name.removesuffix("_vs_oracle")
        pos = list(preferred).index(base) if base in preferred else len(preferred)
        return pos, natural_key(base)

    vs_oracle = sorted((m for m in names if m.endswith("_vs_oracle")), key=oracle_rank)
    names.difference_update(vs_oracle)
    return ordered + coverage + width + vs_oracle + sorted(names, key=natural_key)


def as_float(value: Any, *, metric: str, label: str) -> float | None:
    """``value`` as a float (``None`` for null/NaN); a non-number names the metric and result."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{label}: metric {metric!r} is not a number: {value!r}") from exc
    return None if math.isnan(number) else number


class Leaderboard:
    """Ranks :class:`ExperimentRecord` objects on ``primary_metric``.

    Parameters
    ----------
    primary_metric
        The metric that orders the board.
    greater_is_better
        Direction of the primary metric (a task's ``greater_is_better``); ``None``: by name.
    lower_is_better
        Direction per metric, overriding the defaults of :func:`ranking_key`.
    preferred_metrics
        Column order of the metrics after the primary one (see :func:`order_metrics`).
    owner
        Name used in error messages (``ModelEvaluator``).

    Adding a record with the same model and keys as an earlier one replaces it.
    """

    def __init__(
        self,
        primary_metric: str,
        *,
        greater_is_better: bool | None = None,
        lower_is_better: Mapping[str, bool] | None = None,
        preferred_metrics: Sequence[str] = (),
        owner: str = "Leaderboard",
    ) -> None:
        if not primary_metric:
            raise InputError(f"{owner}: primary_metric must be a non-empty metric name")
        self.primary_metric = primary_metric
        self.lower_is_better = dict(lower_is_better or {})
        if greater_is_better is not None:
            self.lower_is_better.setdefault(primary_metric, not greater_is_better)
        self.preferred_metrics = tuple(preferred_metrics)
        self.owner = owner
        self._records: dict[tuple[str, ...], ExperimentRecord] = {}

    def add(self, record: ExperimentRecord) -> None:
        self._records[record.identity] = record

    @property
    def records(self) -> list[ExperimentRecord]:
        """The records in the order they were added."""
        return list(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

    def key(self, metric: str, value: float | None) -> float | None:
        """Sort key (smaller is better) of ``value`` for ``metric`` on this board."""
        return ranking_key(metric, value, lower_is_better=self.lower_is_better)

    def direction(self, metric: str) -> str:
        return ranking_direction(metric, self.lower_is_better)

    def metric_names(self) -> list[str]:
        """Union of the records' metric names, in column order."""
        names = {m for r in self._records.values() for m in r.metrics}
        return order_metrics(names, self.primary_metric, self.preferred_metrics)

    def ranked(self) -> list[tuple[int | None, ExperimentRecord]]:
        """Records best first with their rank (ties share a rank; no primary value → None)."""
        primary = self.primary_metric
        available = {m for r in self._records.values() for m in r.metrics}
        if primary not in available:
            names = ", ".join(sorted(available, key=natural_key)) or "none"
            raise InputError(
                f"{self.owner}: primary metric {primary!r} is in no result; "
                f"available metrics: {names}"
            )
        keyed = []
        for identity, record in self._records.items():
            value = as_float(record.metrics.get(primary), metric=primary, label=record.label)
            keyed.append((self.key(primary, value), identity, record))
        keyed.sort(key=lambda row: (row[0] is None, row[0] or 0.0, row[1]))
        ranked: list[tuple[int | None, ExperimentRecord]] = []
        previous: float | None = None
        rank: int | None = None
        for position, (key, _identity, record) in enumerate(keyed, start=1):
            if key is None:
                rank = None
            elif rank is None or key != previous:
                rank = position
            ranked.append((rank, record))
            previous = key
        return ranked

    def frame(self) -> pl.DataFrame:
        """One row per record, best first: ``rank, model, <keys>``, the metrics (primary
        first), then the ``info`` columns. Empty board: an empty frame."""
        if not self._records:
            return pl.DataFrame(schema={"rank": pl.Int64(), "model": pl.String()})
        metrics = self.metric_names()
        key_names = _union(r.keys for r in self._records.values())
        info_names = _union(r.info for r in self._records.values())
        rows = []
        for rank, record in self.ranked():
            row: dict[str, Any] = {"rank": rank, "model": record.model}
            row.update({k: record.keys.get(k) for k in key_names})
            for metric in metrics:
                row[metric] = as_float(
                    record.metrics.get(metric), metric=metric, label=record.label
                )
            row.update({k: record.info.get(k) for k in info_names})
            rows.append(row)
        schema: dict[str, Any] = {
            "rank": pl.Int64(),
            "model": pl.String(),
            **{k: pl.String() for k in key_names},
            **{m: pl.Float64() for m in metrics},
            **{k: _dtype(rows, k) for k in info_names},
        }
        return pl.DataFrame(rows, schema=schema, orient="row")

    def best(self) -> ExperimentRecord:
        """The rank-1 record."""
        if not self._records:
            raise InputError(f"{self.owner}.best: no results")
        rank, record = self.ranked()[0]
        if rank is None:
            raise InputError(
                f"{self.owner}.best: no result has a finite {self.primary_metric!r} value"
            )
        return record


def _union(mappings: Iterable[Mapping[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for mapping in mappings:
        names.update(dict.fromkeys(mapping))
    return list(names)


def _dtype(rows: list[dict[str, Any]], column: str) -> Any:
    values = [r[column] for r in rows if r[column] is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pl.Int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pl.Float64()
    return pl.String()
