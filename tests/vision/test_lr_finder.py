"""The learning-rate range test: the sweep's arithmetic over a loss callback, then on digits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchlab.errors import InputError
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.lr_finder import (
    COMPLETED,
    DIVERGED,
    NON_FINITE,
    LRFinderSettings,
    find_lr,
    lr_schedule,
    range_test,
    run_lr_finder,
    steepest_descent_lr,
)


def _curve(lr: float) -> float:
    """A training loss against lr: a plateau, the steepest fall at lr = 1e-4, a floor from
    about 1e-3, then an explosion past 1e-2."""
    x = math.log10(lr)
    return 2.0 - math.tanh(2 * (x + 4)) + (50 * (x + 2) ** 2 if x > -2 else 0.0)


def test_the_schedule_is_exponential_from_start_to_end() -> None:
    lrs = lr_schedule(1e-7, 1.0, 8)
    assert lrs[0] == pytest.approx(1e-7) and lrs[-1] == pytest.approx(1.0)
    ratios = [b / a for a, b in zip(lrs, lrs[1:], strict=False)]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-9)


def test_the_sweep_follows_the_schedule_and_stops_at_divergence() -> None:
    seen: list[float] = []

    def step(lr: float) -> float:
        seen.append(lr)
        return _curve(lr)

    result = range_test(step, start_lr=1e-7, end_lr=1.0, num_iter=100, beta=0.0)
    assert result.stop_reason == DIVERGED
    assert seen == result.learning_rates == lr_schedule(1e-7, 1.0, 100)[: len(seen)]
    assert len(seen) < 100
    # stopped on the first smoothed loss above 4 × the best so far, not before
    best_so_far = [min(result.smoothed_losses[: i + 1]) for i in range(len(seen))]
    assert result.smoothed_losses[-1] > 4 * best_so_far[-1]
    before = zip(result.smoothed_losses[:-1], best_so_far[:-1], strict=True)
    assert all(s <= 4 * b for s, b in before)


def test_the_smoothing_is_a_bias_corrected_moving_average() -> None:
    losses = [5.0, 3.0, 4.0, 2.0]
    values = iter(losses)
    result = range_test(lambda lr: next(values), start_lr=1e-3, end_lr=1e-1, num_iter=4, beta=0.9)
    average, expected = 0.0, []
    for i, loss in enumerate(losses):
        average = 0.9 * average + 0.1 * loss
        expected.append(average / (1 - 0.9 ** (i + 1)))
    assert result.losses == losses
    assert result.smoothed_losses == pytest.approx(expected)
    assert result.smoothed_losses[0] == pytest.approx(losses[0])  # no bias towards 0
    assert result.stop_reason == COMPLETED


def test_the_suggestion_is_the_steepest_descent_over_ten_within_the_range() -> None:
    result = range_test(_curve, start_lr=1e-7, end_lr=1.0, num_iter=60, beta=0.0)
    assert result.steepest_lr is not None and result.suggested_lr is not None
    assert result.suggested_lr == pytest.approx(result.steepest_lr / 10)
    assert 1e-7 <= result.suggested_lr <= 1.0
    assert result.steepest_lr == pytest.approx(1e-4, rel=0.3)  # where the curve falls fastest
    # a fall that is steepest at the first step: the suggestion is clamped to start_lr
    steep_first = range_test(
        lambda lr: 1.0 / (1 + 1e4 * lr), start_lr=1e-3, end_lr=1.0, num_iter=20, beta=0.0
    )
    assert steep_first.suggested_lr == pytest.approx(1e-3)


def test_steepest_descent_needs_three_points_before_the_minimum() -> None:
    assert steepest_descent_lr([1e-3, 1e-2], [2.0, 1.0]) is None
    assert steepest_descent_lr([1e-3, 1e-2, 1e-1], [1.0, 2.0, 3.0]) is None
    assert steepest_descent_lr([1e-3, 1e-2, 1e-1, 1.0], [3.0, 2.9, 1.0, 5.0]) == 1e-2


def test_a_non_finite_loss_stops_the_sweep() -> None:
    result = range_test(
        lambda lr: math.nan if lr > 1e-2 else 1.0, start_lr=1e-4, end_lr=1.0, num_iter=9
    )
    assert result.stop_reason == NON_FINITE
    assert all(lr <= 1e-2 for lr in result.learning_rates)
    assert all(math.isfinite(v) for v in result.losses)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"start_lr": 1.0, "end_lr": 0.1}, "--start-lr must be positive and below --end-lr"),
        ({"start_lr": 0.0}, "--start-lr"),
        ({"num_iter": 1}, "--num-iter must be at least 2"),
        ({"beta": 1.0}, r"--beta must be in \[0, 1\)"),
        ({"diverge_threshold": 1.0}, "--diverge-threshold must be above 1"),
    ],
)
def test_bad_settings_are_one_clear_error(settings: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        LRFinderSettings(**settings)


def test_results_json_holds_every_step(tmp_path: Path) -> None:
    result = range_test(_curve, start_lr=1e-6, end_lr=1.0, num_iter=30, beta=0.5)
    payload = json.loads(json.dumps(result.to_json()))
    n = len(result.learning_rates)
    assert len(payload["losses"]) == len(payload["smoothed_losses"]) == n == payload["iterations"]
    assert payload["suggested_lr"] == result.suggested_lr
    assert payload["stop_reason"] == result.stop_reason
    assert payload["beta"] == 0.5 and payload["num_iter"] == 30


# --- on the digits ----------------------------------------------------------------------------
@pytest.fixture()
def tiny_config(digits_dir: Path, tmp_path: Path) -> VisionRunConfig:
    return VisionRunConfig.model_validate(
        {
            "task": "vision",
            "name": "digits",
            "seed": 0,
            "output_dir": str(tmp_path / "runs"),
            "tracking": {"enabled": False},
            "data": {"data_dir": str(digits_dir), "fold": 1},
            "model": {"type": "custom", "custom_architecture": "tiny_net"},
            "training": {"batch_size": 64},
            "optimizer": {"name": "sgd", "lr": 0.01},
        }
    )


def test_on_digits_the_model_and_optimizer_are_restored(tiny_config: VisionRunConfig) -> None:
    import torch

    from benchlab.vision.optim import create_optimizer
    from benchlab.vision.training import prepare_training

    prepared = prepare_training(tiny_config)
    model = prepared.model.eval()
    optimizer = create_optimizer(tiny_config.optimizer, model.parameters())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer_before = optimizer.state_dict()
    settings = LRFinderSettings(start_lr=1e-4, end_lr=10.0, num_iter=20, beta=0.9)
    result = find_lr(model, optimizer, prepared.loaders["train"], device="cpu", settings=settings)
    assert len(result.learning_rates) >= 3
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert optimizer.state_dict()["state"] == optimizer_before["state"]
    assert optimizer.param_groups[0]["lr"] == 0.01
    assert not model.training  # its mode too


def test_on_digits_the_sweep_diverges_and_writes_its_files(tiny_config: VisionRunConfig) -> None:
    settings = LRFinderSettings(start_lr=1e-4, end_lr=1e4, num_iter=50, beta=0.5)
    found = run_lr_finder(tiny_config, settings)
    result = found.result
    assert result.stop_reason == DIVERGED and len(result.learning_rates) < 50
    assert result.learning_rates == lr_schedule(1e-4, 1e4, 50)[: len(result.learning_rates)]
    assert result.suggested_lr is not None and 1e-4 <= result.suggested_lr <= 1e4
    assert found.out_dir.parent == tiny_config.output_dir / "vision" / "digits"
    assert found.out_dir.name.startswith("lr_finder_")
    assert {p.name for p in found.out_dir.iterdir()} == {
        "lr_plot.png",
        "results.json",
        "lr_finder.log",
    }
    saved = json.loads((found.out_dir / "results.json").read_text())
    assert saved["suggested_lr"] == result.suggested_lr and saved["stop_reason"] == DIVERGED
    assert saved["config"]["fold"] == 1
    log = (found.out_dir / "lr_finder.log").read_text()
    assert "suggested lr" in log and "stopped: diverged" in log
    assert (found.out_dir / "lr_plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
