"""Seed 001's conditional WGAN-GP: condition encoder, generator, critic, Lightning module, and
the weight files a run keeps.

The names are importable from here, each module imported on first use (PEP 562): the networks
and the weight files need torch only, the Lightning module (``WGANGP``) Lightning too, so
generating from a trained run does not import Lightning.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchlab.augment.models.discriminator import Discriminator
    from benchlab.augment.models.encoder import ConditionEncoder
    from benchlab.augment.models.generator import Generator
    from benchlab.augment.models.networks import (
        architecture,
        build_discriminator,
        build_generator,
    )
    from benchlab.augment.models.wgan_gp import (
        PRIMARY_METRIC,
        WGANGP,
        gradient_penalty,
        marginal_wasserstein,
    )

_EXPORTS: dict[str, str] = {
    "architecture": "networks",
    "build_discriminator": "networks",
    "build_generator": "networks",
    "ConditionEncoder": "encoder",
    "Discriminator": "discriminator",
    "Generator": "generator",
    "PRIMARY_METRIC": "wgan_gp",
    "WGANGP": "wgan_gp",
    "gradient_penalty": "wgan_gp",
    "marginal_wasserstein": "wgan_gp",
}

__all__ = [
    "PRIMARY_METRIC",
    "WGANGP",
    "ConditionEncoder",
    "Discriminator",
    "Generator",
    "architecture",
    "build_discriminator",
    "build_generator",
    "gradient_penalty",
    "marginal_wasserstein",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
