"""A forecast run's ``augmentation:`` block: seed 001's question asked inside a forecast
benchmark. Does a GAN's synthetic data help the LSTM forecaster?

The forecast data must be the GAN's preprocessed Olist panel (``data.panel_path``:
``<processed>/product_daily_panel.parquet``, ``id_columns: [product_id]``, ``target_column:
units``, daily). Besides its own models, the forecast run then runs the ``augment`` task's
evaluation (``stage: evaluate``). That task comes from the engine's registry
(:func:`benchlab.tasks.get_task`) and is driven through the ``Task`` contract (``config_class``,
``prepare``, ``run``, ``report_sections``, ``print_summary``), so this package imports nothing of
``benchlab.augment``. The evaluation goes into ``augmentation/`` of the forecast run folder, with
its own ``report.md``, and its ``evaluation.forecast_period`` set to the forecast test period.
Its forecasters are checked there before anything is written: the period must start on or after
the panel's first test day, so they were never trained or stopped early on it. Then:

* one leaderboard row per variant of ``augmentation.variants`` (``lstm_real_only``,
  ``lstm_augmented``; ``tstr`` on request), strategy ``combined`` (one global model): the mean
  of the seeds' forecasts of the test period (from ``augmentation/forecast_period.parquet``),
  scored as every other model is (clipped at 0 when the target is never negative, the
  forecast metrics, M5 levels); the per-seed spread is in the augmentation sections;
* the report gains the augmentation's sections (verdict, test errors with bootstrap intervals
  over seeds and windows, paired tests, TSTR, synthetic-data checks, figures), headed
  "Augmentation: …".
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from benchlab.errors import InputError
from benchlab.forecast.results import ExperimentResult, ModelingStrategy
from benchlab.forecast.schema import DATE, TARGET, Y_PRED, Y_TRUE
from benchlab.logs import get_logger
from benchlab.reports.markdown import Section, write_sections
from benchlab.runs import RunFolder

if TYPE_CHECKING:
    from rich.console import Console

    from benchlab.forecast.config import ForecastRunConfig
    from benchlab.forecast.data.splits import TemporalSplit
    from benchlab.forecast.pipeline import BenchmarkPipeline
    from benchlab.tasks import RunOutcome, Task

log = get_logger("forecast.augmentation")

TASK = "augment"
FOLDER = "augmentation"
#: ``RunOutcome.files`` key and columns of the augment evaluation's period forecasts.
PERIOD_FILE_KEY = "forecast_period"
PERIOD_COLUMNS = ("variant", "seed", "product_id", "date", "y_pred", "predict_seconds")
MODEL_TYPE = "augment_lstm"
_IMAGE = re.compile(r"(!\[(?:[^\]\\]|\\.)*\]\()([^)]+)\)")


@dataclass
class PreparedAugmentation:
    """The augment task, its validated config and what its ``prepare`` returned."""

    task: Task
    config: Any
    prepared: Any


@dataclass
class AugmentationRun:
    """What the augmentation added to a forecast run (``ForecastRun.augmentation``)."""

    task: Task
    config: Any
    outcome: RunOutcome
    sections: list[Section]
    results: list[ExperimentResult] = field(default_factory=list)


class _Subfolder(RunFolder):
    """``<run>/<name>/`` as a run folder of its own (written inside the parent's atomic
    folder, so it appears with it; no manifest of its own: the parent's lists its files)."""

    def __init__(self, parent: RunFolder, name: str, *, task: str) -> None:
        self.run_id, self.task, self.dataset = parent.run_id, task, parent.dataset
        self.path = parent.directory(name)
        self.final_path = parent.final_path / name
        self.extra_manifest = {}
        self._stack = ExitStack()


def model_label(variant: str) -> str:
    """The leaderboard name of a variant's forecasters: ``lstm_<variant>``."""
    return f"lstm_{variant}"


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def augment_raw(config: ForecastRunConfig, split: TemporalSplit) -> dict[str, Any]:
    """The augment run config (as YAML data) that the block asks for."""
    from benchlab.config import set_values

    block = config.augmentation
    assert block is not None and config.data.panel_path is not None
    evaluation: dict[str, Any] = {
        "seeds": list(block.seeds),
        "forecast_period": {
            "start": _day(split.test_dates[0]).isoformat(),
            "days": len(split.test_dates),
            "column": config.data.target_column,
        },
    }
    if block.gan_run is not None:
        evaluation["gan_run"] = str(block.gan_run)
    if block.synthetic_path is not None:
        evaluation["synthetic_path"] = str(block.synthetic_path)
    raw: dict[str, Any] = {
        "task": TASK,
        "stage": "evaluate",
        "name": f"{config.name}_augmentation",
        "seed": config.seed,
        "output_dir": str(config.output_dir),
        "tracking": {"enabled": False},  # the forecast run tracks the rows and the folder
        "data": {"processed_dir": str(config.data.panel_path.parent)},
        "evaluation": evaluation,
    }
    if block.samples_per_real is not None:
        raw["generation"] = {"samples_per_real": block.samples_per_real}
    return set_values(raw, dict(block.settings))


def prepare_augmentation(
    config: ForecastRunConfig, split: TemporalSplit, *, console: Console
) -> PreparedAugmentation:
    """Check the block against the forecast data and let the augment task check the rest (GAN
    run, synthetic file, forecast period), before anything is written."""
    from benchlab.config import parse_run_config
    from benchlab.extras import install_hint
    from benchlab.tasks import get_task

    data = config.data
    if data.panel_path is None:
        raise InputError(
            "augmentation: needs data.panel_path, the GAN's preprocessed panel "
            "(<processed>/product_daily_panel.parquet); this config reads seed 000 files"
        )
    if list(data.id_columns) != ["product_id"]:
        raise InputError(
            f"augmentation: data.id_columns is {list(data.id_columns)}; the GAN's panel has one "
            "series per product_id"
        )
    days = [_day(d) for d in split.test_dates]
    if any((b - a).days != 1 for a, b in zip(days, days[1:], strict=False)):
        raise InputError(
            f"augmentation: the test period of {data.panel_path} is not consecutive days "
            f"(data.freq {data.freq!r}); the augmented forecasters forecast daily"
        )
    try:
        task = get_task(TASK)
    except InputError as exc:
        raise InputError(f"augmentation: {exc} ({install_hint('neural')})") from None
    augment_config = parse_run_config(augment_raw(config, split), source="augmentation")
    panel = Path(augment_config.data.panel_path)
    if panel.resolve() != data.panel_path.resolve():
        raise InputError(
            f"augmentation: data.panel_path {data.panel_path} is not a `benchlab augment "
            f"preprocess` panel (expected {panel.name} in {panel.parent}); the augmented "
            "forecasters are scored on the panel their GAN was trained on"
        )
    console.print(
        f"augmentation: {len(augment_config.evaluation.seeds)} seed(s) × LSTM forecaster on "
        "real, real + synthetic and synthetic windows",
        markup=False,
        highlight=False,
    )
    return PreparedAugmentation(task, augment_config, task.prepare(augment_config, console=console))


def run_augmentation(
    config: ForecastRunConfig,
    prepared: PreparedAugmentation,
    pipeline: BenchmarkPipeline,
    run: RunFolder,
    *,
    progress: bool,
    console: Console,
) -> AugmentationRun:
    """Run the augment evaluation into ``augmentation/`` and score its forecasters' test-period
    forecasts as forecast experiments (not yet added to any evaluator)."""
    task, augment_config = prepared.task, prepared.config
    folder = _Subfolder(run, FOLDER, task=TASK)
    console.print(f"→ {FOLDER} [{TASK} evaluate]", markup=False, highlight=False)
    outcome = task.run(
        augment_config, prepared.prepared, folder, progress=progress, console=console
    )
    folder.write_yaml("config.yaml", augment_config.to_raw())
    outcome.leaderboard.write_csv(folder.file("leaderboard.csv"))
    sections = task.report_sections(augment_config, outcome, folder)
    write_sections(folder.file("report.md"), task.report_title(augment_config), sections)
    period_file = outcome.files.get(PERIOD_FILE_KEY)
    if period_file is None:
        raise InputError(f"augmentation: the {TASK} task wrote no {PERIOD_FILE_KEY} forecasts")
    forecasts = pl.read_parquet(period_file)
    missing = [c for c in PERIOD_COLUMNS if c not in forecasts.columns]
    if missing:
        raise InputError(f"{period_file}: no column(s) {', '.join(missing)}")
    train_seconds = {r.model: float(r.info.get("train_seconds", 0.0)) for r in outcome.records}
    trained_on = {r.model: r.keys.get("trained_on") for r in outcome.records}
    results = [
        _result(
            config,
            pipeline,
            variant,
            forecasts.filter(pl.col("variant") == variant),
            train_seconds.get(variant, 0.0),
            trained_on.get(variant),
        )
        for variant in config.augmentation.variants  # type: ignore[union-attr]
    ]
    return AugmentationRun(task, augment_config, outcome, sections, results)


def _result(
    config: ForecastRunConfig,
    pipeline: BenchmarkPipeline,
    variant: str,
    rows: pl.DataFrame,
    fit_seconds: float,
    trained_on: str | None,
) -> ExperimentResult:
    """One variant's seed-mean forecasts of the test period as a forecast experiment, scored as
    :meth:`BenchmarkPipeline.run_experiment` scores its models (clipping, metrics, M5 levels)."""
    data, split = pipeline.data, pipeline.split
    assert data is not None and split is not None
    if rows.is_empty():
        raise InputError(f"augmentation: no forecasts of variant {variant!r}")
    ids = list(data.id_columns)
    seeds = sorted(rows["seed"].unique().to_list())
    mean = rows.group_by(*ids, DATE).agg(pl.col(Y_PRED).mean())
    mean = mean.with_columns(pl.col(DATE).cast(split.test.schema[DATE]))
    truth = split.test.select(*ids, DATE, pl.col(TARGET).alias(Y_TRUE))
    predictions = truth.join(mean, on=[*ids, DATE], how="left")
    unforecast = predictions.filter(pl.col(Y_PRED).is_null())
    if unforecast.height:
        first = unforecast.row(0, named=True)
        raise InputError(
            f"augmentation: {unforecast.height} test row(s) without an augmented forecast "
            f"(first: {first[ids[0]]} on {first[DATE]})"
        )
    scored = pipeline.score(predictions, split.train, ())
    predict_seconds = float(
        rows.group_by("seed").agg(pl.col("predict_seconds").first())["predict_seconds"].sum()
    )
    return ExperimentResult(
        model=model_label(variant),
        model_type=MODEL_TYPE,
        strategy=ModelingStrategy.COMBINED,
        id_columns=data.id_columns,
        quantile_alphas=(),
        predictions=scored.predictions,
        metrics=scored.metrics,
        per_sku_metrics=scored.per_sku,
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        hyperparameters={
            "variant": variant,
            "trained_on": trained_on,
            "seeds": seeds,
            "forecast": f"mean of the {len(seeds)} seeds' forecasts",
            "run_folder": FOLDER,
        },
        wall_seconds=fit_seconds + predict_seconds,
        revenue_weights=scored.revenue_weights,
        level_metrics=scored.levels,
        clipped_at_zero=scored.clipped_at_zero,
    )


def augmentation_sections(augmentation: AugmentationRun) -> list[Section]:
    """The augmentation's report sections for the forecast report: an introduction, then the
    augment task's own sections headed "Augmentation: …", their figures linked from the
    forecast run folder."""
    labels = ", ".join(f"`{r.model}`" for r in augmentation.results)
    intro = Section(
        "Augmentation (seed 001)",
        [
            f"Rows {labels} of the leaderboard are seed 001's LSTM forecaster, trained on real "
            "windows only (real_only), on real + GAN-generated windows (augmented) or on "
            "synthetic windows only (tstr), once per seed; each row scores the mean of its "
            "seeds' forecasts of the test period, rolled forward from the period's first day. "
            "The sections below are the augmentation's own evaluation on every real test "
            "window of the panel's test split, with intervals over seeds and windows "
            f"(also in [{FOLDER}/report.md]({FOLDER}/report.md)).",
        ],
    )
    nested = [
        Section(
            f"Augmentation: {section.heading}" if section.heading else None,
            [_IMAGE.sub(_prefixed, line) for line in section.lines],
        )
        for section in augmentation.sections
    ]
    return [intro, *nested]


def _prefixed(match: re.Match[str]) -> str:
    target = match.group(2)
    if "://" in target or target.startswith("/"):
        return match.group(0)
    return f"{match.group(1)}{FOLDER}/{target})"
