"""A basket run from the project root to the records: stages, datasets, baselines, seeds.

:func:`prepare_run` (before the run folder exists) checks the raw input, runs stage 1 and
stage 2 where they are missing or stale, opens the three splits and fits the baselines;
:func:`run_basket` trains and evaluates one world model per seed and writes into the run::

    models/world_model_seed<k>.pt       the best epoch's weights (state dict) per seed
    models/world_model.json             the model's hyperparameters and the vocabulary size
    per_seed_metrics.csv                seed, method, metric, value
    intervals.csv, paired.csv           means and t-intervals over seeds; model − baseline
    breakdown_<date|hour|week>.csv      every method's metrics per group (all seeds pooled)
    training_history.csv                per seed and epoch: train and validation losses
    quick_validation.csv                per seed: the quick validations (step, loss)
    figures/*.png                       breakdown plots and training curves
    logs/                               TensorBoard events and checkpoints per seed
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.basket.evaluation import (
    MODEL_NAME,
    EvaluationResult,
    breakdown,
    evaluate_test,
    paired_differences,
    plot_breakdown,
    seed_intervals,
)
from benchlab.basket.layout import SPLITS, ProjectLayout
from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.logs import get_logger
from benchlab.tasks import RunOutcome

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.basket.baselines import (
        CustomerFrequencyBaseline,
        MajorityClassBaseline,
        PopularityBaseline,
    )
    from benchlab.basket.config import BasketRunConfig
    from benchlab.basket.training import TrainedModel
    from benchlab.runs import RunFolder

log = get_logger("basket.pipeline")

PRIMARY_METRIC = "recall_at_10"
FIGURE_TRAINING = "figures/training_curves.png"


def figure_breakdown(group_by: str) -> str:
    return f"figures/breakdown_{group_by}.png"


# --- stages ---------------------------------------------------------------------------------
def check_raw_input(config: BasketRunConfig) -> ProjectLayout:
    """The project's layout; no transactions file gives one message naming how to get one."""
    layout = ProjectLayout(config.project_root)
    if not (layout.raw_csv.is_file() or layout.raw_parquet.is_file()):
        raise InputError(
            f"{layout.raw_csv}: missing (nor is there {layout.raw_parquet.name}); generate data "
            f"with `benchlab data baskets --out {config.project_root}` or put the dunnhumby "
            "transactions there"
        )
    return layout


def _newest_input(layout: ProjectLayout) -> float:
    return max(p.stat().st_mtime for p in (layout.raw_csv, layout.raw_parquet) if p.is_file())


def stage1_reason(config: BasketRunConfig, layout: ProjectLayout) -> str | None:
    """Why stage 1 must run (``None``: its samples are current)."""
    from benchlab.basket.samples import INFO_FILE, split_ranges

    files = [layout.samples(split) for split in SPLITS]
    info_path = layout.prepared / INFO_FILE
    if not all(p.is_file() for p in [*files, info_path]):
        return "no samples yet"
    import json

    info = json.loads(info_path.read_text())
    expected = {k: list(v) for k, v in split_ranges(config.splits, info["n_weeks"]).items()}
    if {k: list(v) for k, v in info["ranges"].items()} != expected:
        return f"split ranges changed ({info['ranges']} → {expected})"
    if info.get("returns_handling") != config.splits.returns:
        return (
            f"returns handling changed ({info.get('returns_handling')} → {config.splits.returns})"
        )
    if _newest_input(layout) > min(p.stat().st_mtime for p in files):
        return "the transactions are newer than the samples"
    return None


def stage2_reason(config: BasketRunConfig, layout: ProjectLayout) -> str | None:
    """Why stage 2 must run (``None``: the cache was built from these samples and settings)."""
    from benchlab.basket import cache

    vocab = layout.tensor_cache / "vocab.json"
    if not vocab.is_file():
        return "no tensor cache yet"
    return cache.stale_reason(
        config.project_root, config.cache, max_seq_len=config.data.max_seq_len
    )


def ensure_stages(config: BasketRunConfig, *, console: Console | None = None) -> list[str]:
    """Run stage 1 and/or stage 2 where needed; returns what ran and why."""
    layout = check_raw_input(config)
    from benchlab.basket.cache import prepare_tensor_cache
    from benchlab.basket.samples import enhance_temporal_metadata

    ran: list[str] = []
    reason = stage1_reason(config, layout)
    if reason is not None:
        log.info("stage 1 (samples): %s", reason)
        enhance_temporal_metadata(config.project_root, config.splits)
        ran.append(f"stage 1 (samples): {reason}")
    reason = stage2_reason(config, layout)
    if reason is not None:
        log.info("stage 2 (tensor cache): %s", reason)
        prepare_tensor_cache(config.project_root, config.cache, max_seq_len=config.data.max_seq_len)
        ran.append(f"stage 2 (tensor cache): {reason}")
    return ran


# --- datasets and baselines -----------------------------------------------------------------
@dataclass(frozen=True)
class Baselines:
    """The baselines, fitted on the training weeks."""

    popularity: PopularityBaseline
    customer_frequency: CustomerFrequencyBaseline
    majority: MajorityClassBaseline

    def rankers(self) -> dict[str, Any]:
        return {
            self.popularity.name: self.popularity.score,
            self.customer_frequency.name: self.customer_frequency.score,
        }

    def classifiers(self, tasks: list[str]) -> dict[str, Any]:
        return {self.majority.name: self.majority.predict} if tasks else {}


def fit_baselines(train: Any) -> Baselines:
    """Popularity and customer frequency from the training baskets' products, the majority
    class from their labels (``train`` is a ``WorldModelDataset``)."""
    from benchlab.basket.baselines import (
        CustomerFrequencyBaseline,
        MajorityClassBaseline,
        PopularityBaseline,
    )

    items = np.asarray(train.item_product, dtype=np.int64)
    owners = np.repeat(np.asarray(train.customer_idx), np.asarray(train.lengths))
    n_customers = int(train.cache.customer_history_embeddings.shape[0])
    return Baselines(
        popularity=PopularityBaseline.fit(items, train.vocab_size),
        customer_frequency=CustomerFrequencyBaseline.fit(
            owners, items, n_customers=n_customers, vocab_size=train.vocab_size
        ),
        majority=MajorityClassBaseline.fit(train.labels),
    )


@dataclass
class BasketPrepared:
    """What a run trains and evaluates on."""

    root: Path
    train: Any
    validation: Any
    test: Any
    vocab_size: int
    baselines: Baselines
    stages_run: list[str] = field(default_factory=list)
    history: Any = None  # PurchaseHistory of the training weeks (model.purchase_history)

    def sizes(self) -> dict[str, int]:
        return {
            "train": len(self.train),
            "validation": len(self.validation),
            "test": len(self.test),
        }


def prepare_run(config: BasketRunConfig, *, console: Console | None = None) -> BasketPrepared:
    """Stages where needed, the three splits, the baselines: bad input fails here."""
    from benchlab.neural import require_neural

    check_raw_input(config)
    require_neural("lightning")
    from benchlab.basket import TASK
    from benchlab.extras import require_installed

    require_installed(["scipy"], TASK.extra or "neural", what="the basket task's intervals")
    from benchlab.basket.dataset import WorldModelDataset

    stages = ensure_stages(config, console=console)
    datasets = {
        split: WorldModelDataset(
            config.project_root,
            split=split,
            max_seq_len=config.data.max_seq_len,
            mask_prob=config.data.mask_prob,
            enable_auxiliary_tasks=True,
            seed=config.seed,
        )
        for split in SPLITS
    }
    for split, dataset in datasets.items():
        if not int(np.sum(dataset.lengths > 0)):
            raise InputError(
                f"{ProjectLayout(config.project_root).samples(split)}: the {split} split has "
                "no basket with a known product"
            )
    train = datasets["train"]
    from benchlab.basket.training import purchase_history

    return BasketPrepared(
        root=config.project_root.resolve(),
        train=train,
        validation=datasets["validation"],
        test=datasets["test"],
        vocab_size=train.vocab_size,
        baselines=fit_baselines(train),
        stages_run=stages,
        history=purchase_history(train) if config.model.purchase_history else None,
    )


# --- the run --------------------------------------------------------------------------------
@dataclass
class BasketDetails:
    """The run's own results (``RunOutcome.details``) for its report."""

    seeds: list[int]
    sizes: dict[str, int]
    catalogue_size: int
    per_seed: pl.DataFrame
    intervals: pl.DataFrame
    paired: pl.DataFrame
    breakdowns: dict[str, pl.DataFrame]
    training: list[dict[str, Any]]
    history: pl.DataFrame
    stages_run: list[str]
    tasks: list[str]
    ks: list[int]
    device: str
    figures: dict[str, str] = field(default_factory=dict)


def evaluation_ks(config: BasketRunConfig) -> list[int]:
    """``evaluation.k`` with 10 always in (the primary metric is ``recall_at_10``)."""
    return sorted({*config.evaluation.k, 10})


def run_basket(
    config: BasketRunConfig,
    prepared: BasketPrepared,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> RunOutcome:
    """Train and evaluate one world model per seed; records hold the means over seeds."""
    import torch

    from benchlab.basket.training import enabled_auxiliary_weights, train_world_model
    from benchlab.neural import torch_session

    seeds = list(config.evaluation.seeds or [config.seed])
    tasks = list(enabled_auxiliary_weights(config))
    ks = evaluation_ks(config)
    baselines = prepared.baselines
    rows: list[dict[str, Any]] = []
    results: list[EvaluationResult] = []
    training: list[dict[str, Any]] = []
    histories: list[pl.DataFrame] = []
    quick: list[pl.DataFrame] = []
    device = "cpu"
    for seed in seeds:
        trained = train_world_model(
            config,
            prepared.train,
            prepared.validation,
            vocab_size=prepared.vocab_size,
            seed=seed,
            history=prepared.history,
            log_dir=run.directory("logs"),
            progress=progress,
        )
        device = str(trained.model.device)
        torch.save(trained.model.state_dict(), run.file(f"models/{MODEL_NAME}_seed{seed}.pt"))
        started = time.perf_counter()
        with torch_session(n_threads=config.training.num_threads):
            result = evaluate_test(
                trained.model,
                prepared.test,
                rankers=baselines.rankers(),
                classifiers=baselines.classifiers(tasks),
                tasks=tasks,
                vocab_size=prepared.vocab_size,
                ks=ks,
                batch_size=config.evaluation.batch_size,
                seed=seed,
            )
        eval_seconds = time.perf_counter() - started
        results.append(result)
        for method in result.methods:
            for metric, value in result.metrics(method).items():
                rows.append({"seed": seed, "method": method, "metric": metric, "value": value})
        training.append(_training_row(trained, eval_seconds))
        histories.append(trained.history.with_columns(pl.lit(seed).alias("seed")))
        quick.append(trained.quick_validation.with_columns(pl.lit(seed).alias("seed")))
        log.info("seed %d: %s", seed, _headline(rows, seed))
    run.write_json(f"models/{MODEL_NAME}.json", _model_info(config, prepared, seeds))
    per_seed = pl.DataFrame(rows)
    per_seed.write_csv(run.file("per_seed_metrics.csv"))
    intervals = seed_intervals(per_seed)
    intervals.write_csv(run.file("intervals.csv"))
    paired = paired_differences(per_seed)
    paired.write_csv(run.file("paired.csv"))
    history = pl.concat(histories, how="diagonal_relaxed")
    history.write_csv(run.file("training_history.csv"))
    quick_frame = pl.concat(quick, how="diagonal_relaxed")
    quick_frame.write_csv(run.file("quick_validation.csv"))

    pooled = pool_results(results)
    figures: dict[str, str] = {}
    breakdowns: dict[str, pl.DataFrame] = {}
    for group_by in config.evaluation.group_by:
        table = breakdown(pooled, group_by)
        breakdowns[group_by] = table
        table.write_csv(run.file(f"breakdown_{group_by}.csv"))
        plot_breakdown(
            table,
            group_by,
            run.file(figure_breakdown(group_by)),
            ranking_methods=pooled.ranking_methods,
            task=tasks[0] if tasks else None,
            classifying_methods=pooled.classifying_methods,
        )
        figures[f"Breakdown per {group_by} (test weeks, all seeds pooled)"] = figure_breakdown(
            group_by
        )
    from benchlab.basket.report import plot_training_curves

    plot_training_curves(history, quick_frame, run.file(FIGURE_TRAINING))
    figures["Training curves: full validation per epoch, quick validation every N steps"] = (
        FIGURE_TRAINING
    )

    records = _records(intervals, training, seeds)
    board = Leaderboard(
        PRIMARY_METRIC,
        greater_is_better=True,
        lower_is_better={m: False for m in per_seed["metric"].unique().to_list()},
        preferred_metrics=[f"recall_at_{k}" for k in ks] + ["ndcg_at_10"],
    )
    for record in records:
        board.add(record)
    details = BasketDetails(
        seeds=seeds,
        sizes=prepared.sizes(),
        catalogue_size=prepared.vocab_size - 3,
        per_seed=per_seed,
        intervals=intervals,
        paired=paired,
        breakdowns=breakdowns,
        training=training,
        history=history,
        stages_run=prepared.stages_run,
        tasks=tasks,
        ks=ks,
        device=device,
        figures=figures,
    )
    return RunOutcome(
        records=records,
        leaderboard=board.frame(),
        primary_metric=PRIMARY_METRIC,
        details=details,
        files={f"model_seed{s}": run.path / f"models/{MODEL_NAME}_seed{s}.pt" for s in seeds},
    )


def pool_results(results: list[EvaluationResult]) -> EvaluationResult:
    """Every seed's per-basket outcomes in one result (for breakdowns over all seeds)."""
    first = results[0]
    return EvaluationResult(
        ranks=pl.concat([r.ranks for r in results], how="vertical_relaxed"),
        auxiliary=pl.concat([r.auxiliary for r in results], how="vertical_relaxed"),
        ranking_methods=first.ranking_methods,
        classifying_methods=first.classifying_methods,
        tasks=first.tasks,
        ks=first.ks,
        catalogue_size=first.catalogue_size,
        seed=first.seed,
    )


def _training_row(trained: TrainedModel, eval_seconds: float) -> dict[str, Any]:
    return {
        "seed": trained.seed,
        "epochs": trained.fit.epochs_trained,
        "best_epoch": trained.best_epoch,
        "best_val_loss": trained.fit.best_score,
        "train_seconds": trained.train_seconds,
        "eval_seconds": eval_seconds,
        "quick_validations": trained.quick_validation.height,
    }


def _headline(rows: list[dict[str, Any]], seed: int) -> str:
    wanted = [
        r
        for r in rows
        if r["seed"] == seed and r["metric"] == PRIMARY_METRIC and r["value"] is not None
    ]
    return ", ".join(f"{r['method']} {PRIMARY_METRIC} {r['value']:.4f}" for r in wanted)


def _records(
    intervals: pl.DataFrame, training: list[dict[str, Any]], seeds: list[int]
) -> list[ExperimentRecord]:
    records = []
    for method in intervals["method"].unique(maintain_order=True).to_list():
        part = intervals.filter(pl.col("method") == method)
        metrics = dict(zip(part["metric"].to_list(), part["mean"].to_list(), strict=True))
        info: dict[str, Any] = {"seeds": len(seeds)}
        if method == MODEL_NAME:
            info["epochs"] = float(np.mean([t["epochs"] for t in training]))
            info["train_seconds"] = float(np.mean([t["train_seconds"] for t in training]))
        records.append(ExperimentRecord(method, metrics, info=info))
    return records


def _model_info(
    config: BasketRunConfig, prepared: BasketPrepared, seeds: list[int]
) -> dict[str, Any]:
    from benchlab.basket.training import hyperparameters

    return {
        "vocab_size": prepared.vocab_size,
        "seeds": seeds,
        "project_root": str(prepared.root),
        "hyperparameters": hyperparameters(config, seeds[0]),
    }
