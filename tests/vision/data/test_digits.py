"""The digits generator: scikit-learn's real images as PNGs, written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from benchlab.errors import InputError
from benchlab.vision.data.digits import INFO_FILE, is_digits_folder, write_digits


def everything(root: Path) -> list[str]:
    """Every path under ``root`` (hidden ones included), relative, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_digits_folder_holds_every_image_with_its_pixels(digits_dir: Path) -> None:
    source = load_digits()
    files = sorted((digits_dir / "raw").glob("*/*.png"))
    assert len(files) == len(source.target)
    per_class = {c.name: len(list(c.iterdir())) for c in (digits_dir / "raw").iterdir()}
    expected = {str(k): int(n) for k, n in enumerate(np.bincount(source.target))}
    assert per_class == expected
    # each PNG is one of the real images, 0-16 ink scaled to 0-255, in its label's folder
    scaled = np.rint(source.images * 255 / 16).astype(np.uint8)
    by_bytes = {scaled[i].tobytes(): str(source.target[i]) for i in range(len(scaled))}
    for path in files[::97]:
        with Image.open(path) as image:
            assert (image.mode, image.size) == ("L", (8, 8))
            assert by_bytes[np.asarray(image).tobytes()] == path.parent.name
    info = json.loads((digits_dir / INFO_FILE).read_text())
    assert info["images"] == len(files) and info["classes"] == expected


def test_same_seed_is_left_alone_other_content_is_refused(digits_dir: Path) -> None:
    before = (digits_dir / "raw").stat().st_mtime_ns
    assert write_digits(digits_dir, seed=0) == digits_dir
    assert (digits_dir / "raw").stat().st_mtime_ns == before
    assert is_digits_folder(digits_dir, seed=0) and not is_digits_folder(digits_dir, seed=1)
    with pytest.raises(InputError, match="--force") as info:
        write_digits(digits_dir, seed=1)
    assert str(digits_dir) in str(info.value)


def test_force_replaces_a_folder_and_the_seed_only_renumbers(tmp_path: Path) -> None:
    out = tmp_path / "digits"
    out.mkdir()
    (out / "mine.txt").write_text("precious")
    with pytest.raises(InputError, match="not empty"):
        write_digits(out, seed=3)
    assert everything(out) == ["mine.txt"]
    write_digits(out, seed=3, force=True)
    assert not (out / "mine.txt").exists() and is_digits_folder(out, seed=3)
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    other = write_digits(tmp_path / "other", seed=4)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*.png")}
    other_names = {p.relative_to(other).as_posix() for p in other.rglob("*.png")}
    assert names != other_names  # different numbering …
    # … of the same images per class
    for label in map(str, range(10)):
        pixels = sorted(Image.open(p).tobytes() for p in (out / "raw" / label).iterdir())
        assert pixels == sorted(Image.open(p).tobytes() for p in (other / "raw" / label).iterdir())


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []
    real_save = Image.Image.save

    def save_then_fail(self: Image.Image, fp, *args, **kwargs):
        if len(written) == 5:
            raise OSError("disk full")
        real_save(self, fp, *args, **kwargs)
        written.append(Path(fp))

    monkeypatch.setattr(Image.Image, "save", save_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_digits(tmp_path / "digits")
    assert len(written) == 5 and all(tmp_path in p.parents for p in written)  # half written …
    assert everything(tmp_path) == []  # … and nothing of it is left
