"""Comparison statistics checked against values computed here from their textbook formulas."""

from __future__ import annotations

import math
import subprocess
import sys
from functools import partial

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from benchlab.errors import InputError
from benchlab.evaluation.statistics import (
    EXACT_BELOW,
    bootstrap_ci,
    diebold_mariano,
    holm_bonferroni,
    mcnemar,
    paired_bootstrap,
    pairwise_tests,
)


def from_table(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    """Correctness arrays of two classifiers with the given 2×2 table, rows shuffled."""
    a = np.repeat([True, True, False, False], [both, only_a, only_b, neither])
    b = np.repeat([True, False, True, False], [both, only_a, only_b, neither])
    order = np.random.default_rng(0).permutation(a.size)
    return a[order], b[order]


# ---------------------------------------------------------------- McNemar


def test_mcnemar_exact_matches_the_binomial_formula() -> None:
    only_a, only_b = 15, 5
    result = mcnemar(*from_table(50, only_a, only_b, 30))
    discordant = only_a + only_b
    tail = sum(math.comb(discordant, k) for k in range(min(only_a, only_b) + 1))
    assert discordant < EXACT_BELOW
    assert result.method == "exact binomial"
    assert (result.only_a_correct, result.only_b_correct, result.n) == (only_a, only_b, 100)
    assert result.p_value == pytest.approx(2 * tail / 2**discordant)


def test_mcnemar_chi_square_matches_the_corrected_formula() -> None:
    only_a, only_b = 15, 5
    result = mcnemar(*from_table(50, only_a, only_b, 30), exact=False)
    statistic = (abs(only_a - only_b) - 1) ** 2 / (only_a + only_b)
    assert result.method == "chi-square, continuity-corrected"
    assert result.statistic == pytest.approx(statistic)
    # chi-square with one degree of freedom: P(X > x) = erfc(sqrt(x / 2))
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(statistic / 2)))


def test_mcnemar_picks_the_chi_square_for_many_discordant_pairs() -> None:
    many = mcnemar(*from_table(10, 40, 20, 10))
    forced = mcnemar(*from_table(10, 40, 20, 10), exact=True)
    assert many.method.startswith("chi-square") and forced.method == "exact binomial"
    assert many.p_value == pytest.approx(forced.p_value, rel=0.2)


def test_mcnemar_is_symmetric_and_accepts_zero_one() -> None:
    a, b = from_table(20, 9, 2, 5)
    forward, backward = mcnemar(a, b), mcnemar(b.astype(int), a.astype(int))
    assert (backward.only_a_correct, backward.only_b_correct) == (2, 9)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_mcnemar_without_discordant_pairs_finds_no_difference() -> None:
    a, _ = from_table(20, 0, 0, 5)
    assert mcnemar(a, a).p_value == 1.0


def test_mcnemar_names_the_bad_argument() -> None:
    a, b = from_table(20, 9, 2, 5)
    with pytest.raises(InputError, match="correct_b: paired arrays must have the same length"):
        mcnemar(a, b[:-1])
    with pytest.raises(InputError, match=r"correct_a: must hold True/False or 0/1.*position"):
        mcnemar(np.where(a, 2, 0), b)


# ---------------------------------------------------------------- Diebold–Mariano


def direct_dm(errors_a: np.ndarray, errors_b: np.ndarray, horizon: int) -> tuple[float, float]:
    """The HLN-corrected DM statistic and p-value, written out step by step."""
    d = errors_a**2 - errors_b**2
    n = d.size
    gamma = [np.sum((d[k:] - d.mean()) * (d[: n - k] - d.mean())) / n for k in range(horizon)]
    long_run = gamma[0] + 2 * sum((1 - k / horizon) * gamma[k] for k in range(1, horizon))
    dm = d.mean() / np.sqrt(long_run / n)
    hln = dm * np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    return hln, 2 * (1 - stats.t.cdf(abs(hln), df=n - 1))


@pytest.mark.parametrize("horizon", [1, 3])
def test_diebold_mariano_matches_a_direct_computation(horizon: int) -> None:
    rng = np.random.default_rng(11)
    errors_a, errors_b = rng.normal(size=30), rng.normal(scale=1.3, size=30)
    statistic, p_value = direct_dm(errors_a, errors_b, horizon)
    result = diebold_mariano(errors_a, errors_b, horizon=horizon)
    assert result.statistic == pytest.approx(statistic)
    assert result.p_value == pytest.approx(p_value)
    assert result.mean_loss_difference == pytest.approx(np.mean(errors_a**2 - errors_b**2))


def test_diebold_mariano_absolute_loss() -> None:
    rng = np.random.default_rng(12)
    errors_a, errors_b = rng.normal(size=40), rng.normal(size=40)
    statistic, _ = direct_dm(np.sqrt(np.abs(errors_a)), np.sqrt(np.abs(errors_b)), 1)
    result = diebold_mariano(errors_a, errors_b, loss="absolute")
    assert result.statistic == pytest.approx(statistic)


def test_diebold_mariano_detects_a_clearly_better_forecast() -> None:
    rng = np.random.default_rng(2024)
    truth = rng.normal(size=250)
    good_forecast = truth + rng.normal(scale=0.5, size=250)
    bad_forecast = truth + rng.normal(scale=1.0, size=250)
    result = diebold_mariano(bad_forecast - truth, good_forecast - truth)
    assert result.statistic > 0 and result.p_value < 0.01


def test_diebold_mariano_rarely_rejects_two_draws_of_one_process() -> None:
    rng = np.random.default_rng(7)
    draws = rng.normal(size=(2, 300, 100))
    p_values = np.array([diebold_mariano(a, b).p_value for a, b in zip(*draws, strict=True)])
    assert np.mean(p_values < 0.05) <= 0.10


def test_diebold_mariano_refuses_identical_series() -> None:
    errors = np.random.default_rng(1).normal(size=20)
    with pytest.raises(InputError, match="errors_a, errors_b: the squared loss .* zero variance"):
        diebold_mariano(errors, errors.copy())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"errors_b": np.ones(9)}, r"errors_b: .*same length \(errors_a has 10, errors_b has 9\)"),
        ({"errors_a": np.ones(3), "errors_b": np.ones(3)}, "errors_a: needs at least 5 values"),
        ({"errors_a": np.r_[np.ones(9), np.nan]}, "errors_a: 1 non-finite values .* 9"),
        ({"loss": "huber"}, "loss: must be 'squared' or 'absolute', got 'huber'"),
        ({"horizon": 0}, "horizon: must be a whole number of steps >= 1, got 0"),
        ({"horizon": 10}, "horizon: 10 must be smaller than the 10 points"),
    ],
)
def test_diebold_mariano_names_the_bad_argument(kwargs: dict, message: str) -> None:
    rng = np.random.default_rng(3)
    arguments = {"errors_a": rng.normal(size=10), "errors_b": rng.normal(size=10), **kwargs}
    with pytest.raises(InputError, match=message):
        diebold_mariano(**arguments)


values = st.floats(-100, 100, allow_nan=False, allow_subnormal=False)
paired_series = st.integers(8, 40).flatmap(
    lambda n: st.tuples(
        arrays(np.float64, n, elements=values), arrays(np.float64, n, elements=values)
    )
)


@settings(max_examples=60, deadline=None)
@given(paired_series, st.integers(1, 4))
def test_swapping_the_forecasts_flips_the_sign_and_keeps_the_p_value(
    errors: tuple[np.ndarray, np.ndarray], horizon: int
) -> None:
    errors_a, errors_b = errors
    try:
        forward = diebold_mariano(errors_a, errors_b, horizon=horizon)
    except InputError:
        with pytest.raises(InputError):
            diebold_mariano(errors_b, errors_a, horizon=horizon)
        return
    backward = diebold_mariano(errors_b, errors_a, horizon=horizon)
    assert backward.statistic == pytest.approx(-forward.statistic)
    assert backward.p_value == pytest.approx(forward.p_value)


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_interval_covers_the_true_mean() -> None:
    rng = np.random.default_rng(5)
    samples = rng.exponential(2.0, size=(100, 200))
    intervals = [bootstrap_ci(sample, n_resamples=500, seed=i) for i, sample in enumerate(samples)]
    covered = [ci.low <= 2.0 <= ci.high for ci in intervals]
    assert np.mean(covered) >= 0.85
    assert all(ci.low <= ci.statistic <= ci.high for ci in intervals)


def test_bootstrap_is_reproducible_from_the_seed() -> None:
    values = np.random.default_rng(6).normal(size=80)
    first, again, other = (bootstrap_ci(values, seed=seed) for seed in (1, 1, 2))
    assert first == again
    assert (first.low, first.high) != (other.low, other.high)


def test_bootstrap_of_a_median_and_of_paired_samples() -> None:
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=60), rng.normal(size=60)
    median = bootstrap_ci(a, np.median, confidence=0.9)
    assert median.statistic == pytest.approx(np.median(a)) and median.confidence == 0.9

    def mean_difference(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
        return np.mean(x - y, axis=axis)

    pairs = bootstrap_ci((a, b), mean_difference, seed=4)
    paired = paired_bootstrap(a, b, lower_is_better=True, seed=4)
    assert (pairs.statistic, pairs.low, pairs.high) == pytest.approx(
        (paired.statistic, paired.low, paired.high)
    )


def test_paired_bootstrap_finds_the_better_model_either_way() -> None:
    rng = np.random.default_rng(9)
    small, large = rng.exponential(1.0, size=200), rng.exponential(1.5, size=200)
    errors = paired_bootstrap(small, large, lower_is_better=True)
    accuracy = paired_bootstrap(small, large, lower_is_better=False)
    assert errors.high < 0 and errors.share_a_better > 0.99 and errors.p_value < 0.01
    assert accuracy.share_a_better < 0.01
    assert errors.statistic == pytest.approx(np.mean(small - large))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bootstrap_ci([1.0, 2.0, np.nan, 4.0, 5.0]), "values_or_pairs: 1 non-finite"),
        (lambda: bootstrap_ci(np.ones((5, 2))), r"values_or_pairs: must be 1-D .*\(5, 2\)"),
        (lambda: bootstrap_ci(np.arange(9.0), confidence=95), "confidence: .* got 95"),
        (lambda: bootstrap_ci(np.arange(9.0), n_resamples=10), "n_resamples: .* got 10"),
        (lambda: bootstrap_ci((np.ones(6), np.ones(7))), r"values_or_pairs\[1\]: paired"),
        (lambda: paired_bootstrap(np.ones(6), np.ones(7), lower_is_better=True), "b: paired"),
    ],
)
def test_bootstrap_names_the_bad_argument(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


# ---------------------------------------------------------------- several models


def test_holm_bonferroni_matches_the_step_down_rule() -> None:
    p = np.array([0.04, 0.001, 0.03, 0.5])
    m = p.size
    ordered = np.sort(p)
    expected_sorted = np.minimum(1, np.maximum.accumulate([(m - i) * ordered[i] for i in range(m)]))
    expected = expected_sorted[np.argsort(np.argsort(p))]
    assert holm_bonferroni(p) == pytest.approx(expected)
    assert np.all(holm_bonferroni(p) >= p)


def test_pairwise_tests_runs_every_pair_and_adjusts() -> None:
    rng = np.random.default_rng(10)
    truth = rng.random(400) < 0.5
    correct = {
        name: np.where(rng.random(400) < accuracy, truth, ~truth) == truth
        for name, accuracy in [("bert", 0.9), ("distilbert", 0.88), ("tfidf", 0.7)]
    }
    table = pairwise_tests(correct, test=partial(mcnemar, exact=False))
    assert table.columns == ["model_a", "model_b", "statistic", "p_value", "p_value_holm"]
    assert table.select("model_a", "model_b").rows() == [
        ("bert", "distilbert"),
        ("bert", "tfidf"),
        ("distilbert", "tfidf"),
    ]
    assert table["p_value"][1] == pytest.approx(
        mcnemar(correct["bert"], correct["tfidf"], exact=False).p_value
    )
    assert table["p_value_holm"].to_list() == pytest.approx(
        holm_bonferroni(table["p_value"].to_numpy()).tolist()
    )
    assert table.filter(pl.col("model_b") == "tfidf")["p_value_holm"].max() < 0.01


def test_pairwise_tests_needs_two_models() -> None:
    with pytest.raises(InputError, match="scores: need at least two models"):
        pairwise_tests({"only": np.ones(10)}, test=diebold_mariano)


def test_importing_the_module_leaves_scipy_and_polars_unloaded() -> None:
    code = (
        "import sys, benchlab.evaluation.statistics\n"
        "print(sorted({'scipy', 'polars'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
