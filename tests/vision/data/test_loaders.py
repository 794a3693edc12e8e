"""Loaders: a seeded, resumable shuffle for training; fixed order for val and test."""

from __future__ import annotations

import torch

from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data.dataset import create_datasets
from benchlab.vision.data.loaders import create_dataloaders


def first_labels(loader: torch.utils.data.DataLoader, batches: int = 3) -> list[int]:
    labels: list[int] = []
    for index, (_, y) in enumerate(loader):
        if index == batches:
            break
        labels.extend(y.tolist())
    return labels


def test_loaders(digits_config: VisionRunConfig) -> None:
    data = create_datasets(digits_config)
    loaders = create_dataloaders(digits_config, data, seed=5)
    assert set(loaders) == {"train", "val", "test"}
    images, labels = next(iter(loaders["train"]))
    assert images.shape == (64, 1, 8, 8) and labels.dtype == torch.int64
    assert sum(len(y) for _, y in loaders["test"]) == len(data.test)
    # val and test keep the index-file order
    assert first_labels(loaders["val"]) == data.val.labels[: len(first_labels(loaders["val"]))]

    order = first_labels(create_dataloaders(digits_config, data, seed=5)["train"], 100)
    again = create_dataloaders(digits_config, data, seed=5)["train"]
    other = create_dataloaders(digits_config, data, seed=6)["train"]
    assert first_labels(again, 100) == order  # same seed, same order
    assert first_labels(other, 100) != order
    # the generator's state is what a checkpoint stores: restoring it repeats the next epoch
    state = again.generator.get_state()
    next_epoch = first_labels(again, 100)
    again.generator.set_state(state)
    assert first_labels(again, 100) == next_epoch != order


def test_workers_are_seeded(digits_config: VisionRunConfig) -> None:
    config = digits_config.model_copy(
        update={"data": digits_config.data.model_copy(update={"num_workers": 1})}
    )
    data = create_datasets(config)
    train = create_dataloaders(config, data, seed=1)["train"]
    assert train.worker_init_fn is not None and train.num_workers == 1
    assert first_labels(train, 2) == first_labels(
        create_dataloaders(config, data, seed=1)["train"], 2
    )
