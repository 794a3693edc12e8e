"""``model.type: base``: any torchvision classification architecture, by name.

Weights start random (nothing downloads here); ``pretrained: true`` takes torchvision's weights
from the local torch hub cache only. The first convolution is rebuilt for the data's channel
count and, for small images, keeps full resolution (stride 1, no stem max-pool), as
timm and CIFAR-style ResNets do.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn

from benchlab.errors import InputError
from benchlab.vision.models.naming import unknown_name

#: Images whose short side is below this keep full resolution in the first convolution.
SMALL_IMAGE = 64


def torchvision_names() -> list[str]:
    """Every torchvision classification architecture (``resnet18``, ``convnext_tiny`` …)."""
    import torchvision

    return sorted(torchvision.models.list_models(module=torchvision.models))


def cached_weights_file(architecture: str) -> tuple[object, Path]:
    """The default weights of ``architecture`` and where torch hub caches their file."""
    import torchvision

    weights = torchvision.models.get_model_weights(architecture).DEFAULT
    name = Path(urlparse(weights.url).path).name
    return weights, Path(torch.hub.get_dir()) / "checkpoints" / name


def torchvision_model(
    architecture: str,
    *,
    num_classes: int,
    channels: int,
    image_size: tuple[int, int],
    dropout: float,
    pretrained: bool,
) -> nn.Module:
    """``torchvision.models.get_model(architecture)`` fitted to the classes, channels and size."""
    import torchvision

    names = torchvision_names()
    if architecture not in names:
        raise unknown_name(
            "torchvision architecture", architecture, names, key="model.architecture"
        )
    if pretrained:
        weights, path = cached_weights_file(architecture)
        if not path.is_file():
            raise InputError(
                f"pretrained weights for {architecture} are not in the local cache ({path}) and "
                "nothing is downloaded here: put the file there, set model.weights to a local "
                "state_dict, or set model.pretrained: false"
            )
        model = torchvision.models.get_model(architecture, weights=weights)
        replace_classifier(model, num_classes, architecture)
        set_dropout(model, dropout)
    else:
        try:
            model = torchvision.models.get_model(
                architecture, weights=None, num_classes=num_classes, dropout=dropout
            )
        except TypeError:  # the architecture has no dropout argument (ResNet, VGG …)
            model = torchvision.models.get_model(
                architecture, weights=None, num_classes=num_classes
            )
            add_dropout(model, dropout)
    adapt_stem(model, channels=channels, small=min(image_size) < SMALL_IMAGE)
    return model


def _parent(model: nn.Module, name: str) -> tuple[nn.Module, str]:
    path, _, leaf = name.rpartition(".")
    return (model.get_submodule(path) if path else model), leaf


def _last_linear(model: nn.Module, architecture: str) -> tuple[str, nn.Linear]:
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise InputError(f"{architecture}: no linear classifier to fit to the classes")
    return linears[-1]


def replace_classifier(model: nn.Module, num_classes: int, architecture: str) -> None:
    """Swap the last linear layer for a new one with ``num_classes`` outputs."""
    name, linear = _last_linear(model, architecture)
    parent, leaf = _parent(model, name)
    setattr(parent, leaf, nn.Linear(linear.in_features, num_classes))


def set_dropout(model: nn.Module, p: float) -> None:
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = p


def add_dropout(model: nn.Module, p: float) -> None:
    """A network without dropout gets one before its classifier (``fc`` → dropout + ``fc``)."""
    if p <= 0 or any(isinstance(m, nn.Dropout) for m in model.modules()):
        return
    name, linear = _last_linear(model, type(model).__name__)
    parent, leaf = _parent(model, name)
    setattr(parent, leaf, nn.Sequential(nn.Dropout(p), linear))


def adapt_stem(model: nn.Module, *, channels: int, small: bool) -> None:
    """Rebuild the first convolution for ``channels`` inputs (pretrained RGB filters summed for
    grayscale) and, for small images, with stride 1 and no max-pool right after it."""
    first = next(((n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)), None)
    if first is None:
        return
    name, conv = first
    if conv.in_channels == channels and not small:
        return
    stride = (1, 1) if small else conv.stride
    new = nn.Conv2d(
        channels,
        conv.out_channels,
        conv.kernel_size,
        stride=stride,
        padding=conv.padding,
        dilation=conv.dilation,
        bias=conv.bias is not None,
    )
    with torch.no_grad():
        if conv.in_channels == channels:
            new.weight.copy_(conv.weight)
        elif channels == 1:
            new.weight.copy_(conv.weight.sum(dim=1, keepdim=True))
        if conv.bias is not None and new.bias is not None:
            new.bias.copy_(conv.bias)
    parent, leaf = _parent(model, name)
    setattr(parent, leaf, new)
    if small and isinstance(getattr(model, "maxpool", None), nn.MaxPool2d):
        model.maxpool = nn.Identity()
