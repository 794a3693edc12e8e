"""Synthetic windows from a trained GAN run (``benchlab augment generate RUN_DIR``).

For every real window of a split (the seed: the training windows) the run's generator draws
``samples_per_real`` sequences under that window's conditions. They are written as Parquet, one
row per synthetic window:

* ``product_id``, ``start_date`` (first target day), ``sample`` (0 … samples_per_real-1),
  ``split``;
* ``target_units`` and ``history_units``: the generated sequence and the real history it was
  conditioned on, in the original scale (units sold, per-product training min–max undone);
* the conditions as the models see them: ``history`` and ``target`` (scaled units),
  ``temporal`` (``[F, 8]`` calendar of the target days), ``review_rating``,
  ``review_count_log`` — the columns of :meth:`WindowArrays.to_frame`, so
  :func:`load_synthetic` reads the file back as windows to train on.

The file's Parquet metadata records the run folder, the seed and ``samples_per_real``. With
``pt=True`` the seed's ``.pt`` file is written beside it (a dict of tensors and lists, readable
with ``torch.load(weights_only=True)``). The same run, split, seed and count give the same file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from benchlab.augment.data.scaling import load_scalers, to_original_scale
from benchlab.augment.data.windows import WindowArrays, make_windows, read_panel
from benchlab.data.tables import collect, scan_table
from benchlab.data.validation import source_name
from benchlab.errors import InputError
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    from benchlab.augment.models import Generator

RUN_INFO = "models/gan.json"
RUN_FORMAT = "benchlab.augment.gan_run"
GENERATOR_FILE = "models/generator.pt"
PANEL_FILE = "product_daily_panel.parquet"
_BATCH = 4096


def sample_sequences(
    generator: Generator, windows: WindowArrays, *, samples_per_real: int, seed: int
) -> np.ndarray:
    """``[samples_per_real, N, horizon]`` generated sequences (scaled units, float32) for the
    ``N`` windows, on the CPU, from noise drawn by a generator seeded with ``seed``."""
    import torch

    if samples_per_real < 1:
        raise InputError(f"samples per real window must be at least 1; got {samples_per_real}")
    generator = generator.to("cpu").eval()
    noise_source = torch.Generator().manual_seed(seed)
    history, reviews, temporal = (
        torch.from_numpy(np.ascontiguousarray(a))
        for a in (windows.history, windows.reviews, windows.temporal)
    )
    out = np.empty((samples_per_real, len(windows), windows.horizon), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(windows), _BATCH):
            part = slice(start, start + _BATCH)
            condition = generator.encode(history[part], reviews[part], temporal[part])
            for k in range(samples_per_real):  # one encoding, a new noise draw per sample
                noise = generator.sample_noise(condition.shape[0], generator=noise_source)
                out[k, part] = generator.decode(noise, condition)
    return out


def read_run_info(run_dir: Path) -> dict[str, Any]:
    """What a train-gan run recorded for generation (``models/gan.json``)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"run folder {run_dir} does not exist")
    path = run_dir / RUN_INFO
    if not path.is_file():
        raise InputError(f"{run_dir} is not a train-gan run folder (no {RUN_INFO})")
    try:
        info = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg})") from None
    if not isinstance(info, dict) or info.get("format") != RUN_FORMAT:
        raise InputError(f"{path}: not written by benchlab augment train-gan")
    return info


def default_output(info: dict[str, Any], split: str) -> Path:
    """``<processed_dir>/../synthetic/<run_id>_<split>.parquet``: beside the processed data
    (as the seed's ``data/synthetic``), named after the run; the run folder stays as written."""
    return Path(info["processed_dir"]).parent / "synthetic" / f"{info['run_id']}_{split}.parquet"


def generate(
    run_dir: str | Path,
    *,
    samples_per_real: int = 5,
    out: str | Path | None = None,
    split: str = "train",
    seed: int | None = None,
    pt: bool = False,
) -> Path:
    """Write the synthetic windows of ``split`` (see the module docstring); return the Parquet
    path (the ``.pt`` file, when asked, has the same name with ``.pt``).

    ``seed`` defaults to the run's seed. Bad input (not a GAN run, a weight file of another
    model, a missing panel or scaler) raises :class:`~benchlab.errors.InputError` before
    anything is written.
    """
    from benchlab.augment.models.weights import load_generator
    from benchlab.neural import torch_session

    run_dir = Path(run_dir)
    info = read_run_info(run_dir)
    generator = load_generator(run_dir / GENERATOR_FILE)
    if generator.horizon != info["horizon"]:
        raise InputError(
            f"{run_dir / GENERATOR_FILE}: generates {generator.horizon} days, the run's windows "
            f"have {info['horizon']}"
        )
    processed = Path(info["processed_dir"])
    panel = read_panel(processed / PANEL_FILE)
    scalers = load_scalers(processed)
    windows = make_windows(
        panel,
        history=info["history_window"],
        horizon=info["horizon"],
        stride=info["stride"],
        split=split,
        source=source_name(processed / PANEL_FILE),
    )
    seed = info["seed"] if seed is None else seed
    with torch_session(n_threads=1):
        sequences = sample_sequences(
            generator, windows, samples_per_real=samples_per_real, seed=seed
        )
    frame = synthetic_frame(windows, sequences, scalers)
    path = Path(out) if out is not None else default_output(info, split)
    metadata = {
        "benchlab.run_dir": str(run_dir.resolve()),
        "benchlab.seed": str(seed),
        "benchlab.samples_per_real": str(samples_per_real),
    }
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp, metadata=metadata)
        if pt:
            with atomic_path(path.with_suffix(".pt")) as pt_tmp:
                _write_pt(frame, pt_tmp)
    return path


def synthetic_frame(windows: WindowArrays, sequences: np.ndarray, scalers: Any) -> pl.DataFrame:
    """One row per generated sequence (``sequences`` ``[K, N, F]``, scaled), sample-major."""
    n_samples, n_windows = sequences.shape[:2]
    index = np.tile(np.arange(n_windows), n_samples)
    synthetic = windows.take(index).with_target(sequences.reshape(n_samples * n_windows, -1))
    ids = synthetic.product_ids
    return (
        synthetic.to_frame()
        .with_columns(
            pl.Series("sample", np.repeat(np.arange(n_samples), n_windows), dtype=pl.Int32),
            pl.Series("target_units", to_original_scale(synthetic.target, ids, scalers)),
            pl.Series("history_units", to_original_scale(synthetic.history, ids, scalers)),
        )
        .select(
            "product_id",
            "start_date",
            "sample",
            "split",
            "target_units",
            "history_units",
            "review_rating",
            "review_count_log",
            "temporal",
            "history",
            "target",
        )
    )


def _write_pt(frame: pl.DataFrame, path: Path) -> None:
    """The seed's ``gan_samples.pt``: tensors of the scaled windows, the original-scale
    sequences, and the products and dates as lists."""
    import torch

    def tensor(column: str) -> torch.Tensor:
        return torch.from_numpy(np.array(frame[column].to_numpy(), dtype=np.float32))

    payload = {
        "history": tensor("history"),
        "target": tensor("target"),
        "temporal": tensor("temporal"),
        "reviews": torch.from_numpy(
            frame.select("review_rating", "review_count_log").to_numpy().astype(np.float32)
        ),
        "target_units": tensor("target_units"),
        "sample": torch.from_numpy(frame["sample"].to_numpy().astype(np.int64)),
        "product_ids": frame["product_id"].to_list(),
        "start_dates": [d.isoformat() for d in frame["start_date"].to_list()],
    }
    torch.save(payload, path)


def load_synthetic(path: str | Path) -> WindowArrays:
    """A file written by :func:`generate` as windows in the scaled space (to train on)."""
    source = source_name(path)
    frame = collect(scan_table(path), source=source)
    return WindowArrays.from_frame(frame, source=source)
