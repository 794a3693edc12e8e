"""Networks for image classification: torchvision (``base``), timm and seed 002's custom nets.

:func:`create_model` builds any of them for the data's classes, channels and image size, loads
a local weights file when the config names one, and runs one dummy image through the network so
that a size it cannot take fails before training. Heavy imports happen inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchlab.errors import InputError

if TYPE_CHECKING:
    from torch import nn

    from benchlab.vision.config import VisionModelConfig

#: Examples shown by ``benchlab models --task vision`` (any name of the library works).
TORCHVISION_EXAMPLES = ("resnet18", "efficientnet_b0", "mobilenet_v3_small", "convnext_tiny")
TIMM_EXAMPLES = ("resnet18d", "efficientnet_b0", "mobilenetv3_small_100", "vit_tiny_patch16_224")


def model_label(model_config: VisionModelConfig) -> str:
    """The network's name as a run reports it: ``simple_cnn``, ``resnet18``, ``timm/vit_…``."""
    if model_config.type == "custom":
        return str(model_config.custom_architecture)
    prefix = "timm/" if model_config.type == "timm" else ""
    return f"{prefix}{model_config.architecture}"


def create_model(
    model_config: VisionModelConfig,
    *,
    num_classes: int,
    channels: int,
    image_size: tuple[int, int],
) -> nn.Module:
    """The network ``model_config`` names, for ``num_classes`` classes of ``channels``×H×W
    images, random or from ``model_config.weights``; an unknown name lists close ones."""
    from benchlab.vision.models.weights import check_forward, load_weights

    size = (int(image_size[0]), int(image_size[1]))
    if model_config.type == "custom":
        model = _custom(model_config, num_classes=num_classes, channels=channels, size=size)
    elif model_config.architecture is None:
        raise InputError(f"model.architecture: name the {model_config.type} network to train")
    elif model_config.type == "base":
        from benchlab.vision.models.base import torchvision_model

        model = torchvision_model(
            model_config.architecture,
            num_classes=num_classes,
            channels=channels,
            image_size=size,
            dropout=model_config.dropout,
            pretrained=model_config.pretrained,
        )
    else:
        from benchlab.vision.models.timm_models import timm_model

        model = timm_model(
            model_config.architecture,
            num_classes=num_classes,
            channels=channels,
            dropout=model_config.dropout,
            pretrained=model_config.pretrained,
        )
    if model_config.weights is not None:
        load_weights(model, model_config.weights)
    check_forward(model, channels=channels, image_size=size, label=model_label(model_config))
    return model


def _custom(
    model_config: VisionModelConfig, *, num_classes: int, channels: int, size: tuple[int, int]
) -> nn.Module:
    from benchlab.vision.models.custom import CUSTOM_MODELS
    from benchlab.vision.models.naming import unknown_name

    name = model_config.custom_architecture
    if name not in CUSTOM_MODELS:
        raise unknown_name(
            "custom architecture", str(name), list(CUSTOM_MODELS), key="model.custom_architecture"
        )
    if model_config.pretrained:
        raise InputError(
            f"model.pretrained: the custom {name} has no pretrained weights; use model.weights"
        )
    return CUSTOM_MODELS[name](
        num_classes, channels=channels, image_size=size, dropout=model_config.dropout
    )


def model_rows() -> list[dict[str, str]]:
    """``benchlab models --task vision``: the custom nets, then torchvision and timm examples."""
    from benchlab.vision.models.custom import CUSTOM_MODELS

    rows = [
        {
            "name": name,
            "task": "vision",
            "input": "images",
            "quantiles": "no",
            "description": f"custom: {builder.description}",
        }
        for name, builder in CUSTOM_MODELS.items()
    ]
    rows += [
        {
            "name": name,
            "task": "vision",
            "input": "images",
            "quantiles": "no",
            "description": "torchvision (model.type: base); any torchvision classifier name",
        }
        for name in TORCHVISION_EXAMPLES
    ]
    rows += [
        {
            "name": f"timm/{name}",
            "task": "vision",
            "input": "images",
            "quantiles": "no",
            "description": "timm (model.type: timm); any timm model name",
        }
        for name in TIMM_EXAMPLES
    ]
    return rows
