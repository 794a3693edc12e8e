"""The seed's named data sets (imdb, sst2, amazon, yelp), read from the local Hugging Face hub
cache only: nothing is downloaded.

A data set is there once it has been fetched on a machine with network, e.g. with
``huggingface-cli download --repo-type dataset stanfordnlp/imdb`` or any
``datasets.load_dataset("stanfordnlp/imdb")``, and the cache copied here (``$HF_HUB_CACHE``,
default ``~/.cache/huggingface/hub``). Its Parquet files are read directly, labelled splits only
(sst2's test split is unlabelled); class 0 is ``negative`` and class 1 ``positive`` for all four.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from benchlab.errors import InputError


@dataclass(frozen=True)
class HubDataset:
    """One named data set: its hub id, columns, labelled splits and class names."""

    hub_id: str
    text_column: str
    label_column: str
    splits: tuple[str, ...]
    labels: tuple[str, ...] = ("negative", "positive")


SEED_DATASETS: dict[str, HubDataset] = {
    "imdb": HubDataset("stanfordnlp/imdb", "text", "label", ("train", "test")),
    "sst2": HubDataset("stanfordnlp/sst2", "sentence", "label", ("train", "validation")),
    "amazon": HubDataset("amazon_polarity", "content", "label", ("train", "test")),
    "yelp": HubDataset("yelp_polarity", "text", "label", ("train", "test")),
}


def hub_dataset(source: str) -> HubDataset | None:
    """The named data set ``source`` stands for (a seed name or its hub id), else None.

    >>> hub_dataset("imdb").hub_id
    'stanfordnlp/imdb'
    >>> hub_dataset("data/tweets.csv") is None
    True
    """
    if source in SEED_DATASETS:
        return SEED_DATASETS[source]
    return next((d for d in SEED_DATASETS.values() if d.hub_id == source), None)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache (``$HF_HUB_CACHE``, ``$HF_HOME/hub`` or the default)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def read_hub_dataset(dataset: HubDataset, *, cache_dir: str | Path | None = None) -> pl.DataFrame:
    """The labelled rows of ``dataset``'s cached Parquet files as ``text`` (Utf8) and ``label``
    (Int64 class id); a data set not in the cache is one InputError naming its hub id and the
    cache folder."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    from benchlab.text.data.sources import reason

    cache = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    missing = (
        f"data set {dataset.hub_id} is not in the Hugging Face cache {cache} and nothing is "
        f"downloaded here; fetch it where there is network (huggingface-cli download "
        f"--repo-type dataset {dataset.hub_id}) and copy the cache to {cache}"
    )
    try:
        folder = Path(
            snapshot_download(
                dataset.hub_id, repo_type="dataset", cache_dir=cache, local_files_only=True
            )
        )
    except (LocalEntryNotFoundError, FileNotFoundError, OSError) as exc:
        raise InputError(missing) from exc
    files = sorted(
        path for path in folder.rglob("*.parquet") if path.name.split("-", 1)[0] in dataset.splits
    )
    if not files:
        raise InputError(f"{missing} (the cached copy in {folder} has no Parquet files)")
    frames = []
    for path in files:
        try:
            frame = pl.read_parquet(path, columns=[dataset.text_column, dataset.label_column])
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(f"{path}: cannot be read as {dataset.hub_id} ({reason(exc)})") from exc
        frames.append(
            frame.select(
                text=pl.col(dataset.text_column).cast(pl.Utf8),
                label=pl.col(dataset.label_column).cast(pl.Int64),
            )
        )
    # label -1 marks an unlabelled row (sst2's test split)
    return pl.concat(frames).filter(pl.col("label") >= 0)
