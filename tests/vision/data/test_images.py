"""Image folders: scanned and checked, each problem one InputError naming the path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchlab.errors import InputError
from benchlab.vision.data.images import (
    IMAGE_SUFFIXES,
    infer_geometry,
    read_image,
    scan_raw,
)
from tests.vision.conftest import write_image_folder


def test_scan_raw_maps_sorted_classes_to_sorted_images(tmp_path: Path) -> None:
    write_image_folder(tmp_path, {"dog": 3, "cat": 2})
    (tmp_path / "raw" / "cat" / ".DS_Store").write_bytes(b"\0")
    images = scan_raw(tmp_path / "raw")
    assert list(images) == ["cat", "dog"]
    assert [p.name for p in images["dog"]] == ["0.png", "1.png", "2.png"]
    assert all(p.is_file() for files in images.values() for p in files)


@pytest.mark.parametrize("suffix", IMAGE_SUFFIXES)
def test_scan_raw_accepts_every_image_format(tmp_path: Path, suffix: str) -> None:
    write_image_folder(tmp_path, {"a": 1, "b": 1}, mode="RGB", suffix=suffix.upper())
    assert [p.suffix for p in scan_raw(tmp_path / "raw")["a"]] == [suffix.upper()]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing folder", "does not exist"),
        ("empty class", "no images"),
        ("not an image", "not an image file"),
        ("corrupt", "not a readable image"),
        ("truncated", "not a readable image"),
        ("loose file", "beside the class folders"),
    ],
)
def test_scan_raw_names_the_bad_path(tmp_path: Path, kind: str, expected: str) -> None:
    write_image_folder(tmp_path, {"a": 2, "b": 2})
    raw = tmp_path / "raw"
    if kind == "missing folder":
        raw = raw / "nowhere"
        bad = raw
    elif kind == "empty class":
        bad = raw / "empty"
        bad.mkdir()
    elif kind == "not an image":
        bad = raw / "a" / "notes.txt"
        bad.write_text("hello")
    elif kind == "corrupt":
        bad = raw / "b" / "corrupt.png"
        bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    elif kind == "truncated":
        bad = raw / "b" / "truncated.png"
        whole = (raw / "b" / "0.png").read_bytes()
        bad.write_bytes(whole[: len(whole) - 20])
    else:
        bad = raw / "loose.png"
        bad.write_bytes((raw / "a" / "0.png").read_bytes())
    with pytest.raises(InputError) as info:
        scan_raw(raw)
    assert str(bad) in str(info.value)
    assert expected in str(info.value)


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P", "1", "I;16"])
def test_read_image_gives_l_or_rgb_at_the_asked_size(tmp_path: Path, mode: str) -> None:
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (7, 9, 3), dtype=np.uint8), mode="RGB")
    image = rgb.convert(mode)
    path = tmp_path / "x.png"
    image.save(path)
    gray = read_image(path, channels=1, image_size=(4, 5))
    colour = read_image(path, channels=3, image_size=None)
    assert (gray.mode, gray.size) == ("L", (5, 4))
    assert (colour.mode, colour.size) == ("RGB", (9, 7))


def test_read_image_scales_16_bit_and_blackens_transparency(tmp_path: Path) -> None:
    deep = Image.fromarray(np.full((2, 2), 65535, dtype=np.uint16))
    deep.save(tmp_path / "deep.png")
    assert np.asarray(read_image(tmp_path / "deep.png", channels=1)).tolist() == [[255, 255]] * 2
    clear = Image.new("RGBA", (2, 2), (200, 100, 50, 0))
    clear.save(tmp_path / "clear.png")
    assert np.asarray(read_image(tmp_path / "clear.png", channels=3)).max() == 0


def test_read_image_names_a_missing_or_corrupt_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as info:
        read_image(tmp_path / "gone.png", channels=1)
    assert str(tmp_path / "gone.png") in str(info.value)
    (tmp_path / "bad.jpg").write_bytes(b"nope")
    with pytest.raises(InputError, match="not a readable image"):
        read_image(tmp_path / "bad.jpg", channels=3)


def test_infer_geometry_takes_the_common_size_and_grayscale_only_when_all_are(
    tmp_path: Path,
) -> None:
    write_image_folder(tmp_path / "g", {"a": 3}, size=(6, 5), mode="L")
    write_image_folder(tmp_path / "g", {"b": 1}, size=(9, 9), mode="LA")
    gray = sorted((tmp_path / "g" / "raw").rglob("*.png"))
    assert infer_geometry(gray) == (1, (6, 5))
    write_image_folder(tmp_path / "c", {"a": 1}, size=(4, 4), mode="RGB")
    assert infer_geometry([*gray, *(tmp_path / "c" / "raw").rglob("*.png")]) == (3, (6, 5))
