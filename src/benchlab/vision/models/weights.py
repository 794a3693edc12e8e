"""Starting weights from a local file, and the dry run that proves a network takes the images."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from benchlab.errors import InputError

_PREFIXES = ("_module.", "module.")


def load_weights(model: nn.Module, path: Path) -> None:
    """Load a local ``state_dict`` (or a benchlab checkpoint's weights) into ``model``.

    A benchlab checkpoint is checked against its ``.sha256`` first; any file is read with
    ``torch.load(weights_only=True)``. Keys saved from a wrapped model (``module.``,
    Opacus's ``_module.``) are accepted.
    """
    from benchlab.vision.checkpoints import FORMAT, digest_path, read_payload, verify_digest

    path = Path(path)
    if not path.is_file():
        raise InputError(f"model.weights: {path} does not exist")
    if digest_path(path).is_file():
        verify_digest(path)
    payload = read_payload(path)
    if isinstance(payload, dict) and payload.get("format") == FORMAT:
        payload = payload["model_state"]
    if not isinstance(payload, dict) or not all(
        isinstance(v, torch.Tensor) for v in payload.values()
    ):
        raise InputError(f"model.weights: {path} holds no state_dict (name → tensor)")
    state = {_strip(key): value for key, value in payload.items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        detail = "; ".join(line.strip() for line in str(exc).splitlines()[1:3])
        raise InputError(
            f"model.weights: {path} does not fit the network ({first} {detail})"
        ) from None


def _strip(key: str) -> str:
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def check_forward(
    model: nn.Module, *, channels: int, image_size: tuple[int, int], label: str
) -> None:
    """Run one blank image through ``model`` (eval mode, no gradients); a network that cannot
    take ``channels``×H×W images fails here with one message instead of in the first batch."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, channels, *image_size))
    except (RuntimeError, ValueError, AssertionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"model {label} cannot take {channels}×{image_size[0]}×{image_size[1]} images "
            f"({first}); set data.image_size to a size it accepts"
        ) from None
    finally:
        model.train(was_training)
