"""The weight files of a GAN run: ``generator.pt`` and ``discriminator.pt``.

Each holds a plain dictionary — ``format``, ``part``, ``architecture`` and the network's
``state_dict`` — read back with ``torch.load(weights_only=True)`` (no pickled code runs) and
checked to be this model's before any weight is loaded: a file from another model (a
Lightning checkpoint, a forecaster's weights, the other half of the GAN) is one clear
:class:`~benchlab.errors.InputError`.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch

from benchlab.augment.models.networks import build_discriminator, build_generator
from benchlab.errors import InputError
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    from benchlab.augment.models.discriminator import Discriminator
    from benchlab.augment.models.generator import Generator
    from benchlab.augment.models.wgan_gp import WGANGP

FORMAT = "benchlab.augment.wgan_gp"
VERSION = 1
Part = Literal["generator", "discriminator"]
FILES: dict[Part, str] = {"generator": "generator.pt", "discriminator": "discriminator.pt"}


def save_gan_weights(module: WGANGP, folder: Path) -> dict[Part, Path]:
    """Write ``generator.pt`` and ``discriminator.pt`` (CPU tensors) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[Part, Path] = {}
    arch = dict(module.hparams["architecture"])
    for part, network in (("generator", module.generator), ("discriminator", module.discriminator)):
        payload = {
            "format": FORMAT,
            "version": VERSION,
            "part": part,
            "architecture": arch,
            "state_dict": {k: v.detach().cpu() for k, v in network.state_dict().items()},
        }
        with atomic_path(folder / FILES[part]) as tmp:
            torch.save(payload, tmp)
        paths[part] = folder / FILES[part]
    return paths


def load_generator(path: Path) -> Generator:
    """The generator saved at ``path``, in eval mode on the CPU."""
    payload = _read(path, "generator")
    return _filled(build_generator(payload["architecture"]), payload, path)  # type: ignore[return-value]


def load_discriminator(path: Path) -> Discriminator:
    """The critic saved at ``path``, in eval mode on the CPU."""
    payload = _read(path, "discriminator")
    return _filled(build_discriminator(payload["architecture"]), payload, path)  # type: ignore[return-value]


def read_architecture(path: Path, part: Part = "generator") -> dict[str, int]:
    """The architecture recorded in a weight file (checked like a load)."""
    return dict(_read(path, part)["architecture"])


def _read(path: Path, part: Part) -> Mapping[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"GAN weights {path} do not exist (is this a train-gan run folder?)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a weight file benchlab can read safely ({first})") from None
    if not isinstance(payload, Mapping) or payload.get("format") != FORMAT:
        raise InputError(
            f"{path}: a checkpoint from another model ({_describe(payload)}), not a benchlab "
            f"WGAN-GP {part}"
        )
    if payload.get("part") != part:
        raise InputError(f"{path}: holds the GAN's {payload.get('part')}, not its {part}")
    if payload.get("version") != VERSION or not isinstance(payload.get("architecture"), Mapping):
        raise InputError(f"{path}: WGAN-GP weight format {payload.get('version')!r} is unknown")
    return payload


def _filled(network: torch.nn.Module, payload: Mapping[str, Any], path: Path) -> torch.nn.Module:
    try:
        network.load_state_dict(payload["state_dict"])
    except (RuntimeError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"{path}: weights do not fit the recorded architecture ({first})"
        ) from None
    return network.eval()


def _describe(payload: Any) -> str:
    """A few words on what a foreign weight file holds."""
    if isinstance(payload, Mapping):
        if "pytorch-lightning_version" in payload:
            return "a Lightning checkpoint"
        keys = ", ".join(str(k) for k in list(payload)[:4])
        more = ", …" if len(payload) > 4 else ""
        return f"a dictionary with keys {keys}{more}" if keys else "an empty dictionary"
    return f"a {type(payload).__name__}"
