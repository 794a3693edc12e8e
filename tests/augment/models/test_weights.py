"""GAN weight files: read back exactly, and a file from another model refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from benchlab.augment.models import WGANGP
from benchlab.augment.models.weights import (
    load_discriminator,
    load_generator,
    read_architecture,
    save_gan_weights,
)
from benchlab.errors import InputError

from .conftest import random_batch, tiny_architecture


@pytest.fixture()
def saved(tmp_path: Path) -> tuple[WGANGP, dict[str, Path]]:
    torch.manual_seed(0)
    module = WGANGP(architecture=tiny_architecture())
    return module, save_gan_weights(module, tmp_path / "models")


def test_the_weights_read_back_give_the_same_outputs(saved: tuple) -> None:
    module, paths = saved
    assert read_architecture(paths["generator"]) == tiny_architecture()
    batch = random_batch(5)
    args = (batch["history"], batch["reviews"], batch["temporal"])
    noise = torch.randn(5, tiny_architecture()["noise_dim"])
    generator, critic = (
        load_generator(paths["generator"]),
        load_discriminator(paths["discriminator"]),
    )
    module.eval()
    torch.testing.assert_close(generator(noise, *args), module.generator(noise, *args))
    torch.testing.assert_close(
        critic(batch["target"], *args), module.discriminator(batch["target"], *args)
    )


def _lightning_checkpoint(path: Path) -> None:
    torch.save({"state_dict": nn.Linear(2, 1).state_dict(), "pytorch-lightning_version": "2"}, path)


def _state_dict(path: Path) -> None:
    torch.save(nn.LSTM(1, 4).state_dict(), path)


def _pickled_module(path: Path) -> None:
    torch.save(nn.Linear(2, 1), path)  # a whole pickled object: weights_only refuses it


def _not_torch(path: Path) -> None:
    path.write_text("id,value\n1,2\n")


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (_lightning_checkpoint, "from another model \\(a Lightning checkpoint\\)"),
        (_state_dict, "from another model \\(a dictionary with keys weight_ih_l0"),
        (_pickled_module, "not a weight file benchlab can read safely"),
        (_not_torch, "not a weight file benchlab can read safely"),
    ],
)
def test_a_file_from_another_model_is_one_clear_error(
    tmp_path: Path, write: object, message: str
) -> None:
    path = tmp_path / "generator.pt"
    write(path)  # type: ignore[operator]
    with pytest.raises(InputError, match=message) as caught:
        load_generator(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_the_critic_is_not_a_generator(saved: tuple) -> None:
    _, paths = saved
    with pytest.raises(InputError, match="holds the GAN's discriminator, not its generator"):
        load_generator(paths["discriminator"])


def test_weights_that_do_not_fit_their_architecture_are_refused(saved: tuple) -> None:
    _, paths = saved
    payload = torch.load(paths["generator"], weights_only=True)
    payload["architecture"] = tiny_architecture(hidden_dim=8)
    torch.save(payload, paths["generator"])
    with pytest.raises(InputError, match="do not fit the recorded architecture"):
        load_generator(paths["generator"])


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="do not exist"):
        load_generator(tmp_path / "nowhere" / "generator.pt")
