"""``model.type: timm``: any timm model name, with ``in_chans`` and ``drop_rate`` from the data
and config. ``pretrained: true`` reads the Hugging Face cache only (offline)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn

from benchlab.errors import InputError
from benchlab.vision.models.naming import unknown_name

_OFFLINE = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


@contextmanager
def _offline() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in _OFFLINE}
    os.environ.update(dict.fromkeys(_OFFLINE, "1"))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def timm_model(
    name: str, *, num_classes: int, channels: int, dropout: float, pretrained: bool
) -> nn.Module:
    """``timm.create_model(name, pretrained=…, num_classes=…, in_chans=…, drop_rate=…)``."""
    import timm

    if not timm.is_model(name):
        raise unknown_name("timm model", name, timm.list_models(), key="model.architecture")
    options = {"num_classes": num_classes, "in_chans": channels, "drop_rate": dropout}
    if not pretrained:
        return timm.create_model(name, pretrained=False, **options)
    try:
        with _offline():
            return timm.create_model(name, pretrained=True, **options)
    except Exception as exc:  # noqa: BLE001 - any failure to find the cached file is the same
        raise InputError(
            f"pretrained weights for timm model {name!r} are not in the local cache and nothing "
            "is downloaded here: set model.weights to a local state_dict, or model.pretrained: "
            f"false ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from None
