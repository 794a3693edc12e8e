"""``trainer_type: dp``: differentially private training with Opacus.

The network is first made compatible (``ModuleValidator.fix``: BatchNorm, which mixes the
examples of a batch, becomes GroupNorm); then ``PrivacyEngine.make_private`` (noise from
``dp.noise_multiplier``) or ``make_private_with_epsilon`` (noise chosen so that
``dp.target_epsilon`` is spent after ``training.num_epochs`` epochs) wraps the network, the
optimizer (per-example clipping to ``dp.max_grad_norm``, Gaussian noise) and the train loader
(Poisson sampling). The ε spent so far (at ``dp.target_delta``) is reported after every epoch.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from types import ModuleType
from typing import Any, ClassVar

import torch
from torch import nn

from benchlab.errors import InputError
from benchlab.extras import require
from benchlab.vision.trainers.base import BaseTrainer


def import_opacus() -> ModuleType:
    """``opacus``, without the root log handler its import adds (``logging.basicConfig`` in
    ``opacus.utils.module_utils``), which would print benchlab's log a second time."""
    root = logging.getLogger()
    before = list(root.handlers)
    opacus = require("opacus", "vision", what="the dp trainer")
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
    return opacus


def make_private_compatible(model: nn.Module) -> nn.Module:
    """``model`` with the layers Opacus cannot train privately replaced (BatchNorm →
    GroupNorm) and in-place activations made out-of-place (Opacus's backward hooks forbid
    modifying their outputs in place); the weights' names do not change."""
    import_opacus()
    from opacus.validators import ModuleValidator

    for module in model.modules():
        if getattr(module, "inplace", False) is True:
            module.inplace = False
    if ModuleValidator.is_valid(model):
        return model
    fixed = ModuleValidator.fix(model)
    errors = ModuleValidator.validate(fixed, strict=False)
    if errors:
        raise InputError(f"the dp trainer cannot train this network privately: {errors[0]}")
    return fixed


class DPTrainer(BaseTrainer):
    """Opacus DP-SGD: per-example clipping and noise, ε reported each epoch."""

    name: ClassVar[str] = "dp"

    def prepare_model(self, model: nn.Module) -> nn.Module:
        self.fixed = False
        compatible = make_private_compatible(model)
        self.fixed = compatible is not model
        if self.fixed:
            self.log.info("dp: BatchNorm layers replaced by GroupNorm for per-example gradients")
        return compatible

    def setup(self) -> None:
        PrivacyEngine = import_opacus().PrivacyEngine  # noqa: N806 - the library's class

        dp = self.config.training.dp
        self.delta = dp.target_delta
        self.engine = PrivacyEngine(accountant="rdp")
        common = {
            "module": self.model,
            "optimizer": self.optimizer,
            "data_loader": self.train_loader,
            "max_grad_norm": dp.max_grad_norm,
        }
        if dp.target_epsilon is not None:
            private = self.engine.make_private_with_epsilon(
                **common,
                target_epsilon=dp.target_epsilon,
                target_delta=dp.target_delta,
                epochs=self.config.training.num_epochs,
            )
        elif dp.noise_multiplier is not None:
            private = self.engine.make_private(**common, noise_multiplier=dp.noise_multiplier)
        else:
            raise InputError(
                "training.dp: set noise_multiplier or target_epsilon for the dp trainer"
            )
        self.model, self.optimizer, self.train_loader = private
        self.log.info(
            "dp: noise multiplier %.3g, max grad norm %g, delta %g%s",
            self.optimizer.noise_multiplier,
            dp.max_grad_norm,
            dp.target_delta,
            f", target epsilon {dp.target_epsilon:g}" if dp.target_epsilon is not None else "",
        )

    def train_batch(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # Opacus's full backward hooks warn when the images need no gradient (they never do)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            return super().train_batch(images, labels)

    def core_model(self) -> nn.Module:
        return self.model._module

    def epsilon(self) -> float:
        """The ε spent so far at ``dp.target_delta`` (RDP accountant)."""
        return float(self.engine.get_epsilon(self.delta))

    def epoch_metrics(self) -> dict[str, float]:
        return {"epsilon": self.epsilon()}

    def trainer_state(self) -> dict[str, Any]:
        state = {"accountant": dict(self.engine.accountant.state_dict())}
        return {**state, "module_fix": "opacus"} if self.fixed else state

    def load_trainer_state(self, state: Mapping[str, Any]) -> None:
        if "accountant" in state:
            self.engine.accountant.load_state_dict(dict(state["accountant"]))
