"""Image folders: ``raw/<class>/<file>`` scanned and checked, and one image read as a PIL image.

Every problem is an :class:`~benchlab.errors.InputError` naming the path: a missing folder, a
class folder without images, a file that is not an image or does not decode.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from benchlab.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
"""The image files a class folder may hold (case-insensitive)."""

GRAYSCALE_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
"""PIL modes with one colour channel (an alpha channel aside)."""


def _hidden(path: Path) -> bool:
    return path.name.startswith(".")


def _class_files(folder: Path) -> Iterator[Path]:
    """Every visible file under ``folder`` (nested folders included), sorted."""
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if path.is_file() and not hidden:
            yield path


def check_image(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is an image file that PIL decodes.

    ``verify()`` checks the file's structure; a second open loads the pixels, which catches a
    truncated file that ``verify()`` lets through.
    """
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{path}: not an image file (expected one of {', '.join(IMAGE_SUFFIXES)})")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from None


def scan_raw(raw_dir: str | Path, *, verify: bool = True) -> dict[str, list[Path]]:
    """The images of ``raw_dir``: class folder name → its image paths, both sorted.

    Hidden files (``.DS_Store``) are skipped. A missing folder, a folder without class folders,
    a file beside the class folders, a class folder without images and (with ``verify``) a file
    that is not a decodable image each raise :class:`InputError` naming the path.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: image folder does not exist")
    classes: dict[str, list[Path]] = {}
    for entry in sorted(raw_dir.iterdir()):
        if _hidden(entry):
            continue
        if not entry.is_dir():
            raise InputError(
                f"{entry}: a file beside the class folders; expected {raw_dir}/<class>/<image>"
            )
        files = list(_class_files(entry))
        if not files:
            raise InputError(f"{entry}: class folder has no images")
        if verify:
            for file in files:
                check_image(file)
        else:
            for file in files:
                if file.suffix.lower() not in IMAGE_SUFFIXES:
                    check_image(file)  # raises: not an image file
        classes[entry.name] = files
    if not classes:
        raise InputError(f"{raw_dir}: no class folders (expected {raw_dir}/<class>/<image>)")
    return classes


def _to_mode(image: Image.Image, mode: str) -> Image.Image:
    """``image`` as ``L`` or ``RGB``; transparent pixels become black, 16-bit and float
    grayscale are scaled to 0–255."""
    import numpy as np
    from PIL import Image

    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}:
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode != "F" or values.max(initial=0.0) > 1.0 else 1.0
        image = Image.fromarray(np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if image.mode in {"LA", "La", "RGBA", "RGBa", "PA"}:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, rgba)
    return image if image.mode == mode else image.convert(mode)


def read_image(
    path: str | Path, *, channels: int, image_size: tuple[int, int] | None = None
) -> Image.Image:
    """The image at ``path`` as a loaded PIL image: ``L`` for 1 channel, ``RGB`` for 3, resized
    (bilinear, antialiased) to ``image_size`` = (height, width) when given.

    A file that does not decode raises :class:`InputError` naming it.
    """
    from PIL import Image, UnidentifiedImageError

    if channels not in (1, 3):
        raise InputError(f"channels must be 1 or 3, got {channels!r}")
    path = Path(path)
    try:
        with Image.open(path) as opened:
            opened.load()
            image = _to_mode(opened, "L" if channels == 1 else "RGB")
    except FileNotFoundError:
        raise InputError(f"{path}: image does not exist") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from None
    if image_size is not None:
        height, width = image_size
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
    return image


def image_header(path: str | Path) -> tuple[str, tuple[int, int]]:
    """``(PIL mode, (height, width))`` of an image, read from its header only."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            mode = image.mode
            if mode == "P" and _grayscale_palette(image):
                mode = "L"
            return mode, (image.height, image.width)
    except FileNotFoundError:
        raise InputError(f"{path}: image does not exist") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from None


def _grayscale_palette(image: Image.Image) -> bool:
    palette = image.getpalette() or []
    triples = zip(palette[0::3], palette[1::3], palette[2::3], strict=False)
    return all(r == g == b for r, g, b in triples)


def infer_geometry(paths: Sequence[Path]) -> tuple[int, tuple[int, int]]:
    """``(channels, (height, width))`` of a set of images, from their headers: 1 channel when
    every image is grayscale, else 3; the most common size (the first seen on a tie)."""
    if not paths:
        raise InputError("no images to infer the channels and image size from")
    modes: set[str] = set()
    sizes: Counter[tuple[int, int]] = Counter()
    for path in paths:
        mode, size = image_header(path)
        modes.add(mode)
        sizes[size] += 1
    channels = 1 if modes <= GRAYSCALE_MODES else 3
    return channels, sizes.most_common(1)[0][0]
