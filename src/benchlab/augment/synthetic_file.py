"""Synthetic training windows read from a ``benchlab augment generate`` Parquet
(``evaluation.synthetic_path``) instead of generated again, checked against the panel.

The file must hold the training windows of the config's panel: ``split`` = ``train``, the
config's history window and horizon, the panel's products, and ``K`` samples of every real
training window in the order :func:`~benchlab.augment.generation.generate` writes them
(sample-major, each block in the real windows' order). ``K`` is read from the file; a
``generation.samples_per_real`` set in the config must agree. Each mismatch is one
:class:`~benchlab.errors.InputError` naming the file, the column and the value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.augment.data.windows import WindowArrays
from benchlab.data.validation import format_values, plural, source_name
from benchlab.errors import InputError
from benchlab.runs import sha256_file

RUN_DIR_KEY = "benchlab.run_dir"


@dataclass(frozen=True)
class SyntheticFile:
    """The checked windows of ``path``, its samples per real window, the GAN run that wrote it
    (from the Parquet metadata; ``None`` when absent) and its SHA-256."""

    path: Path
    windows: WindowArrays
    samples_per_real: int
    run_dir: Path | None
    sha256: str


def require_file(path: str | Path) -> Path:
    """``path``, or the error saying how to write it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"evaluation.synthetic_path {path} does not exist: write it with `benchlab augment "
            "generate RUN_DIR`, or leave it unset to generate the windows from evaluation.gan_run"
        )
    return path


def generating_run(path: str | Path) -> Path | None:
    """The GAN run folder recorded in the file's Parquet metadata, if any."""
    source = source_name(require_file(path))
    try:
        metadata = pl.read_parquet_metadata(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{source}: cannot read the Parquet file ({first})") from None
    run_dir = metadata.get(RUN_DIR_KEY)
    return Path(run_dir) if run_dir else None


def read_synthetic_file(
    path: str | Path,
    real: WindowArrays,
    *,
    panel: str,
    samples_per_real: int | None = None,
) -> SyntheticFile:
    """The windows of ``path``, checked to pair with ``real`` (the panel's training windows at
    the GAN run's stride; ``panel`` names it in messages); ``samples_per_real``: the count the
    config asks for, ``None`` when it leaves it to the file."""
    from benchlab.augment.generation import load_synthetic

    path = require_file(path)
    source = source_name(path)
    windows = load_synthetic(path)
    if windows.split != "train":
        raise InputError(
            f"{source}: column split holds {windows.split!r} windows; evaluation.synthetic_path "
            "needs the training windows (`benchlab augment generate RUN_DIR --split train`)"
        )
    for column, key, theirs, mine in (
        ("history", "data.history_window", windows.history_window, real.history_window),
        ("target", "data.forecast_horizon", windows.horizon, real.horizon),
    ):
        if theirs != mine:
            raise InputError(
                f"{source}: column {column} holds {theirs} days per window; {key} is {mine}"
            )
    _check_products(source, windows.product_ids, real.product_ids, panel)
    samples = _samples(source, windows, real, panel)
    if samples_per_real is not None and samples_per_real != samples:
        raise InputError(
            f"{source}: holds {samples} samples per real window; "
            f"generation.samples_per_real is {samples_per_real} (leave it unset to use the file's)"
        )
    return SyntheticFile(path, windows, samples, generating_run(path), sha256_file(path))


def _check_products(source: str, found: np.ndarray, real: np.ndarray, panel: str) -> None:
    found_set, real_set = set(found.tolist()), set(real.tolist())
    unknown = sorted(found_set - real_set)
    if unknown:
        raise InputError(
            f"{source}: column product_id has {plural(len(unknown), 'product')} without training "
            f"windows in {panel} ({format_values(unknown)})"
        )
    missing = sorted(real_set - found_set)
    if missing:
        raise InputError(
            f"{source}: column product_id lacks {plural(len(missing), 'product')} of {panel} "
            f"({format_values(missing)})"
        )


def _samples(source: str, windows: WindowArrays, real: WindowArrays, panel: str) -> int:
    """Samples per real window, after checking every synthetic window pairs with the real one
    in its place (product and first target day)."""
    if len(windows) % len(real):
        raise InputError(
            f"{source}: {len(windows)} windows are not a whole number of samples of the "
            f"{len(real)} real training windows of {panel}"
        )
    samples = len(windows) // len(real)
    products = np.tile(real.product_ids, samples)
    starts = np.tile(real.start_dates, samples)
    wrong = np.flatnonzero((windows.product_ids != products) | (windows.start_dates != starts))
    if len(wrong):
        i = int(wrong[0])
        raise InputError(
            f"{source}: row {i} (product_id {windows.product_ids[i]}, start_date "
            f"{windows.start_dates[i]}) does not pair with the real training window in its place "
            f"({products[i]}, {starts[i]}) of {panel}; was the panel preprocessed again after the "
            "file was generated?"
        )
    return samples
