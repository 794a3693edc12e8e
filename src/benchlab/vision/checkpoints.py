"""Checkpoints: ``weights/best.pt`` and ``weights/last.pt`` with the full training state.

A checkpoint holds what resuming needs (model, optimizer, scheduler, epoch, best metric,
history, the random states of Python, NumPy, torch and the train loader's generator) and what
inference and export need to rebuild the network without the data (the resolved config,
classes, channels, image size, mean and std). It is written with ``torch.save`` from plain
containers, tensors and numbers only, so that it loads with ``torch.load(weights_only=True)``,
and a ``<file>.sha256`` is written beside it (``sha256sum`` format). Loading checks that
digest before unpickling anything: a model file is untrusted input.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from benchlab.errors import InputError
from benchlab.runs import atomic_path, sha256_file

if TYPE_CHECKING:
    import torch
    from torch import nn

FORMAT = "benchlab.vision.checkpoint"
VERSION = 1
DIGEST_SUFFIX = ".sha256"


@dataclass
class Checkpoint:
    """One saved state of a vision run (``epoch`` counts the epochs completed)."""

    model_state: dict[str, Any]
    config: dict[str, Any]
    classes: list[str]
    channels: int
    image_size: tuple[int, int]
    mean: list[float]
    std: list[float]
    epoch: int = 0
    best_metric: float = float("-inf")
    best_epoch: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    optimizer_state: dict[str, Any] | None = None
    scheduler_state: dict[str, Any] | None = None
    rng: dict[str, Any] = field(default_factory=dict)
    trainer_state: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def module_fix(self) -> str | None:
        """``"opacus"`` when the network was rebuilt by ``ModuleValidator.fix`` (DP training)."""
        return self.trainer_state.get("module_fix")


def digest_path(path: Path) -> Path:
    """``weights/best.pt`` → ``weights/best.pt.sha256``."""
    return path.with_name(path.name + DIGEST_SUFFIX)


def save_checkpoint(path: str | Path, state: Checkpoint) -> Path:
    """Write ``state`` to ``path`` and its SHA-256 beside it, each renamed into place."""
    import torch

    path = Path(path)
    payload = {"format": FORMAT, "version": VERSION, **asdict(state)}
    payload.pop("path")
    payload["image_size"] = list(state.image_size)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
        digest = sha256_file(tmp)
    with atomic_path(digest_path(path)) as tmp:
        tmp.write_text(f"{digest}  {path.name}\n")
    return path


def verify_digest(path: Path) -> None:
    """Check ``path`` against the ``.sha256`` beside it; a missing or different digest is an
    :class:`InputError` naming the file."""
    sidecar = digest_path(path)
    if not sidecar.is_file():
        raise InputError(
            f"checkpoint {path}: no {sidecar.name} beside it to check the file against; "
            "benchlab writes one with every checkpoint"
        )
    expected = sidecar.read_text().split()[:1]
    if expected != [sha256_file(path)]:
        raise InputError(
            f"checkpoint {path} fails its SHA-256 check against {sidecar.name}: "
            "the file was changed or damaged"
        )


def read_payload(path: Path) -> Any:
    """``torch.load(path, weights_only=True)`` on CPU; a file it cannot read is one error."""
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - pickle, zip and torch errors all mean "not ours"
        raise InputError(
            f"{path} is not a benchlab vision checkpoint: torch.load(weights_only=True) cannot "
            f"read it ({type(exc).__name__})"
        ) from None


def load_checkpoint(path: str | Path) -> Checkpoint:
    """The checkpoint at ``path``, after checking its SHA-256 and that benchlab wrote it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"checkpoint {path} does not exist")
    verify_digest(path)
    payload = read_payload(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(f"{path} is not a benchlab vision checkpoint")
    if payload.get("version") != VERSION:
        raise InputError(
            f"{path}: checkpoint version {payload.get('version')!r}; this benchlab reads {VERSION}"
        )
    fields = {k: v for k, v in payload.items() if k not in ("format", "version")}
    try:
        checkpoint = Checkpoint(**fields, path=path)
    except TypeError as exc:
        raise InputError(f"{path}: not a complete benchlab vision checkpoint ({exc})") from None
    checkpoint.image_size = (int(checkpoint.image_size[0]), int(checkpoint.image_size[1]))
    return checkpoint


def build_model(checkpoint: Checkpoint) -> nn.Module:
    """The checkpoint's network with its weights, in eval mode (for inference and export).

    Built from the checkpoint alone: the config's model section (without its starting weights
    file or pretrained flag), classes, channels and image size.
    """
    from benchlab.vision.config import VisionModelConfig
    from benchlab.vision.models import create_model

    model_config = VisionModelConfig.model_validate(
        {**checkpoint.config.get("model", {}), "weights": None, "pretrained": False}
    )
    model = create_model(
        model_config,
        num_classes=checkpoint.num_classes,
        channels=checkpoint.channels,
        image_size=checkpoint.image_size,
    )
    if checkpoint.module_fix == "opacus":
        from benchlab.vision.trainers.differential_privacy import make_private_compatible

        model = make_private_compatible(model)
    try:
        model.load_state_dict(checkpoint.model_state)
    except RuntimeError as exc:
        where = checkpoint.path or "checkpoint"
        first = str(exc).splitlines()[0]
        raise InputError(f"{where}: weights do not fit the network ({first})") from None
    return model.eval()


# --- random states ----------------------------------------------------------------------------
def capture_rng(generator: torch.Generator | None = None) -> dict[str, Any]:
    """The random states of Python, NumPy, torch (CPU and CUDA) and ``generator``, as plain
    lists and tensors (``weights_only`` loads them)."""
    import torch

    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": [version, list(internal), gauss],
        "numpy": [kind, np.asarray(keys).tolist(), int(pos), int(has_gauss), float(cached)],
        "torch": torch.random.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    if generator is not None:
        state["generator"] = generator.get_state()
    return state


def restore_rng(state: dict[str, Any], generator: torch.Generator | None = None) -> None:
    """Put back what :func:`capture_rng` captured (the parts present)."""
    import torch

    if "python" in state:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
    if "numpy" in state:
        kind, keys, pos, has_gauss, cached = state["numpy"]
        np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    if "torch" in state:
        torch.random.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    if "generator" in state and generator is not None:
        generator.set_state(state["generator"])
