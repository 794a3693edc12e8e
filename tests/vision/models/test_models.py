"""Networks by config: custom, torchvision and timm, fitted to channels and image size."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from benchlab.errors import InputError
from benchlab.vision.config import VisionModelConfig
from benchlab.vision.models import (
    TIMM_EXAMPLES,
    TORCHVISION_EXAMPLES,
    create_model,
    model_label,
    model_rows,
)
from benchlab.vision.models.base import cached_weights_file, torchvision_names
from benchlab.vision.models.custom import CUSTOM_MODELS


def logits_of(model: nn.Module, channels: int, size: tuple[int, int], batch: int = 2):
    model.eval()
    with torch.no_grad():
        return model(torch.randn(batch, channels, *size))


@pytest.mark.parametrize("name", sorted(CUSTOM_MODELS))
@pytest.mark.parametrize(("channels", "size"), [(1, (8, 8)), (3, (32, 32)), (3, (17, 23))])
def test_custom_networks_take_any_size(name: str, channels: int, size: tuple[int, int]) -> None:
    config = VisionModelConfig(type="custom", custom_architecture=name, dropout=0.3)
    model = create_model(config, num_classes=7, channels=channels, image_size=size)
    assert logits_of(model, channels, size).shape == (2, 7)
    dropouts = [m.p for m in model.modules() if isinstance(m, nn.Dropout)]
    assert dropouts == [0.3]


def test_torchvision_stem_fits_small_grayscale_images() -> None:
    config = VisionModelConfig(type="base", architecture="resnet18", custom_architecture=None)
    model = create_model(config, num_classes=10, channels=1, image_size=(8, 8))
    assert model.conv1.in_channels == 1 and model.conv1.stride == (1, 1)
    assert isinstance(model.maxpool, nn.Identity)
    assert logits_of(model, 1, (8, 8)).shape == (2, 10)
    # resnet has no dropout argument: one is put before its classifier
    assert isinstance(model.fc, nn.Sequential) and model.fc[0].p == config.dropout


def test_torchvision_large_images_keep_the_stem_stride() -> None:
    config = VisionModelConfig(type="base", architecture="mobilenet_v3_small", dropout=0.4)
    model = create_model(config, num_classes=3, channels=3, image_size=(96, 96))
    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    assert first.stride == (2, 2) and first.in_channels == 3
    assert {m.p for m in model.modules() if isinstance(m, nn.Dropout)} == {0.4}
    assert logits_of(model, 3, (96, 96)).shape == (2, 3)


def test_timm_model_takes_channels_and_classes() -> None:
    config = VisionModelConfig(type="timm", architecture="resnet10t", dropout=0.1)
    model = create_model(config, num_classes=4, channels=1, image_size=(32, 32))
    assert logits_of(model, 1, (32, 32)).shape == (2, 4)
    assert model_label(config) == "timm/resnet10t"


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ({"type": "custom", "custom_architecture": "simple_cn"}, "close names: simple_cnn"),
        ({"type": "base", "architecture": "resnt18"}, "resnet18"),
        ({"type": "timm", "architecture": "efficientnet_b00"}, "efficientnet_b0"),
    ],
)
def test_unknown_architecture_lists_close_names(model: dict, expected: str) -> None:
    with pytest.raises(InputError, match="unknown") as info:
        create_model(VisionModelConfig(**model), num_classes=2, channels=1, image_size=(8, 8))
    message = str(info.value)
    assert expected in message and "\n" not in message
    assert (
        "model.custom_architecture" if model["type"] == "custom" else "model.architecture"
    ) in message


def test_missing_architecture_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="model.architecture"):
        create_model(VisionModelConfig(type="base"), num_classes=2, channels=1, image_size=(8, 8))


def test_a_size_the_network_cannot_take_fails_before_training() -> None:
    config = VisionModelConfig(type="base", architecture="convnext_tiny")
    with pytest.raises(InputError, match=r"convnext_tiny cannot take 1×8×8 images.*image_size"):
        create_model(config, num_classes=2, channels=1, image_size=(8, 8))


def test_pretrained_weights_missing_from_the_cache_are_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    config = VisionModelConfig(type="base", architecture="mobilenet_v3_small", pretrained=True)
    with pytest.raises(InputError, match="not in the local cache") as info:
        create_model(config, num_classes=2, channels=3, image_size=(64, 64))
    assert str(tmp_path) in str(info.value)


def test_pretrained_weights_come_from_the_local_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A weights file in torch hub's cache is used (nothing downloads): the grayscale stem is
    the sum of the cached RGB filters and the classifier is new, for our classes."""
    import torchvision

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    _, cached = cached_weights_file("mobilenet_v3_small")
    torch.manual_seed(1)
    reference = torchvision.models.get_model("mobilenet_v3_small", weights=None)
    cached.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), cached)

    config = VisionModelConfig(type="base", architecture="mobilenet_v3_small", pretrained=True)
    model = create_model(config, num_classes=5, channels=1, image_size=(64, 64))
    stem = reference.features[0][0].weight
    assert torch.equal(model.features[0][0].weight, stem.sum(dim=1, keepdim=True))
    assert torch.equal(
        model.features[1].block[0][0].weight, reference.features[1].block[0][0].weight
    )
    assert model.classifier[-1].out_features == 5


def test_custom_network_has_no_pretrained_weights() -> None:
    with pytest.raises(InputError, match="no pretrained weights"):
        create_model(
            VisionModelConfig(pretrained=True), num_classes=2, channels=1, image_size=(8, 8)
        )


def test_local_weights_file_is_loaded(tmp_path: Path) -> None:
    torch.manual_seed(3)
    source = create_model(VisionModelConfig(), num_classes=4, channels=1, image_size=(8, 8))
    path = tmp_path / "weights.pt"
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)

    torch.manual_seed(4)
    loaded = create_model(
        VisionModelConfig(weights=path), num_classes=4, channels=1, image_size=(8, 8)
    )
    for (name, a), b in zip(source.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_weights_that_do_not_fit_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    other = create_model(VisionModelConfig(), num_classes=3, channels=1, image_size=(8, 8))
    torch.save(other.state_dict(), path)
    with pytest.raises(InputError, match=r"other\.pt does not fit the network"):
        create_model(VisionModelConfig(weights=path), num_classes=4, channels=1, image_size=(8, 8))
    with pytest.raises(InputError, match="does not exist"):
        create_model(
            VisionModelConfig(weights=tmp_path / "none.pt"),
            num_classes=4,
            channels=1,
            image_size=(8, 8),
        )


def test_model_rows_list_custom_nets_and_real_library_examples() -> None:
    import timm

    rows = model_rows()
    names = [row["name"] for row in rows]
    assert set(CUSTOM_MODELS) <= set(names)
    assert all(row.keys() == {"name", "task", "input", "quantiles", "description"} for row in rows)
    assert {row["task"] for row in rows} == {"vision"}
    assert set(TORCHVISION_EXAMPLES) <= set(torchvision_names())
    assert all(timm.is_model(name) for name in TIMM_EXAMPLES)
    assert {f"timm/{name}" for name in TIMM_EXAMPLES} <= set(names)


def test_benchlab_models_lists_the_vision_networks() -> None:
    from typer.testing import CliRunner

    from benchlab.cli import app

    result = CliRunner().invoke(app, ["models", "--task", "vision"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in (*CUSTOM_MODELS, *TORCHVISION_EXAMPLES):
        assert name in result.stdout
