"""``WGANGP``: the gradient penalty, the validation gap and the manual-optimisation loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from benchlab.augment.models import WGANGP, gradient_penalty, marginal_wasserstein
from benchlab.augment.models.wgan_gp import PRIMARY_METRIC, TRAIN_LOSSES
from benchlab.neural import TrainerSettings, fit_module, torch_session

from .conftest import loaders, tiny_architecture


# --- gradient penalty ------------------------------------------------------------------------
def test_the_penalty_of_a_linear_critic_is_its_weight_norm_minus_one_squared() -> None:
    weight = torch.tensor([3.0, 4.0])  # ‖w‖ = 5 at every point
    real, fake = torch.rand(6, 2), torch.rand(6, 2)
    penalty, norm = gradient_penalty(lambda x: x @ weight, real, fake)
    assert penalty.item() == pytest.approx(16.0)
    assert norm.item() == pytest.approx(5.0)


def test_the_penalty_equals_a_direct_autograd_computation() -> None:
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    real, fake, alpha = torch.rand(4, 3), torch.rand(4, 3), torch.rand(4)
    penalty, norm = gradient_penalty(lambda x: critic(x).squeeze(-1), real, fake, alpha=alpha)

    norms = []
    for i in range(4):  # one interpolate at a time, its gradient on its own
        point = (alpha[i] * real[i] + (1 - alpha[i]) * fake[i]).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(point).sum(), point)
        norms.append(grad.norm())
    expected = torch.stack([(n - 1) ** 2 for n in norms]).mean()
    torch.testing.assert_close(penalty, expected)
    torch.testing.assert_close(norm, torch.stack(norms).mean())


def test_the_penalty_trains_the_critic() -> None:
    torch.manual_seed(0)
    critic = nn.Linear(3, 1)
    penalty, _ = gradient_penalty(
        lambda x: critic(x).squeeze(-1), torch.rand(4, 3), torch.rand(4, 3)
    )
    penalty.backward()
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


# --- validation gap --------------------------------------------------------------------------
def test_the_gap_is_the_mean_daily_one_dimensional_wasserstein_distance() -> None:
    from scipy.stats import wasserstein_distance

    gen = torch.Generator().manual_seed(0)
    real, fake = torch.rand(50, 3, generator=gen), torch.rand(50, 3, generator=gen) * 2
    expected = np.mean([wasserstein_distance(real[:, d], fake[:, d]) for d in range(3)])
    assert marginal_wasserstein(real, fake).item() == pytest.approx(expected, rel=1e-5)
    shuffled = real[torch.randperm(50, generator=gen)]
    assert marginal_wasserstein(real, shuffled).item() == 0.0  # marginals only
    assert marginal_wasserstein(real, real + 0.25).item() == pytest.approx(0.25)


# --- training --------------------------------------------------------------------------------
def _fit(seed: int, *, epochs: int = 1, n_critic: int = 2, **data: object) -> WGANGP:
    with torch_session(n_threads=1, seed=seed):
        module = WGANGP(architecture=tiny_architecture(), n_critic=n_critic)
        settings = TrainerSettings(
            max_epochs=epochs, accelerator="cpu", monitor=PRIMARY_METRIC, patience=None
        )
        fit_module(module, settings, **(data or loaders()))
    return module


def _adam_steps(optimizer: torch.optim.Optimizer) -> int:
    counts = {int(state["step"]) for state in optimizer.state.values()}
    assert len(counts) == 1
    return counts.pop()


def test_one_step_makes_n_critic_critic_updates_and_one_generator_update() -> None:
    module = _fit(0, n_critic=3, **loaders(n_train=32, batch_size=32))  # one batch
    opt_d, opt_g = module.trainer.optimizers
    assert {id(p) for p in opt_d.state} == {id(p) for p in module.discriminator.parameters()}
    assert {id(p) for p in opt_g.state} == {id(p) for p in module.generator.parameters()}
    assert _adam_steps(opt_d) == 3
    assert _adam_steps(opt_g) == 1
    assert opt_d.param_groups[0]["betas"] == (0.0, 0.9)
    assert opt_d.param_groups[0]["lr"] == 4e-4 and opt_g.param_groups[0]["lr"] == 1e-4


def test_the_same_seed_trains_the_same_generator() -> None:
    first = _fit(7).generator.state_dict()
    again = _fit(7).generator.state_dict()
    other = _fit(8).generator.state_dict()
    for key, value in first.items():
        torch.testing.assert_close(again[key], value, rtol=0, atol=0)
    assert any(not torch.equal(other[key], value) for key, value in first.items())


def test_losses_are_finite_logged_and_kept_per_epoch() -> None:
    module = _fit(0, epochs=2)
    assert sorted(module.history) == [0, 1]
    for epoch in module.history.values():
        assert set(epoch) == {*TRAIN_LOSSES, PRIMARY_METRIC}
        assert all(math.isfinite(v) for v in epoch.values())
    logged = module.trainer.callback_metrics
    for name in (*(f"{n}_epoch" for n in TRAIN_LOSSES), PRIMARY_METRIC):
        assert name in logged and torch.isfinite(logged[name])
    assert module.history[1][PRIMARY_METRIC] == pytest.approx(float(logged[PRIMARY_METRIC]))


def test_the_logged_critic_values_are_means_over_the_critic_updates() -> None:
    seen: list[dict[str, float]] = []

    class Recording(WGANGP):
        def critic_step(self, batch, generator_condition=None):  # type: ignore[no-untyped-def]
            parts = super().critic_step(batch, generator_condition)
            seen.append({k: float(v.detach()) for k, v in parts.items()})
            return parts

    with torch_session(n_threads=1, seed=0):
        module = Recording(architecture=tiny_architecture(), n_critic=3)
        settings = TrainerSettings(max_epochs=1, accelerator="cpu", monitor=None)
        fit_module(module, settings, **loaders(n_train=32, batch_size=32))
    assert len(seen) == 3
    for name in ("d_loss", "gp", "wasserstein_distance", "grad_norm"):
        expected = sum(parts[name] for parts in seen) / 3
        assert module.history[0][name] == pytest.approx(expected, rel=1e-5)
    assert len({parts["d_loss"] for parts in seen}) == 3  # three different updates
