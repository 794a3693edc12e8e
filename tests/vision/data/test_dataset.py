"""Datasets over index files: labels, geometry and statistics from the training images only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from benchlab.errors import InputError
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data import dataset as dataset_module
from benchlab.vision.data.dataset import IndexedImageDataset, create_datasets
from benchlab.vision.data.images import read_image
from benchlab.vision.data.splits import write_splits
from tests.vision.conftest import write_image_folder


def config_for(data_dir: Path, **data: object) -> VisionRunConfig:
    return VisionRunConfig.model_validate({"data": {"data_dir": str(data_dir), **data}, "seed": 3})


def test_digits_datasets(digits_config: VisionRunConfig) -> None:
    data = create_datasets(digits_config)
    assert (data.channels, data.image_size, data.num_classes) == (1, (8, 8), 10)
    assert len(data.train) + len(data.val) + len(data.test) == 1797
    image, label = data.val[5]
    assert image.shape == (1, 8, 8) and image.dtype == torch.float32
    assert label == data.classes.index(Path(data.val.paths[5]).parent.name)
    # the val item is the PNG, scaled to [0, 1] and normalised with the training mean/std
    raw = np.asarray(Image.open(data.val.path(5)), dtype=np.float32) / 255
    expected = (raw - data.mean[0]) / data.std[0]
    assert torch.allclose(image[0], torch.from_numpy(expected), atol=1e-5)


def test_mean_and_std_come_from_the_training_images_only(digits_config: VisionRunConfig) -> None:
    data = create_datasets(digits_config)
    train = np.stack([np.asarray(Image.open(data.train.path(i))) for i in range(len(data.train))])
    train = train.astype(np.float64) / 255
    assert data.mean == pytest.approx([train.mean()], abs=1e-5)
    assert data.std == pytest.approx([train.std()], abs=1e-5)
    everything = np.concatenate(
        [
            train.ravel(),
            *(np.asarray(Image.open(p)).ravel() / 255 for p in map(data.test.path, range(50))),
        ]
    )
    assert abs(everything.mean() - train.mean()) > 1e-6  # so the check above can tell them apart
    given = digits_config.model_copy(
        update={"data": digits_config.data.model_copy(update={"mean": [0.5], "std": [0.25]})}
    )
    made = create_datasets(given)
    assert (made.mean, made.std) == ([0.5], [0.25])


def test_preloaded_and_streamed_items_are_the_same(digits_config: VisionRunConfig) -> None:
    kept = create_datasets(digits_config, preload=True)
    streamed = create_datasets(digits_config, preload=False)
    assert kept.train.preloaded and not streamed.train.preloaded
    for index in (0, 17, len(kept.test) - 1):
        assert torch.equal(kept.test[index][0], streamed.test[index][0])
        assert kept.test[index][1] == streamed.test[index][1]


def test_small_splits_are_decoded_once(
    digits_config: VisionRunConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = create_datasets(digits_config)
    calls: list[Path] = []
    monkeypatch.setattr(dataset_module, "read_image", lambda path, **kw: calls.append(path))
    for _ in range(2):  # two epochs
        for index in range(len(data.train)):
            data.train[index]
    assert calls == []
    monkeypatch.setattr(dataset_module, "PRELOAD_MAX_BYTES", 100)
    big = IndexedImageDataset(
        data.train.data_dir,
        data.train.paths[:20],
        data.classes,
        channels=1,
        image_size=(8, 8),
    )
    assert not big.preloaded and calls == []  # read item by item, on demand


def test_mixed_sizes_and_modes_are_resized_to_the_common_one(tmp_path: Path) -> None:
    write_image_folder(tmp_path, {"a": 4, "b": 4}, size=(6, 5), mode="RGB")
    write_image_folder(tmp_path, {"a": 2}, size=(9, 9), mode="L", seed=1)
    (tmp_path / "raw" / "a" / "0.png").unlink()
    Image.new("RGBA", (3, 4), (10, 20, 30, 255)).save(tmp_path / "raw" / "a" / "0.png")
    write_splits(tmp_path / "raw", folds=2, test_fraction=0.25, seed=0)
    data = create_datasets(config_for(tmp_path))
    assert (data.channels, data.image_size) == (3, (6, 5))
    assert len(data.mean) == len(data.std) == 3
    for dataset in (data.train, data.val, data.test):
        for index in range(len(dataset)):
            assert dataset[index][0].shape == (3, 6, 5)
    forced = create_datasets(config_for(tmp_path, channels=1, image_size=[4, 4]))
    assert forced.test[0][0].shape == (1, 4, 4)
    pixels = forced.test.pixels(0)
    direct = read_image(forced.test.path(0), channels=1, image_size=(4, 4))
    assert pixels[0].numpy().tolist() == np.asarray(direct).tolist()


@pytest.mark.parametrize(
    ("data", "model", "message"),
    [
        ({"classes": ["1", "0"]}, {}, "data.classes"),
        ({}, {"num_classes": 3}, "model.num_classes is 3"),
        ({"mean": [0.1, 0.2]}, {}, "data.mean has 2 values for 1 channel"),
    ],
)
def test_config_that_does_not_fit_the_data(
    digits_dir: Path, data: dict, model: dict, message: str
) -> None:
    config = VisionRunConfig.model_validate(
        {"data": {"data_dir": str(digits_dir), **data}, "model": model}
    )
    with pytest.raises(InputError, match=message):
        create_datasets(config)


def test_an_unlisted_class_is_refused(digits_dir: Path) -> None:
    with pytest.raises(InputError, match="class 'x' is unknown"):
        IndexedImageDataset(digits_dir, ["raw/x/1.png"], ["0"], channels=1, image_size=(8, 8))
