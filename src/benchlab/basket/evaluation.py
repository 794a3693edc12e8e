"""Test-week evaluation of the world model and the baselines, scored the same way.

Masked-product ranking (leave-one-out): in every test basket one known product is masked
(seeded); each method ranks the **whole catalogue** (no sampled negatives) for that position.
Special ids and the products still visible in the basket are excluded from every method's
ranking alike; ties are broken by one seeded permutation of the catalogue shared by all
methods. Recall@K is the share of baskets whose masked product is in the top K (one target per
basket, so it is also the hit rate); NDCG@10 is ``1 / log2(rank + 2)`` for a hit in the top
10 (rank 0-based), else 0.

Auxiliary tasks are predicted from the whole (unmasked) basket: accuracy and macro F1 over
baskets with a known label (macro F1 averages the classes present in the labels or the
predictions, as scikit-learn does).

Both passes go through :class:`~benchlab.basket.loader.EvaluationDataLoader` (batches of one
date each); the per-basket results carry their date, hour and week, so
:func:`breakdown` gives any metric per group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch

from benchlab.basket.batch import FIRST_PRODUCT_ID, IGNORE_INDEX, WorldModelBatch

MODEL_NAME = "world_model"
NDCG_K = 10
GROUPS = ("date", "hour", "week")

Ranker = Callable[[WorldModelBatch], torch.Tensor]
"""A batch → scores over the vocabulary [B, V] (higher is better)."""
Classifier = Callable[[WorldModelBatch], Mapping[str, torch.Tensor]]
"""A batch → predicted class per auxiliary task [B]."""


# --- pure metrics ---------------------------------------------------------------------------
def excluded_products(batch: WorldModelBatch, vocab_size: int) -> torch.Tensor:
    """[B, V] bool: ids no method may rank for this batch: PAD/UNK/MASK and every product
    visible in the basket (real positions that are not masked)."""
    visible = batch.attention_mask.bool() & ~batch.masked_positions.bool()
    ids = torch.where(visible, batch.input_ids, torch.zeros_like(batch.input_ids))
    excluded = torch.zeros(len(batch), vocab_size, dtype=torch.bool, device=ids.device)
    excluded.scatter_(1, ids.clamp(0, vocab_size - 1), True)
    excluded[:, :FIRST_PRODUCT_ID] = True
    return excluded


def target_ranks(
    scores: torch.Tensor,
    targets: torch.Tensor,
    excluded: torch.Tensor,
    tie_break: torch.Tensor,
) -> np.ndarray:
    """0-based rank of each target among the ids not excluded (higher score first, ties by
    ``tie_break``, lower first). A target that is itself excluded ranks ``V`` (never a hit)."""
    scores = scores.float()
    targets = targets.long().view(-1, 1)
    eligible = ~excluded
    own = scores.gather(1, targets)
    own_tie = tie_break[targets]
    ahead = (scores > own) | ((scores == own) & (tie_break.view(1, -1) < own_tie))
    ranks = (ahead & eligible).sum(dim=1)
    ranks = torch.where(excluded.gather(1, targets).view(-1), scores.shape[1], ranks)
    return ranks.cpu().numpy().astype(np.int64)


def ranking_metrics(ranks: np.ndarray, ks: Sequence[int] = (10, 20)) -> dict[str, float]:
    """``recall_at_<k>`` for every k and ``ndcg_at_10`` from 0-based target ranks.

    >>> {k: round(v, 4) for k, v in ranking_metrics(np.array([0, 4, 30]), ks=[10]).items()}
    {'recall_at_10': 0.6667, 'ndcg_at_10': 0.4623}
    """
    ranks = np.asarray(ranks)
    if ranks.size == 0:
        return {**{f"recall_at_{k}": float("nan") for k in ks}, f"ndcg_at_{NDCG_K}": float("nan")}
    metrics = {f"recall_at_{k}": float(np.mean(ranks < k)) for k in ks}
    gains = np.where(ranks < NDCG_K, 1.0 / np.log2(ranks + 2.0), 0.0)
    metrics[f"ndcg_at_{NDCG_K}"] = float(gains.mean())
    return metrics


def classification_metrics(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy and macro F1 over the known labels (``-100`` dropped).

    >>> classification_metrics(np.array([0, 0, 1, -100]), np.array([0, 1, 1, 2]))
    {'accuracy': 0.6666666666666666, 'f1_macro': 0.6666666666666666}
    """
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    known = labels != IGNORE_INDEX
    labels, predicted = labels[known], predicted[known]
    if labels.size == 0:
        return {"accuracy": float("nan"), "f1_macro": float("nan")}
    classes = np.union1d(labels, predicted)
    true_pos = np.array([np.sum((labels == c) & (predicted == c)) for c in classes])
    n_true = np.array([np.sum(labels == c) for c in classes])
    n_pred = np.array([np.sum(predicted == c) for c in classes])
    f1 = 2 * true_pos / np.maximum(n_true + n_pred, 1)
    return {"accuracy": float(np.mean(labels == predicted)), "f1_macro": float(f1.mean())}


# --- the evaluation passes ------------------------------------------------------------------
@dataclass
class EvaluationResult:
    """Per-basket outcomes of every method on the test weeks.

    ``ranks``: ``basket_id, date, hour, week`` and ``rank_<method>`` per ranking method;
    ``auxiliary``: ``basket_id, date, hour, week``, ``<task>_label`` and
    ``<task>_<method>`` (the prediction) per task and classifying method.
    """

    ranks: pl.DataFrame
    auxiliary: pl.DataFrame
    ranking_methods: list[str]
    classifying_methods: list[str]
    tasks: list[str]
    ks: list[int]
    catalogue_size: int
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)

    def metrics(self, method: str) -> dict[str, float]:
        """Every metric of ``method`` (ranking and/or auxiliary) over all test baskets."""
        return _metrics(self, self.ranks, self.auxiliary, method)

    @property
    def methods(self) -> list[str]:
        return list(dict.fromkeys([*self.ranking_methods, *self.classifying_methods]))


def _metrics(
    result: EvaluationResult, ranks: pl.DataFrame, auxiliary: pl.DataFrame, method: str
) -> dict[str, float]:
    metrics: dict[str, float] = {}
    if method in result.ranking_methods:
        metrics.update(ranking_metrics(ranks[f"rank_{method}"].to_numpy(), result.ks))
    if method in result.classifying_methods:
        for task in result.tasks:
            scores = classification_metrics(
                auxiliary[f"{task}_label"].to_numpy(), auxiliary[f"{task}_{method}"].to_numpy()
            )
            metrics.update({f"{task}_{name}": value for name, value in scores.items()})
    return metrics


def breakdown(result: EvaluationResult, group_by: str) -> pl.DataFrame:
    """One row per value of ``group_by`` (``date``, ``hour`` or ``week``), in order:
    ``n_baskets`` and every method's metrics there, named ``<method>/<metric>``."""
    rows = []
    ranks = result.ranks.partition_by(group_by, as_dict=True, maintain_order=True)
    auxiliary = result.auxiliary.partition_by(group_by, as_dict=True, maintain_order=True)
    empty_aux = result.auxiliary.clear()
    for key in sorted(set(ranks) | set(auxiliary)):
        part = ranks.get(key, result.ranks.clear())
        aux_part = auxiliary.get(key, empty_aux)
        row: dict[str, Any] = {group_by: key[0], "n_baskets": max(part.height, aux_part.height)}
        for method in result.methods:
            for name, value in _metrics(result, part, aux_part, method).items():
                row[f"{method}/{name}"] = value
        rows.append(row)
    return pl.DataFrame(rows)


def _group_columns(batch: WorldModelBatch, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: np.asarray(batch.groups[name])[rows] for name in GROUPS}


def evaluate_test(
    model: Any,
    test_dataset: Any,
    *,
    rankers: Mapping[str, Ranker],
    classifiers: Mapping[str, Classifier],
    tasks: Sequence[str],
    vocab_size: int,
    ks: Sequence[int] = (10, 20),
    batch_size: int = 256,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> EvaluationResult:
    """Score the model (``model``, a :class:`~benchlab.basket.model.WorldModel`, or ``None``)
    and the baselines (``rankers``/``classifiers`` by name) on ``test_dataset``.

    The masked product of each basket and the tie-break order follow ``seed``; ``progress``
    is called with the number of baskets done after each batch.
    """
    from benchlab.basket.loader import EvaluationDataLoader

    tie_break = torch.from_numpy(np.random.default_rng(seed).permutation(vocab_size))
    device = model.device if model is not None else torch.device("cpu")
    tie_break = tie_break.to(device)
    if model is not None:
        model.eval()
    rank_methods = ([MODEL_NAME] if model is not None else []) + list(rankers)
    class_methods = ([MODEL_NAME] if model is not None and tasks else []) + list(classifiers)
    ranked: dict[str, list[np.ndarray]] = {}
    masked = EvaluationDataLoader(
        test_dataset, batch_size=batch_size, group_by="date", leave_one_out=True, seed=seed
    )
    with torch.inference_mode():
        for _, batch in masked:
            batch = batch.to(device)
            rows, targets, scores = _masked_scores(model, rankers, batch)
            if len(rows) == 0:
                continue
            excluded = excluded_products(batch, vocab_size)[rows]
            index = rows.cpu().numpy()
            columns = {
                "basket_id": batch.basket_ids.cpu().numpy()[index],
                **_group_columns(batch, index),
                **{
                    f"rank_{name}": target_ranks(method_scores, targets, excluded, tie_break)
                    for name, method_scores in scores.items()
                },
            }
            for name, values in columns.items():
                ranked.setdefault(name, []).append(values)
            if progress is not None:
                progress(len(batch))
        predicted: dict[str, list[np.ndarray]] = {}
        if class_methods:
            whole = EvaluationDataLoader(
                test_dataset, batch_size=batch_size, group_by="date", seed=seed
            )
            for _, batch in whole:
                batch = batch.to(device)
                columns = {"basket_id": batch.basket_ids.cpu().numpy()}
                columns.update(_group_columns(batch, np.arange(len(batch))))
                outputs = _predictions(model, classifiers, batch, tasks)
                for task in tasks:
                    columns[f"{task}_label"] = batch.auxiliary_labels[task].cpu().numpy()
                    for name, values in outputs.items():
                        columns[f"{task}_{name}"] = values[task].cpu().numpy()
                for name, values in columns.items():
                    predicted.setdefault(name, []).append(values)
    return EvaluationResult(
        ranks=_frame(ranked, ["basket_id", *GROUPS, *(f"rank_{m}" for m in rank_methods)]),
        auxiliary=_frame(predicted, ["basket_id", *GROUPS]),
        ranking_methods=rank_methods,
        classifying_methods=class_methods,
        tasks=list(tasks),
        ks=list(ks),
        catalogue_size=vocab_size - FIRST_PRODUCT_ID,
        seed=seed,
    )


def _masked_scores(
    model: Any, rankers: Mapping[str, Ranker], batch: WorldModelBatch
) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    rows, columns = torch.nonzero(batch.masked_positions, as_tuple=True)
    targets = batch.masked_targets[rows, columns]
    scores: dict[str, torch.Tensor] = {}
    if model is not None:
        _, logits, _ = model.masked_product_scores(batch)
        scores[MODEL_NAME] = logits
    for name, ranker in rankers.items():
        scores[name] = ranker(batch)[rows]
    return rows, targets, scores


def _predictions(
    model: Any, classifiers: Mapping[str, Classifier], batch: WorldModelBatch, tasks: Sequence[str]
) -> dict[str, Mapping[str, torch.Tensor]]:
    outputs: dict[str, Mapping[str, torch.Tensor]] = {}
    if model is not None and tasks:
        logits = model(batch).auxiliary_logits
        outputs[MODEL_NAME] = {task: logits[task].argmax(dim=1) for task in tasks}
    for name, classifier in classifiers.items():
        outputs[name] = classifier(batch)
    return outputs


def _frame(columns: dict[str, list[np.ndarray]], first: Sequence[str]) -> pl.DataFrame:
    if not columns:
        return pl.DataFrame({name: [] for name in first})
    data = {name: np.concatenate(parts) for name, parts in columns.items()}
    frame = pl.DataFrame(data)
    order = [c for c in first if c in frame.columns]
    return frame.select([*order, *(c for c in frame.columns if c not in order)])


# --- plots ----------------------------------------------------------------------------------
def plot_breakdown(
    table: pl.DataFrame,
    group_by: str,
    path: Path,
    *,
    ranking_methods: Sequence[str],
    task: str | None = None,
    classifying_methods: Sequence[str] = (),
    metric: str = "recall_at_10",
) -> Path:
    """Line chart of ``metric`` per ``group_by`` value for every ranking method and, with a
    ``task``, its accuracy for every classifying method (a second panel); PNG at ``path``."""
    from matplotlib.figure import Figure

    from benchlab.reports.plots import save_figure

    panels = 2 if task else 1
    fig = Figure(figsize=(10, 3.4 * panels))
    x = table[group_by].to_list()
    series = [(metric, ranking_methods, f"{metric} (masked product)")]
    if task:
        series.append((f"{task}_accuracy", classifying_methods, f"{task} accuracy"))
    for position, (name, methods, title) in enumerate(series, 1):
        ax = fig.add_subplot(panels, 1, position)
        for method in methods:
            column = f"{method}/{name}"
            if column in table.columns:
                ax.plot(x, table[column].to_list(), "-o", markersize=3, label=method)
        ax.set_title(f"{title} per {group_by}")
        ax.set_xlabel(group_by)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if group_by == "date":
        fig.autofmt_xdate()
    fig.tight_layout()
    return save_figure(fig, path)


# --- over seeds -----------------------------------------------------------------------------
def seed_intervals(
    per_seed: pl.DataFrame, confidence: float = 0.95, bounds: tuple[float, float] = (0.0, 1.0)
) -> pl.DataFrame:
    """Mean and Student-t interval over seeds of every ``(method, metric)``.

    ``per_seed`` has one row per ``(seed, method, metric)`` with its ``value``. The result has
    ``method, metric, n_seeds, mean, std, low, high``; with one seed the interval is null.
    Every metric here is a share, so the interval is clipped to ``bounds``.
    """
    from scipy import stats

    grouped = (
        per_seed.drop_nulls("value")
        .filter(pl.col("value").is_not_nan())
        .group_by("method", "metric", maintain_order=True)
        .agg(
            pl.len().alias("n_seeds"),
            pl.col("value").mean().alias("mean"),
            pl.col("value").std().alias("std"),
        )
    )
    n = grouped["n_seeds"].to_numpy()
    t = np.where(n > 1, stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)
    half = pl.Series("half", t * grouped["std"].fill_null(np.nan).to_numpy() / np.sqrt(n))
    low, high = bounds
    return grouped.with_columns(
        (pl.col("mean") - half).clip(low, high).fill_nan(None).alias("low"),
        (pl.col("mean") + half).clip(low, high).fill_nan(None).alias("high"),
    )


def paired_differences(
    per_seed: pl.DataFrame, reference: str = MODEL_NAME, confidence: float = 0.95
) -> pl.DataFrame:
    """``reference`` minus every other method, seed by seed, on each metric both have (the
    same masked products per seed): ``method, metric, n_seeds, mean, low, high, wins`` where
    ``wins`` counts the seeds on which ``reference`` is higher."""
    ours = per_seed.filter(pl.col("method") == reference).select(
        "seed", "metric", pl.col("value").alias("reference")
    )
    paired = (
        per_seed.filter(pl.col("method") != reference)
        .join(ours, on=["seed", "metric"], how="inner")
        .with_columns((pl.col("reference") - pl.col("value")).alias("difference"))
    )
    wins = paired.group_by("method", "metric", maintain_order=True).agg(
        (pl.col("difference") > 0).sum().alias("wins")
    )
    intervals = seed_intervals(
        paired.select("seed", "method", "metric", pl.col("difference").alias("value")),
        confidence,
        bounds=(-1.0, 1.0),
    )
    return intervals.join(wins, on=["method", "metric"], how="left", maintain_order="left")
