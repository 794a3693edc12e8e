"""The text comparison and report: vectorised macro scores, bootstrap intervals, McNemar with
Holm, the same comparison from a run's files as in the run, and the report's sections."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from benchlab.errors import InputError
from benchlab.evaluation.statistics import holm_bonferroni, mcnemar
from benchlab.runner import RunSummary
from benchlab.text.config import ComparisonConfig
from benchlab.text.report import (
    QUALITY_METRICS,
    ComparisonInputs,
    MacroScore,
    compare,
    comparison_sections,
    intervals_frame,
    mcnemar_table,
    quality_intervals,
    read_run_inputs,
)


def sklearn_scores(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), average="macro", zero_division=0
    )
    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "f1_macro": f1,
        "precision_macro": precision,
        "recall_macro": recall,
    }


@pytest.mark.parametrize("seed", range(5))
def test_macro_scores_match_scikit_learn_one_sample_and_many(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    y_true = rng.integers(0, k, size=(4, 60))
    y_pred = np.where(rng.random((4, 60)) < 0.6, y_true, rng.integers(0, k - 1, size=(4, 60)))
    for metric in QUALITY_METRICS:
        score = MacroScore(metric, k)
        batch = score(y_true, y_pred)
        assert batch.shape == (4,)
        for row in range(4):
            expected = sklearn_scores(y_true[row], y_pred[row], k)[metric]
            assert batch[row] == pytest.approx(expected)
            assert score(y_true[row], y_pred[row]) == pytest.approx(expected)


def test_intervals_hold_the_score_and_repeat_with_the_seed() -> None:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 400)
    y_pred = np.where(rng.random(400) < 0.7, y_true, rng.integers(0, 3, 400))
    first = quality_intervals(y_true, y_pred, 3, n_resamples=300, seed=4)
    assert first == quality_intervals(y_true, y_pred, 3, n_resamples=300, seed=4)
    expected = sklearn_scores(y_true, y_pred, 3)
    for metric, interval in first.items():
        assert interval.statistic == pytest.approx(expected[metric])
        assert interval.low < interval.statistic < interval.high
        assert interval.high - interval.low < 0.2
    assert quality_intervals(y_true, y_pred, 3, n_resamples=300, seed=5) != first


def test_mcnemar_covers_every_pair_with_holm_adjusted_p_values() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random(300)
    correct = {"a": truth < 0.9, "b": truth < 0.6, "c": truth < 0.58}
    table = mcnemar_table(correct)
    assert table.select("model_a", "model_b").rows() == [("a", "b"), ("a", "c"), ("b", "c")]
    pairs = table.select("model_a", "model_b").rows()
    raw = [mcnemar(correct[a], correct[b]).p_value for a, b in pairs]
    assert table["p_value"].to_list() == pytest.approx(raw)
    assert table["p_value_holm"].to_list() == pytest.approx(holm_bonferroni(raw).tolist())
    assert table.row(0, named=True)["only_a_correct"] == int(((truth >= 0.6) & (truth < 0.9)).sum())
    assert mcnemar_table({"a": correct["a"]}).is_empty()


def test_the_run_files_give_the_comparison_the_run_made(tiny_run: RunSummary) -> None:
    in_run = tiny_run.outcome.details.comparison
    again = compare(read_run_inputs(tiny_run.run_dir), ComparisonConfig(bootstrap_resamples=200),
                    seed=7)  # fmt: skip
    assert again.ranking.frame.equals(in_run.ranking.frame)
    assert again.intervals.equals(in_run.intervals)
    assert again.mcnemar.equals(in_run.mcnemar)
    assert again.ranking.weights == {
        "accuracy": 0.3,
        "f1_macro": 0.3,
        "throughput_samples_per_sec": 0.2,
        "latency_median_ms": 0.2,
    }
    reweighted = compare(read_run_inputs(tiny_run.run_dir), ComparisonConfig(), weights={"f1": 1})
    assert reweighted.ranking.weights == {"f1_macro": 1.0}
    best = reweighted.ranking.frame.row(0, named=True)["model"]
    assert best == tiny_run.outcome.leaderboard.row(0, named=True)["model"]
    unknown = compare(read_run_inputs(tiny_run.run_dir), ComparisonConfig(), weights={"bleu": 1})
    assert unknown.ranking is None and "bleu" in unknown.ranking_note


def test_the_report_shows_ranking_with_weights_intervals_tests_and_figures(
    tiny_run: RunSummary,
) -> None:
    run_dir = tiny_run.run_dir
    report = (run_dir / "report.md").read_text()
    for heading in (
        "## Data",
        "## Composite ranking",
        "## Quality with 95% bootstrap intervals",
        "## Speed and cost",
        "## McNemar's test between every pair (Holm-corrected)",
        "## Trainable parameters",
        "## Figures",
        "## Run configuration",
    ):
        assert heading in report
    assert "Weights used:" in report and "| latency_median_ms | 0.2 | lower is better |" in report
    for name in ("accuracy_latency", "f1", "latency", "confusion", "trainable_share"):
        assert f"](figures/{name}.png)" in report
        assert (run_dir / "figures" / f"{name}.png").stat().st_size > 1000
    comparison = tiny_run.outcome.details.comparison
    shown = intervals_frame(comparison).filter(model="tfidf_logreg")["f1_macro"].item()
    numbers = [float(x) for x in shown.replace("[", " ").replace(",", " ").strip("]").split()]
    assert numbers == pytest.approx(comparison.interval("tfidf_logreg", "f1_macro"), rel=1e-3)
    assert shown in report
    assert (run_dir / "report.html").is_file()


def test_a_failed_model_is_listed_and_left_out_of_the_statistics(tiny_run: RunSummary) -> None:
    inputs = read_run_inputs(tiny_run.run_dir)
    failed = {"model": "big-llm", "metrics": {}, "status": "failed", "error": "OOM"}
    comparison = compare(
        ComparisonInputs(
            [*inputs.results, failed],
            inputs.predictions,
            inputs.latencies,
            inputs.labels,
            inputs.dataset,
        ),  # fmt: skip
        ComparisonConfig(bootstrap_resamples=100),
    )
    assert comparison.failed == {"big-llm": "OOM"}
    assert "big-llm" not in comparison.ranking.frame["model"].to_list()
    assert comparison.mcnemar.height == 3
    text = "\n".join(line for s in comparison_sections(comparison) for line in s.render())
    assert "- **big-llm**: OOM" in text


def test_a_folder_that_is_not_a_text_run_is_one_message(
    tiny_run: RunSummary, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_run_inputs(tmp_path / "nothing")
    copy = tmp_path / "run"
    shutil.copytree(tiny_run.run_dir, copy)
    (copy / "latencies.parquet").unlink()
    with pytest.raises(InputError, match=r"not a text run folder \(no latencies.parquet\)"):
        read_run_inputs(copy)
    pl.DataFrame({"model": ["a"]}).write_parquet(copy / "latencies.parquet")
    with pytest.raises(InputError, match="no column 'latency_ms'"):
        read_run_inputs(copy)
    dataset = json.loads((copy / "dataset.json").read_text())
    assert dataset["labels"]
