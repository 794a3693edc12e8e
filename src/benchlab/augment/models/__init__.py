"""Seed 001's conditional WGAN-GP: condition encoder, generator, critic, Lightning module, and
the weight files a run keeps (imports torch and Lightning)."""

from benchlab.augment.models.discriminator import Discriminator
from benchlab.augment.models.encoder import ConditionEncoder
from benchlab.augment.models.generator import Generator
from benchlab.augment.models.wgan_gp import (
    PRIMARY_METRIC,
    WGANGP,
    architecture,
    build_discriminator,
    build_generator,
    gradient_penalty,
    marginal_wasserstein,
)

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
