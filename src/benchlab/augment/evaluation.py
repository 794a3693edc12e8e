"""Does the GAN's data help a forecaster? ``stage: evaluate`` (``benchlab augment evaluate``).

:func:`prepare_evaluation` checks, before any run folder exists, the train-gan run
(``evaluation.gan_run``: its ``gan.json``, a generator weight file of this model, the same
processed panel, history window and horizon as the config) and builds the real windows.
:func:`run_evaluation` then, inside the evaluation's own run folder:

1. generates ``generation.samples_per_real`` synthetic windows per real training window, and one
   per real validation window (``synthetic/train.parquet``, ``synthetic/val.parquet``, see
   :func:`benchlab.augment.generation.generate`); with ``evaluation.synthetic_path`` the
   training windows are read from that ``benchlab augment generate`` file instead, checked
   against the panel in :func:`prepare_evaluation` (:mod:`benchlab.augment.synthetic_file`);
2. for every seed of ``evaluation.seeds`` trains the seed's LSTM forecaster three times
   (:mod:`benchlab.augment.forecaster`): ``real_only`` (real training windows), ``augmented``
   (real + synthetic, :class:`~benchlab.augment.data.datasets.AugmentedSalesDataset`), both early
   stopping on the real validation windows, and ``tstr`` (train on synthetic, test on real:
   synthetic training windows, early stopping on the synthetic validation windows so no real
   target is seen before the test), all scored on the real test windows. Quick mode
   (``quick_run.enabled``) caps the epochs at ``quick_run.max_epochs`` and gives every variant
   the same number of training batches per epoch: ``quick_run.limit_train_batches`` of the
   real-only variant's (the same gradient steps, drawn from each variant's own windows);
3. compares the variants (:mod:`benchlab.augment.comparison`: intervals over seeds and test
   windows, paired bootstrap over seeds, Diebold–Mariano over windows, relative improvement) and
   checks the synthetic windows (:mod:`benchlab.augment.fidelity`: discriminative score,
   marginal distances, lagged autocorrelation);
4. writes ``per_seed.csv``, ``evaluation.json`` and the figures; one leaderboard row per variant
   ranked by test MAE in units sold (lower is better). With ``evaluation.forecast_period``
   every forecaster also forecasts that period (``forecast_period.parquet``, see
   :mod:`benchlab.augment.period`; ``RunOutcome.files["forecast_period"]``).

When ``evaluation.gan_run`` is unset, the GAN run is the one recorded in
``evaluation.synthetic_path``'s metadata; without that file :func:`resolve_gan_run` first trains
a GAN with the same config (its own train-gan run folder) and evaluates that one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.logs import get_logger
from benchlab.tasks import RunOutcome

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.augment.comparison import MetricSummary, PairedComparison
    from benchlab.augment.config import AugmentRunConfig
    from benchlab.augment.data.scaling import Scalers
    from benchlab.augment.data.windows import WindowArrays
    from benchlab.augment.fidelity import DiscriminativeScore, MarginalDistances
    from benchlab.augment.period import PeriodInputs
    from benchlab.augment.synthetic_file import SyntheticFile
    from benchlab.runs import RunFolder

log = get_logger("augment.evaluation")

PRIMARY_METRIC = "test_mae"
BASELINE = "real_only"
#: Variant → what its forecaster is trained on.
VARIANTS: dict[str, str] = {
    "real_only": "real",
    "augmented": "real + synthetic",
    "tstr": "synthetic",
}
SCALES = ("units", "scaled")
EVALUATION_FILE = "evaluation.json"
PER_SEED_FILE = "per_seed.csv"
SYNTHETIC_TRAIN = "synthetic/train.parquet"
SYNTHETIC_VAL = "synthetic/val.parquet"
FIGURE_SEQUENCES = "figures/real_vs_synthetic.png"
FIGURE_DISTRIBUTIONS = "figures/distributions.png"
FIGURE_SEEDS = "figures/test_mae_per_seed.png"
FIGURE_WINDOWS = 4
PERIOD_FILE_KEY = "forecast_period"


@dataclass
class EvaluationPrepared:
    """What :func:`prepare_evaluation` checked: the real windows, scalers, the GAN run, the
    real training windows at the GAN's stride (``paired_train``, what synthetic windows pair
    with), the synthetic file when one is given and the forecast period's inputs."""

    datamodule: Any  # SalesDataModule, set up
    scalers: Scalers
    gan_run: Path
    gan_info: dict[str, Any]
    paired_train: WindowArrays
    samples_per_real: int
    synthetic: SyntheticFile | None = None
    period: PeriodInputs | None = None


@dataclass
class Fidelity:
    """The synthetic training windows against the real ones they were conditioned on."""

    discriminative: DiscriminativeScore
    marginal_scaled: MarginalDistances
    marginal_units: MarginalDistances
    lags: tuple[int, ...]
    acf_real: np.ndarray
    acf_synthetic: np.ndarray


@dataclass
class EvaluationDetails:
    """The evaluation's own results, for its report and summary (``RunOutcome.details``)."""

    gan_run: Path
    seeds: list[int]
    samples_per_real: int
    windows: dict[str, int]  # real train/val/test and synthetic train/val
    per_seed: pl.DataFrame
    summaries: dict[str, dict[str, dict[str, MetricSummary]]]  # scale → variant → metric
    comparisons: dict[str, dict[str, PairedComparison]]  # scale → variant → vs real_only
    fidelity: Fidelity
    verdict: str
    figures: dict[str, str] = field(default_factory=dict)  # caption → run-relative path
    synthetic_path: Path | None = None  # evaluation.synthetic_path, when the windows came from it
    synthetic_sha256: str | None = None
    forecast_period: pl.DataFrame | None = None  # forecast_period.parquet's rows


def evaluation_epochs(config: AugmentRunConfig) -> int:
    """The forecaster's epochs: quick mode caps them at ``quick_run.max_epochs``."""
    epochs = config.evaluation.forecaster.max_epochs
    return min(epochs, config.quick_run.max_epochs) if config.quick_run.enabled else epochs


def resolve_gan_run(
    config: AugmentRunConfig, *, progress: bool = False, console: Console | None = None
) -> AugmentRunConfig:
    """``config`` itself when ``evaluation.gan_run`` is set; otherwise train a GAN with the same
    config (``stage: train_gan``, its own run folder) and return ``config`` pointing at it."""
    if config.evaluation.gan_run is not None:
        return config
    from benchlab.runner import run_task

    log.info("evaluation.gan_run is not set: training a GAN first")
    summary = run_task(
        config.model_copy(update={"stage": "train_gan"}), progress=progress, console=console
    )
    evaluation = config.evaluation.model_copy(update={"gan_run": summary.run_dir})
    return config.model_copy(update={"evaluation": evaluation})


def check_gan_run(config: AugmentRunConfig, gan_run: Path) -> dict[str, Any]:
    """The GAN run's ``gan.json``, after checking it is a train-gan run whose generator is this
    model's and whose windows are the config's."""
    from benchlab.augment.generation import GENERATOR_FILE, read_run_info
    from benchlab.augment.models.weights import load_generator

    if not Path(gan_run).is_dir():
        raise InputError(
            f"evaluation.gan_run {gan_run} does not exist: point it at a `benchlab augment "
            "train-gan` run folder, or leave it unset to train one first"
        )
    info = read_run_info(gan_run)
    load_generator(gan_run / GENERATOR_FILE)
    data = config.data
    for key, mine, theirs in (
        ("data.history_window", data.history_window, info.get("history_window")),
        ("data.forecast_horizon", data.forecast_horizon, info.get("horizon")),
    ):
        if mine != theirs:
            raise InputError(
                f"evaluation.gan_run {gan_run} was trained with {key}={theirs}; this config "
                f"has {key}={mine}"
            )
    theirs_dir = Path(str(info.get("processed_dir"))).resolve()
    if theirs_dir != data.processed_dir.resolve():
        raise InputError(
            f"evaluation.gan_run {gan_run} was trained on {theirs_dir}; this config's "
            f"data.processed_dir is {data.processed_dir.resolve()}"
        )
    return info


def prepare_evaluation(config: AugmentRunConfig, *, console: Console) -> EvaluationPrepared:
    """Check the GAN run (the synthetic file's, or one trained first when none is given), the
    synthetic file and the forecast period, and build the real windows; bad input raises
    :class:`~benchlab.errors.InputError` before the run folder exists."""
    from benchlab.augment.data.windows import make_windows
    from benchlab.augment.period import period_inputs
    from benchlab.augment.synthetic_file import generating_run, read_synthetic_file
    from benchlab.augment.training import prepare_gan
    from benchlab.data.validation import source_name

    evaluation = config.evaluation
    written_by = None
    if evaluation.synthetic_path is not None:
        written_by = generating_run(evaluation.synthetic_path)
        if evaluation.gan_run is None and written_by is None:
            raise InputError(
                f"{source_name(evaluation.synthetic_path)}: its metadata names no GAN run; set "
                "evaluation.gan_run to the train-gan run that generated it"
            )
        if evaluation.gan_run is None:
            config = config.model_copy(
                update={"evaluation": evaluation.model_copy(update={"gan_run": written_by})}
            )
    if config.evaluation.gan_run is None:
        prepare_gan(config, console=console)  # bad data fails before a GAN is trained
        config = resolve_gan_run(config, console=console)
    gan_run = Path(config.evaluation.gan_run)  # type: ignore[arg-type]
    info = check_gan_run(config, gan_run)
    if written_by is not None and written_by.resolve() != gan_run.resolve():
        raise InputError(
            f"{source_name(evaluation.synthetic_path)} was generated by {written_by}; "
            f"evaluation.gan_run is {gan_run}"
        )
    gan = prepare_gan(config, console=console)
    panel = source_name(config.data.panel_path)
    paired = make_windows(
        gan.datamodule.panel,
        history=info["history_window"],
        horizon=info["horizon"],
        stride=info["stride"],
        split="train",
        source=panel,
    )
    samples = config.generation.samples_per_real
    synthetic = None
    if evaluation.synthetic_path is not None:
        explicit = "samples_per_real" in config.generation.model_fields_set
        synthetic = read_synthetic_file(
            evaluation.synthetic_path,
            paired,
            panel=panel,
            samples_per_real=samples if explicit else None,
        )
        samples = synthetic.samples_per_real
    period = None
    if evaluation.forecast_period is not None:
        period = period_inputs(
            gan.datamodule.panel,
            evaluation.forecast_period,
            history=config.data.history_window,
            horizon=config.data.forecast_horizon,
            source=panel,
        )
    return EvaluationPrepared(
        gan.datamodule, gan.scalers, gan_run.resolve(), info, paired, samples, synthetic, period
    )


def run_evaluation(
    config: AugmentRunConfig,
    prepared: EvaluationPrepared,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> RunOutcome:
    """Generate, train every variant for every seed, compare, check, write (see the module)."""
    from benchlab.augment import comparison
    from benchlab.augment.generation import generate, load_synthetic
    from benchlab.augment.period import PERIOD_FILE, period_frame

    evaluation = config.evaluation
    samples = prepared.samples_per_real
    real: dict[str, WindowArrays] = prepared.datamodule.windows
    if prepared.synthetic is not None:
        synthetic = prepared.synthetic.windows
        log.info("synthetic training windows read from %s", prepared.synthetic.path)
    else:
        synthetic = load_synthetic(
            generate(
                prepared.gan_run,
                samples_per_real=samples,
                out=run.file(SYNTHETIC_TRAIN),
                split="train",
                seed=config.seed,
            )
        )
    synthetic_val = load_synthetic(
        generate(
            prepared.gan_run,
            samples_per_real=1,
            out=run.file(SYNTHETIC_VAL),
            split="val",
            seed=config.seed + 1,
        )
    )
    log.info(
        "%d synthetic training windows (%d per real one), %d synthetic validation windows",
        len(synthetic),
        samples,
        len(synthetic_val),
    )
    test = real["test"]
    fits, predictions, period_forecasts = _train_variants(
        config,
        real,
        synthetic,
        synthetic_val,
        run,
        period=prepared.period,
        progress=progress,
        console=console,
    )
    truth_units = _units(test.target, test, prepared.scalers)
    scaled_errors = {v: p - test.target.astype(np.float64) for v, p in predictions.items()}
    unit_errors = {
        v: np.stack([_units(one, test, prepared.scalers) for one in p]) - truth_units
        for v, p in predictions.items()
    }
    options = {"n_resamples": evaluation.bootstrap_resamples, "seed": config.seed}
    by_scale = {"units": unit_errors, "scaled": scaled_errors}
    summaries = {
        scale: {v: comparison.summarise(e, **options) for v, e in errs.items()}
        for scale, errs in by_scale.items()
    }
    comparisons = {
        scale: {
            v: comparison.compare(e, errs[BASELINE], variant=v, baseline=BASELINE, **options)
            for v, e in errs.items()
            if v != BASELINE
        }
        for scale, errs in by_scale.items()
    }
    paired = _paired_real(prepared, synthetic, samples)
    fidelity = check_fidelity(paired, synthetic, prepared.scalers, seed=config.seed)
    per_seed = _per_seed_frame(config, fits, summaries)
    per_seed.write_csv(run.file(PER_SEED_FILE))
    files = {"evaluation": run.path / EVALUATION_FILE}
    period = None
    if prepared.period is not None:
        period = period_frame(prepared.period, period_forecasts, prepared.scalers)
        files[PERIOD_FILE_KEY] = run.write_parquet(PERIOD_FILE, period)
    figures = _figures(config, paired, synthetic, samples, fidelity, summaries, run, prepared)
    details = EvaluationDetails(
        gan_run=prepared.gan_run,
        seeds=list(evaluation.seeds),
        samples_per_real=samples,
        windows={
            **{f"real_{split}": len(w) for split, w in real.items()},
            "synthetic_train": len(synthetic),
            "synthetic_val": len(synthetic_val),
        },
        per_seed=per_seed,
        summaries=summaries,
        comparisons=comparisons,
        fidelity=fidelity,
        verdict=comparison.verdict(comparisons["units"]["augmented"]),
        figures=figures,
        synthetic_path=None if prepared.synthetic is None else prepared.synthetic.path,
        synthetic_sha256=None if prepared.synthetic is None else prepared.synthetic.sha256,
        forecast_period=period,
    )
    run.write_json(EVALUATION_FILE, evaluation_json(details))
    board = Leaderboard(PRIMARY_METRIC, greater_is_better=False)
    records = [_record(variant, details) for variant in VARIANTS]
    for record in records:
        board.add(record)
    log.info(details.verdict)
    return RunOutcome(
        records=records,
        leaderboard=board.frame(),
        primary_metric=PRIMARY_METRIC,
        details=details,
        files=files,
    )


@dataclass(frozen=True)
class _Fit:
    variant: str
    seed: int
    epochs: int
    best_epoch: int | None
    train_windows: int
    seconds: float


def _train_variants(
    config: AugmentRunConfig,
    real: dict[str, WindowArrays],
    synthetic: WindowArrays,
    synthetic_val: WindowArrays,
    run: RunFolder,
    *,
    period: PeriodInputs | None,
    progress: bool,
    console: Console,
) -> tuple[list[_Fit], dict[str, np.ndarray], list[tuple[str, int, np.ndarray, float]]]:
    """Every (seed, variant) forecaster: its fit, per variant the test forecasts (scaled)
    ``[seeds, windows, horizon]``, and with ``period`` each one's forecasts of it (scaled
    ``[products, days]``) with the seconds they took."""
    from rich.progress import Progress

    from benchlab.augment.data.datasets import AugmentedSalesDataset, SalesDataset
    from benchlab.augment.forecaster import LSTMForecaster, fit_forecaster, predict
    from benchlab.augment.period import roll_forecast
    from benchlab.augment.training import limited_batches
    from benchlab.neural import TrainerSettings, torch_session

    forecaster = config.evaluation.forecaster
    data = {
        "real_only": (SalesDataset(real["train"]), SalesDataset(real["val"])),
        "augmented": (AugmentedSalesDataset(real["train"], synthetic), SalesDataset(real["val"])),
        "tstr": (SalesDataset(synthetic), SalesDataset(synthetic_val)),
    }
    test = real["test"]
    real_batches = -(-len(real["train"]) // forecaster.batch_size)
    quick_batches = limited_batches(config.quick_run.limit_train_batches, real_batches)
    fits: list[_Fit] = []
    forecasts: dict[str, list[np.ndarray]] = {v: [] for v in VARIANTS}
    period_forecasts: list[tuple[str, int, np.ndarray, float]] = []
    seeds = config.evaluation.seeds
    with Progress(console=console, disable=not progress, transient=True) as bar:
        task = bar.add_task("forecasters", total=len(seeds) * len(VARIANTS))
        for seed in seeds:
            for variant, (train, val) in data.items():
                options: dict[str, Any] = {}
                if config.quick_run.enabled:
                    options["limit_train_batches"] = quick_batches
                settings = TrainerSettings(
                    max_epochs=evaluation_epochs(config),
                    accelerator=config.training.accelerator,
                    devices=config.training.devices,
                    monitor="val_loss",
                    patience=forecaster.patience,
                    log_dir=run.directory("logs"),
                    name=f"lstm_{variant}_seed{seed}",
                    hparams={**forecaster.model_dump(), "variant": variant, "seed": seed},
                    trainer_kwargs=options,
                )
                started, rolled_seconds = time.perf_counter(), 0.0
                with torch_session(n_threads=config.training.num_threads, seed=seed):
                    module = LSTMForecaster(
                        history_window=config.data.history_window,
                        horizon=config.data.forecast_horizon,
                        temporal_dim=config.model.temporal_dim,
                        review_dim=config.model.review_dim,
                        hidden_size=forecaster.hidden_size,
                        num_layers=forecaster.num_layers,
                        dropout=forecaster.dropout,
                        learning_rate=forecaster.learning_rate,
                    )
                    fit = fit_forecaster(
                        module, train, val, settings, batch_size=forecaster.batch_size, seed=seed
                    )
                    prediction = predict(module, test)
                    if period is not None:
                        rolled_at = time.perf_counter()
                        rolled = roll_forecast(module, period)
                        rolled_seconds = time.perf_counter() - rolled_at
                        period_forecasts.append((variant, seed, rolled, rolled_seconds))
                seconds = time.perf_counter() - started - rolled_seconds
                forecasts[variant].append(prediction.astype(np.float64))
                fits.append(
                    _Fit(variant, seed, fit.epochs_trained, fit.best_epoch, len(train), seconds)
                )
                log.info(
                    "%s seed %d: %d epochs, %.1f s, test MAE (scaled) %.4g",
                    variant,
                    seed,
                    fit.epochs_trained,
                    seconds,
                    float(np.abs(prediction - test.target).mean()),
                )
                bar.advance(task)
    stacked = {variant: np.stack(found) for variant, found in forecasts.items()}
    return fits, stacked, period_forecasts


def _units(values: np.ndarray, windows: WindowArrays, scalers: Scalers) -> np.ndarray:
    from benchlab.augment.data.scaling import to_original_scale

    return to_original_scale(np.asarray(values, dtype=np.float64), windows.product_ids, scalers)


def _paired_real(
    prepared: EvaluationPrepared, synthetic: WindowArrays, samples: int
) -> WindowArrays:
    """The real training windows the synthetic ones were generated from (the GAN run's
    stride), in the order of each sample block."""
    real = prepared.paired_train
    first = synthetic.take(np.arange(len(real))) if len(synthetic) == samples * len(real) else None
    if (
        first is None
        or not np.array_equal(first.product_ids, real.product_ids)
        or not np.array_equal(first.start_dates, real.start_dates)
    ):
        raise InputError(
            f"the synthetic windows of {prepared.gan_run} do not pair with the real training "
            "windows (was the panel preprocessed again after the GAN was trained?)"
        )
    return real


def check_fidelity(
    real: WindowArrays, synthetic: WindowArrays, scalers: Scalers, *, seed: int
) -> Fidelity:
    """Discriminative score (first synthetic sample of each real window), marginal distances
    and lagged autocorrelation (every synthetic sample) of the synthetic training windows."""
    from benchlab.augment.fidelity import (
        LAGS,
        discriminative_score,
        lagged_autocorrelation,
        marginal_distances,
    )

    first = synthetic.take(np.arange(len(real)))
    lags = tuple(lag for lag in LAGS if lag <= real.history_window)
    return Fidelity(
        discriminative=discriminative_score(
            real.history, real.target, first.target, groups=real.product_ids, seed=seed
        ),
        marginal_scaled=marginal_distances(real.target, synthetic.target),
        marginal_units=marginal_distances(
            _units(real.target, real, scalers), _units(synthetic.target, synthetic, scalers)
        ),
        lags=lags,
        acf_real=lagged_autocorrelation(real.history, real.target, lags),
        acf_synthetic=lagged_autocorrelation(synthetic.history, synthetic.target, lags),
    )


def _per_seed_frame(
    config: AugmentRunConfig,
    fits: list[_Fit],
    summaries: dict[str, dict[str, dict[str, MetricSummary]]],
) -> pl.DataFrame:
    index = {seed: i for i, seed in enumerate(config.evaluation.seeds)}
    rows = []
    for fit in fits:
        i = index[fit.seed]
        units, scaled = summaries["units"][fit.variant], summaries["scaled"][fit.variant]
        rows.append(
            {
                "variant": fit.variant,
                "seed": fit.seed,
                "test_mae": units["mae"].per_seed[i],
                "test_rmse": units["rmse"].per_seed[i],
                "test_mae_scaled": scaled["mae"].per_seed[i],
                "test_rmse_scaled": scaled["rmse"].per_seed[i],
                "epochs": fit.epochs,
                "best_epoch": None if fit.best_epoch is None else fit.best_epoch + 1,
                "train_windows": fit.train_windows,
                "train_seconds": fit.seconds,
            }
        )
    return pl.DataFrame(rows).sort("variant", "seed")


def _record(variant: str, details: EvaluationDetails) -> ExperimentRecord:
    units, scaled = details.summaries["units"][variant], details.summaries["scaled"][variant]
    runs = details.per_seed.filter(pl.col("variant") == variant)
    info: dict[str, Any] = {
        "seeds": len(details.seeds),
        "mae_ci_low": units["mae"].windows_ci.low,
        "mae_ci_high": units["mae"].windows_ci.high,
        "improvement": None,
        "train_windows": int(runs["train_windows"][0]),
        "mean_epochs": float(runs["epochs"].mean()),  # type: ignore[arg-type]
        "train_seconds": float(runs["train_seconds"].sum()),
    }
    if variant != BASELINE:
        info["improvement"] = details.comparisons["units"][variant].improvement
    return ExperimentRecord(
        variant,
        metrics={
            PRIMARY_METRIC: units["mae"].mean,
            "test_rmse": units["rmse"].mean,
            "test_mae_scaled": scaled["mae"].mean,
            "test_rmse_scaled": scaled["rmse"].mean,
        },
        keys={"trained_on": VARIANTS[variant]},
        info=info,
    )


def _figures(
    config: AugmentRunConfig,
    real: WindowArrays,
    synthetic: WindowArrays,
    samples: int,
    fidelity: Fidelity,
    summaries: dict[str, dict[str, dict[str, MetricSummary]]],
    run: RunFolder,
    prepared: EvaluationPrepared,
) -> dict[str, str]:
    from benchlab.augment.evaluation_report import plot_distributions, plot_seed_errors
    from benchlab.augment.report import SequenceSamples, plot_real_vs_generated

    chosen = _showcase(real)
    picked = real.take(chosen)
    generated = synthetic.target.reshape(samples, len(real), -1)[:, chosen]  # [K, n, F]
    scalers = prepared.scalers
    sequences = SequenceSamples(
        product_ids=[str(p) for p in picked.product_ids],
        start_dates=[str(d) for d in picked.start_dates],
        history=_units(picked.history, picked, scalers),
        target=_units(picked.target, picked, scalers),
        generated=np.stack([_units(g, picked, scalers) for g in generated], axis=1),
    )
    plot_real_vs_generated(sequences, run.file(FIGURE_SEQUENCES))
    plot_distributions(real.target, synthetic.target, fidelity, run.file(FIGURE_DISTRIBUTIONS))
    plot_seed_errors(summaries["units"], run.file(FIGURE_SEEDS))
    return {
        "Real and synthetic training sequences for the same conditions (units sold)": (
            FIGURE_SEQUENCES
        ),
        "Target values (scaled) and lagged autocorrelation, real against synthetic": (
            FIGURE_DISTRIBUTIONS
        ),
        "Test MAE per seed and variant, with the 95% interval over test windows": FIGURE_SEEDS,
    }


def _showcase(windows: WindowArrays) -> np.ndarray:
    """A few windows of different products: those selling most in their target days."""
    totals = pl.DataFrame(
        {"row": np.arange(len(windows)), "product": windows.product_ids}
    ).with_columns(pl.Series("total", windows.target.sum(axis=1)))
    return (
        totals.sort(["total", "row"], descending=[True, False])
        .unique("product", keep="first", maintain_order=True)
        .head(FIGURE_WINDOWS)["row"]
        .to_numpy()
    )


def evaluation_json(details: EvaluationDetails) -> dict[str, Any]:
    """Everything the evaluation found, as plain data (``evaluation.json``, ``--json``)."""
    from benchlab.augment import comparison, fidelity

    found = details.fidelity
    return {
        "gan_run": str(details.gan_run),
        "synthetic_path": None if details.synthetic_path is None else str(details.synthetic_path),
        "synthetic_sha256": details.synthetic_sha256,
        "seeds": details.seeds,
        "samples_per_real": details.samples_per_real,
        "windows": details.windows,
        "verdict": details.verdict,
        "helps": details.comparisons["units"]["augmented"].helps,
        "summaries": {
            scale: {v: comparison.as_json(s) for v, s in by_variant.items()}
            for scale, by_variant in details.summaries.items()
        },
        "comparisons": {
            scale: {v: comparison.as_json(c) for v, c in by_variant.items()}
            for scale, by_variant in details.comparisons.items()
        },
        "fidelity": {
            "discriminative": fidelity.as_json(found.discriminative),
            "marginal_scaled": fidelity.as_json(found.marginal_scaled),
            "marginal_units": fidelity.as_json(found.marginal_units),
            "autocorrelation": {
                "lags": list(found.lags),
                "real": found.acf_real.tolist(),
                "synthetic": found.acf_synthetic.tolist(),
            },
        },
        "per_seed": details.per_seed.to_dicts(),
    }
