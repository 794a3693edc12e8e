"""The conditional WGAN-GP as a LightningModule with manual optimisation (seed 001).

Each training step takes one batch of real windows and makes ``n_critic`` critic updates on
it, then one generator update (the seed's loop):

* critic loss ``E[D(fake)] - E[D(real)] + lambda_gp * GP``, where ``GP`` is the mean of
  ``(‖∇D(x̂)‖₂ - 1)²`` over interpolates ``x̂ = α·real + (1-α)·fake`` (α ~ U(0, 1) per window,
  the condition held fixed);
* generator loss ``-E[D(G(z | c))]``.

Both use Adam with ``betas=(beta1, beta2)`` (seed: (0.0, 0.9)) and their own learning rates.
Logged to TensorBoard per step and per epoch: ``d_loss``, ``g_loss``, ``gp``,
``wasserstein_distance`` (the critic's estimate ``E[D(real)] - E[D(fake)]``) and ``grad_norm``
(the mean ‖∇D(x̂)‖, which the penalty pulls towards 1); the critic's values are means over the
step's ``n_critic`` updates.

Validation logs ``val_wasserstein_gap``, the task's primary metric (lower is better): one
generated sequence per validation window (noise fixed per batch, so epochs compare), then for
each day of the horizon the 1-D Wasserstein-1 distance between the real and the generated
values of that day across windows, averaged over the horizon, in scaled units (0 = the daily
marginals match). Unlike the critic's estimate it does not depend on the critic, so it can
choose the best epoch. ``val_wasserstein_distance`` is the critic's estimate on validation.

The generator and the critic each own a :class:`ConditionEncoder` of the same shape: an
encoder shared by both would be moved by the generator's optimiser against the critic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import lightning
import torch

from benchlab.augment.models.networks import build_discriminator, build_generator

Batch = Mapping[str, torch.Tensor]
TRAIN_LOSSES = ("d_loss", "g_loss", "gp", "wasserstein_distance", "grad_norm")
PRIMARY_METRIC = "val_wasserstein_gap"


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    alpha: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """WGAN-GP's penalty ``mean((‖∇critic(x̂)‖₂ - 1)²)`` on interpolates of ``real`` and
    ``fake`` (``[B, …]``), and the mean gradient norm (detached).

    ``alpha`` (``[B]``) picks the interpolation weights; by default ``U(0, 1)`` per row. The
    penalty keeps its graph (``create_graph=True``) so it can be back-propagated.
    """
    if alpha is None:
        alpha = torch.rand(real.shape[0], device=real.device, dtype=real.dtype)
    weight = alpha.reshape(-1, *([1] * (real.dim() - 1)))
    mixed = (weight * real.detach() + (1 - weight) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = torch.sqrt(grads.flatten(1).pow(2).sum(dim=1) + 1e-12)
    return (norms - 1).pow(2).mean(), norms.detach().mean()


def marginal_wasserstein(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Mean over columns of the 1-D Wasserstein-1 distance between the values of ``real`` and
    ``fake`` (both ``[N, F]``, one generated row per real row) in that column.

    >>> marginal_wasserstein(torch.tensor([[0.0], [1.0]]), torch.tensor([[1.0], [0.0]]))
    tensor(0.)
    """
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} differ")
    real_sorted, _ = torch.sort(real, dim=0)
    fake_sorted, _ = torch.sort(fake, dim=0)
    return (real_sorted - fake_sorted).abs().mean()


class WGANGP(lightning.LightningModule):
    """Conditional WGAN-GP over windows ``{"history", "target", "temporal", "reviews"}``.

    ``architecture`` holds the keyword arguments of :class:`Generator` and
    :class:`Discriminator` (see :func:`architecture`); the rest are seed 001's training keys.
    ``history`` keeps the per-epoch means of the losses and the validation gap;
    ``windows_seen`` and ``train_seconds`` count the training windows and the wall time of the
    training steps (validation excluded), for the throughput.
    """

    def __init__(
        self,
        *,
        architecture: Mapping[str, int],
        n_critic: int = 5,
        lambda_gp: float = 10.0,
        lr_d: float = 4e-4,
        lr_g: float = 1e-4,
        beta1: float = 0.0,
        beta2: float = 0.9,
        val_seed: int = 0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.generator = build_generator(architecture)
        self.discriminator = build_discriminator(architecture)
        self.n_critic = n_critic
        self.lambda_gp = lambda_gp
        self.val_seed = val_seed
        self.history: dict[int, dict[str, float]] = {}
        self._sums: dict[str, torch.Tensor] = {}
        self._batches = 0
        self._val_real: list[torch.Tensor] = []
        self._val_fake: list[torch.Tensor] = []
        self.windows_seen = 0
        self.train_seconds = 0.0
        self._batch_started = 0.0

    # --- generation ------------------------------------------------------------------------
    def forward(
        self,
        noise: torch.Tensor,
        history: torch.Tensor,
        review_features: torch.Tensor,
        temporal_features: torch.Tensor,
    ) -> torch.Tensor:
        return self.generator(noise, history, review_features, temporal_features)

    def _generate(self, batch: Batch, generator: torch.Generator | None = None) -> torch.Tensor:
        noise = self.generator.sample_noise(
            batch["history"].shape[0], device=self.device, generator=generator
        )
        return self.generator(noise, batch["history"], batch["reviews"], batch["temporal"])

    # --- training --------------------------------------------------------------------------
    def critic_step(
        self, batch: Batch, generator_condition: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """One critic loss on ``batch`` (fresh noise; the generator's encoding of the batch's
        condition may be passed in): the loss and its parts."""
        real = batch["target"]
        with torch.no_grad():
            if generator_condition is None:
                fake = self._generate(batch)
            else:
                noise = self.generator.sample_noise(
                    real.shape[0], device=self.device, generator=None
                )
                fake = self.generator.decode(noise, generator_condition)
        condition = self.discriminator.encode(batch["history"], batch["reviews"], batch["temporal"])
        real_score = self.discriminator.score(real, condition).mean()
        fake_score = self.discriminator.score(fake, condition).mean()
        penalty, grad_norm = gradient_penalty(
            lambda mixed: self.discriminator.score(mixed, condition), real, fake
        )
        distance = real_score - fake_score
        return {
            "d_loss": -distance + self.lambda_gp * penalty,
            "gp": penalty,
            "wasserstein_distance": distance,
            "grad_norm": grad_norm,
        }

    def generator_step(self, batch: Batch) -> torch.Tensor:
        """The generator loss ``-E[D(G(z | c))]`` on ``batch``."""
        fake = self._generate(batch)
        return -self.discriminator(
            fake, batch["history"], batch["reviews"], batch["temporal"]
        ).mean()

    def on_train_batch_start(self, batch: Batch, batch_idx: int) -> None:
        self._batch_started = time.perf_counter()

    def on_train_batch_end(self, outputs: Any, batch: Batch, batch_idx: int) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.train_seconds += time.perf_counter() - self._batch_started
        self.windows_seen += int(batch["target"].shape[0])

    def training_step(self, batch: Batch, batch_idx: int) -> None:
        opt_d, opt_g = self.optimizers()
        with torch.no_grad():  # the generator is fixed during the critic's updates
            condition = self.generator.encode(batch["history"], batch["reviews"], batch["temporal"])
        self.toggle_optimizer(opt_d)
        critic_sums: dict[str, torch.Tensor] = {}
        for _ in range(self.n_critic):
            parts = self.critic_step(batch, condition)
            opt_d.zero_grad(set_to_none=True)
            self.manual_backward(parts["d_loss"])
            opt_d.step()
            for name, value in parts.items():
                critic_sums[name] = critic_sums.get(name, 0.0) + value.detach()
        self.untoggle_optimizer(opt_d)

        self.toggle_optimizer(opt_g)
        g_loss = self.generator_step(batch)
        opt_g.zero_grad(set_to_none=True)
        self.manual_backward(g_loss)
        opt_g.step()
        self.untoggle_optimizer(opt_g)

        values = {k: v / self.n_critic for k, v in critic_sums.items()}
        values["g_loss"] = g_loss.detach()
        size = batch["target"].shape[0]
        for name in TRAIN_LOSSES:
            self.log(name, values[name], on_step=True, on_epoch=True, batch_size=size)
            self._sums[name] = self._sums.get(name, 0.0) + values[name]
        self._batches += 1

    def on_train_epoch_end(self) -> None:
        if self._batches:
            means = {k: float(v / self._batches) for k, v in self._sums.items()}
            self.history.setdefault(self.current_epoch, {}).update(means)
        self._sums, self._batches = {}, 0

    # --- validation ------------------------------------------------------------------------
    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        noise_source = torch.Generator(device=self.device).manual_seed(self.val_seed + batch_idx)
        fake = self._generate(batch, noise_source)
        real = batch["target"]
        distance = (
            self.discriminator(real, batch["history"], batch["reviews"], batch["temporal"]).mean()
            - self.discriminator(fake, batch["history"], batch["reviews"], batch["temporal"]).mean()
        )
        self.log("val_wasserstein_distance", distance, on_epoch=True, batch_size=real.shape[0])
        self._val_real.append(real)
        self._val_fake.append(fake)

    def on_validation_epoch_end(self) -> None:
        if not self._val_real:
            return
        gap = marginal_wasserstein(torch.cat(self._val_real), torch.cat(self._val_fake))
        self._val_real, self._val_fake = [], []
        self.log(PRIMARY_METRIC, gap)
        if not self.trainer.sanity_checking:
            self.history.setdefault(self.current_epoch, {})[PRIMARY_METRIC] = float(gap)

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        betas = (self.hparams.beta1, self.hparams.beta2)
        return [
            torch.optim.Adam(self.discriminator.parameters(), lr=self.hparams.lr_d, betas=betas),
            torch.optim.Adam(self.generator.parameters(), lr=self.hparams.lr_g, betas=betas),
        ]
