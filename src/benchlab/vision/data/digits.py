"""The embedded default data set: scikit-learn's bundled digits as an image folder.

``write_digits(Path("data/digits"))`` writes the 1,797 real 8×8 images of
:func:`sklearn.datasets.load_digits` as ``raw/<class>/<n>.png`` (8-bit grayscale, the 0–16 ink
levels scaled to 0–255) and ``digits.json`` describing them. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from benchlab.errors import InputError
from benchlab.runs import scratch_directory

INFO_FILE = "digits.json"
SOURCE = "sklearn.datasets.load_digits"


def digits_info(seed: int, counts: dict[str, int]) -> dict[str, Any]:
    """What ``digits.json`` holds: the source, the seed and the images per class."""
    return {
        "source": SOURCE,
        "seed": seed,
        "images": sum(counts.values()),
        "classes": counts,
        "layout": "raw/<class>/<n>.png, 8-bit grayscale, ink 0-16 scaled to 0-255",
    }


def is_digits_folder(out_dir: str | Path, *, seed: int) -> bool:
    """Whether ``out_dir`` already holds the digits written with ``seed``."""
    out_dir = Path(out_dir)
    try:
        info = json.loads((out_dir / INFO_FILE).read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(info, dict)
        and info.get("source") == SOURCE
        and info.get("seed") == seed
        and (out_dir / "raw").is_dir()
    )


def _write_images(folder: Path, seed: int) -> dict[str, int]:
    """Write ``raw/<class>/<n>.png`` into ``folder``; ``n`` numbers the images in a seeded
    shuffle of load_digits' order (the pixels and labels never depend on the seed)."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    pixels = np.rint(digits.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
    counts: dict[str, int] = {}
    for number, index in enumerate(order):
        label = str(int(digits.target[index]))
        class_dir = folder / "raw" / label
        class_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels[index], mode="L").save(class_dir / f"{number}.png")
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: int(item[0])))


def write_digits(out_dir: str | Path, *, seed: int = 0, force: bool = False) -> Path:
    """Write the digits into ``out_dir`` and return it.

    The folder appears whole or not at all (written beside it, then renamed). An ``out_dir``
    that already holds these digits (same seed) is left as it is; a non-empty folder holding
    anything else raises :class:`InputError` unless ``force``, which replaces it.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    occupied = out_dir.is_dir() and any(out_dir.iterdir())
    if occupied and not force:
        if is_digits_folder(out_dir, seed=seed):
            return out_dir
        raise InputError(
            f"{out_dir}: folder is not empty and does not hold the digits written with seed "
            f"{seed}; use --force to replace it"
        )
    parent = out_dir.parent
    with scratch_directory(parent, out_dir.name) as tmp:
        counts = _write_images(tmp, seed)
        (tmp / INFO_FILE).write_text(json.dumps(digits_info(seed, counts), indent=2) + "\n")
        if out_dir.is_dir():
            with scratch_directory(parent, f"{out_dir.name}-replaced") as trash:
                os.rename(out_dir, trash / "old")
                os.rename(tmp, out_dir)
        else:
            os.rename(tmp, out_dir)
    return out_dir
