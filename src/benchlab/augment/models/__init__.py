"""Seed 001's conditional WGAN-GP: condition encoder, generator, critic, Lightning module, and
the weight files a run keeps.

The names are importable from here, each module imported on first use (PEP 562): the networks
and the weight files need torch only, the Lightning module (``WGANGP``) Lightning too, so
generating from a trained run does not import Lightning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchlab.lazy import lazy_exports

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
    "architecture": ".networks",
    "build_discriminator": ".networks",
    "build_generator": ".networks",
    "ConditionEncoder": ".encoder",
    "Discriminator": ".discriminator",
    "Generator": ".generator",
    "PRIMARY_METRIC": ".wgan_gp",
    "WGANGP": ".wgan_gp",
    "gradient_penalty": ".wgan_gp",
    "marginal_wasserstein": ".wgan_gp",
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


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
