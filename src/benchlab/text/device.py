"""Device detection and synchronisation, as seed 004 does it (CUDA, then MPS, then CPU).

>>> resolve_device("cpu")
'cpu'
"""

from __future__ import annotations

from typing import Literal

from benchlab.errors import InputError

Device = Literal["cpu", "cuda", "mps"]


def get_device() -> Device:
    """The best device present: ``cuda``, else ``mps``, else ``cpu``."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_device(requested: str) -> Device:
    """``auto`` → :func:`get_device`; a named device must be present."""
    if requested == "auto":
        return get_device()
    if requested == "cpu":
        return "cpu"
    if requested not in ("cuda", "mps"):
        raise InputError(f"device {requested!r} is not one of auto, cpu, cuda, mps")
    import torch

    present = (
        torch.cuda.is_available()
        if requested == "cuda"
        else getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    )
    if not present:
        raise InputError(f"device {requested!r} was asked for but is not available here")
    return requested  # type: ignore[return-value]


def synchronize(device: str) -> None:
    """Wait for queued kernels on ``device`` (timing must include them)."""
    import torch

    if device == "cuda":
        torch.cuda.synchronize()
    elif device == "mps" and hasattr(torch, "mps"):
        torch.mps.synchronize()
