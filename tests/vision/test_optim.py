"""Optimizers and per-epoch schedules."""

from __future__ import annotations

import pytest
import torch

from benchlab.errors import InputError
from benchlab.vision.config import OptimizerConfig, SchedulerConfig
from benchlab.vision.optim import cosine_factor, create_optimizer, create_scheduler


def params() -> list[torch.nn.Parameter]:
    return list(torch.nn.Linear(3, 2).parameters())


@pytest.mark.parametrize(
    ("name", "cls"),
    [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)],
)
def test_optimizer_by_name(name: str, cls: type) -> None:
    config = OptimizerConfig(name=name, lr=0.05, weight_decay=0.01, momentum=0.8)
    optimizer = create_optimizer(config, params())
    assert type(optimizer) is cls
    group = optimizer.param_groups[0]
    assert group["lr"] == 0.05 and group["weight_decay"] == 0.01
    if name == "sgd":
        assert group["momentum"] == 0.8


def lrs(config: SchedulerConfig, epochs: int, losses: list[float] | None = None) -> list[float]:
    optimizer = create_optimizer(OptimizerConfig(lr=0.1), params())
    scheduler = create_scheduler(config, optimizer, num_epochs=epochs)
    seen = []
    for epoch in range(epochs):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # (no gradients: nothing moves) an epoch steps before its schedule
        scheduler.step(losses[epoch] if losses else 1.0)
    return seen


def test_cosine_warms_up_linearly_then_decays_towards_min_lr() -> None:
    seen = lrs(SchedulerConfig(type="cosine", warmup_epochs=2, min_lr=0.001), epochs=10)
    assert seen[0] < seen[1] < seen[2] == pytest.approx(0.1)
    assert all(a > b for a, b in zip(seen[2:], seen[3:], strict=False))
    assert min(seen) > 0.001
    expected = [0.1 * cosine_factor(e, epochs=10, warmup=2, floor=0.01) for e in range(10)]
    assert seen == pytest.approx(expected)


def test_step_schedule_multiplies_by_gamma_every_step_size() -> None:
    seen = lrs(SchedulerConfig(type="step", step_size=2, gamma=0.5), epochs=6)
    assert seen == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_plateau_lowers_the_rate_when_val_loss_stalls() -> None:
    config = SchedulerConfig(type="plateau", patience=1, gamma=0.5)
    seen = lrs(config, epochs=6, losses=[1.0, 0.9, 0.9, 0.9, 0.9, 0.9])
    assert seen[:3] == pytest.approx([0.1, 0.1, 0.1])
    assert seen[-1] < 0.1


def test_plateau_with_warmup_is_refused() -> None:
    optimizer = create_optimizer(OptimizerConfig(), params())
    with pytest.raises(InputError, match="warmup_epochs"):
        create_scheduler(SchedulerConfig(type="plateau", warmup_epochs=1), optimizer, num_epochs=3)


def test_none_keeps_the_rate() -> None:
    assert lrs(SchedulerConfig(type="none"), epochs=3) == [0.1, 0.1, 0.1]


@pytest.mark.parametrize("kind", ["cosine", "step", "plateau"])
def test_a_restored_schedule_continues_where_it_stopped(kind: str) -> None:
    """As a resumed run does: new optimizer and schedule, then both states loaded."""
    import copy

    config = SchedulerConfig(type=kind, step_size=1, patience=1, warmup_epochs=0)
    losses = [1.0, 0.8, 0.8, 0.8, 0.8, 0.8]

    optimizer = create_optimizer(OptimizerConfig(lr=0.1), params())
    straight = create_scheduler(config, optimizer, num_epochs=6)
    rates, saved = [], None
    for epoch, loss in enumerate(losses):
        if epoch == 3:
            saved = copy.deepcopy((optimizer.state_dict(), straight.state_dict()))
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        straight.step(loss)

    resumed = create_optimizer(OptimizerConfig(lr=0.1), params())
    schedule = create_scheduler(config, resumed, num_epochs=6)
    resumed.load_state_dict(saved[0])
    schedule.load_state_dict(saved[1])
    again = []
    for loss in losses[3:]:
        again.append(resumed.param_groups[0]["lr"])
        resumed.step()
        schedule.step(loss)
    assert again == pytest.approx(rates[3:])
    assert len(set(rates)) > 1  # the schedule did change the rate
