"""``benchlab tune`` for text: Optuna over the LoRA rank and alpha and the learning rate.

Every trial sets its values into the config (``lora.r``, ``lora.alpha``,
``training.learning_rate`` or any other config path of ``tuning.search_space``), fine-tunes the
first registry model of ``models`` on the **train split** and scores it on the **validation
split** (macro F1 by default, ``tuning.metric: val_accuracy`` for accuracy); the test split is
never looked at while searching. The data is loaded once (again per trial only when the space
searches ``data.*``). The engine's study lifecycle (:func:`benchlab.tuning.run_study`) runs the
trials; the best config is then run as usual — every model of ``models``, baselines included,
scored on the test split — into a run folder that also holds the search (``tuning/``).

A search space for the shipped config::

    tuning:
      n_trials: 8
      search_space:
        lora.r: {type: categorical, choices: [4, 8, 16]}
        lora.alpha: {type: categorical, choices: [8, 16, 32]}
        training.learning_rate: {type: loguniform, low: 1.0e-4, high: 2.0e-3}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.logs import get_logger
from benchlab.tuning import TuneSummary, tuning_of

if TYPE_CHECKING:
    from benchlab.runs import RunFolder
    from benchlab.text.config import TextRunConfig
    from benchlab.text.task import ModelPlan, PreparedText

log = get_logger("text.tuning")
#: Validation metrics a trial can be scored on → the quality metric behind each.
SEARCH_METRICS = {"val_f1_macro": "f1_macro", "val_accuracy": "accuracy"}
TRIALS_FOLDER = "text_trials"


def search_config(config: TextRunConfig) -> TextRunConfig:
    """``config`` with ``tuning.metric`` (default ``val_f1_macro``) and ``direction``
    (maximize) filled in; a test metric or parallel trials are refused."""
    tuning = tuning_of(config)
    metric = tuning.metric or "val_f1_macro"
    if metric not in SEARCH_METRICS:
        raise InputError(
            f"tuning.metric {metric!r}: trials are scored on the validation split; use one of "
            f"{', '.join(SEARCH_METRICS)}"
        )
    if tuning.n_jobs > 1:
        raise InputError(
            "tuning.n_jobs: text trials run one at a time per process; to search in parallel, "
            "start more `benchlab tune --resume` processes on the same tuning.storage"
        )
    filled = tuning.model_copy(
        update={"metric": metric, "direction": tuning.direction or "maximize"}
    )
    return config.model_copy(update={"tuning": filled})


def tuned_model(prepared: PreparedText) -> ModelPlan:
    """The model the trials fine-tune: the first registry model of ``models``."""
    plan = next((p for p in prepared.plans if not p.is_baseline), None)
    if plan is None:
        names = ", ".join(p.name for p in prepared.plans)
        raise InputError(
            f"models: {names} are all baselines; `benchlab tune` searches LoRA settings, so "
            "list a registry model (e.g. MiniLM-L6)"
        )
    return plan


class TextObjective:
    """Optuna objective: fine-tune with a trial's values, return the validation score."""

    def __init__(self, config: TextRunConfig, prepared: PreparedText) -> None:
        self.raw = config.to_raw()
        self.space = tuning_of(config).search_space
        self.metric = SEARCH_METRICS[tuning_of(config).metric or "val_f1_macro"]
        self.prepared = prepared
        self.plan = tuned_model(prepared)
        self.rebuilds_data = any(path.startswith("data.") for path in self.space)
        self.scratch_parent = Path(config.output_dir) / TRIALS_FOLDER

    def trial_config(self, values: dict[str, Any]) -> TextRunConfig:
        """The config with ``values`` set; a path the config lacks or a bad value is an error."""
        from benchlab.config import parse_run_config, set_values
        from benchlab.text.task import with_device

        config = parse_run_config(set_values(self.raw, values), source="tuning trial")
        return with_device(config, self.prepared.device)

    def __call__(self, trial: Any) -> float:
        from benchlab.runs import scratch_directory
        from benchlab.text.metrics import quality_metrics
        from benchlab.text.training import fine_tune
        from benchlab.tuning import record_step_values, suggest

        config = self.trial_config(suggest(trial, self.space))
        splits = self.prepared.splits
        if self.rebuilds_data:
            from benchlab.text.data import load_text_data

            splits = load_text_data(config.data, seed=config.seed)
        with scratch_directory(self.scratch_parent, f"trial-{trial.number}") as scratch:
            classifier = fine_tune(self.plan.entry, splits, config, log_dir=scratch, progress=False)
        predicted = classifier.predict(splits.validation["text"].to_list())
        scores = quality_metrics(
            splits.validation["label"].to_numpy(), predicted, len(splits.labels)
        )
        value = float(scores[self.metric])
        record_step_values(trial, [value])
        log.info("trial %d: val_%s %.4f", trial.number, self.metric, value)
        return value


def tune_text(
    config: TextRunConfig,
    *,
    n_trials: int | None = None,
    resume: bool = False,
    progress: bool = True,
) -> TuneSummary:
    """Search, then run the best config into a run folder that also holds the search."""
    from benchlab.parallel import stderr_console
    from benchlab.runner import run_task
    from benchlab.text.task import prepare_text
    from benchlab.tuning import run_study, write_study_files

    config = search_config(config)
    prepared = prepare_text(config, stderr_console)
    objective = TextObjective(config, prepared)
    outcome = run_study(
        config,
        objective,
        n_trials=n_trials,
        resume=resume,
        progress=progress,
        first_values_check=objective.trial_config,
        note=f", {objective.plan.name} fine-tuned on train, scored on validation",
        value_name=tuning_of(config).metric,
    )

    def write_tuning(run: RunFolder) -> None:
        details = {
            "model": objective.plan.name,
            "searched_on": "train split fitted, validation split scored (never the test split)",
        }
        write_study_files(run, outcome, details=details)

    summary = run_task(outcome.best_config, progress=progress, extra=write_tuning)
    return TuneSummary.of(outcome, summary.run_dir)
