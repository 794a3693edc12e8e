"""The seed's named data sets, read from a hub cache laid out as huggingface_hub lays it out."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.text.data.hub import SEED_DATASETS, hub_dataset, read_hub_dataset

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def cached_sst2(cache: Path) -> Path:
    """A hub cache holding ``stanfordnlp/sst2``'s train, validation and (unlabelled) test."""
    repo = cache / "datasets--stanfordnlp--sst2"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    data = repo / "snapshots" / COMMIT / "data"
    data.mkdir(parents=True)
    for split, labels in (("train", [0, 1, 1, 0]), ("validation", [1, 0]), ("test", [-1, -1])):
        pl.DataFrame(
            {
                "idx": range(len(labels)),
                "sentence": [f"{split} sentence {i}" for i in range(len(labels))],
                "label": labels,
            }
        ).write_parquet(data / f"{split}-00000-of-00001.parquet")
    return cache


def test_seed_names_and_hub_ids_both_resolve() -> None:
    assert hub_dataset("sst2") is hub_dataset("stanfordnlp/sst2") is SEED_DATASETS["sst2"]
    assert hub_dataset("amazon").hub_id == "amazon_polarity"
    assert hub_dataset("yelp").hub_id == "yelp_polarity"
    assert hub_dataset("reviews.csv") is None


def test_cached_data_set_reads_its_labelled_splits(tmp_path: Path) -> None:
    frame = read_hub_dataset(SEED_DATASETS["sst2"], cache_dir=cached_sst2(tmp_path))
    assert frame.schema == {"text": pl.Utf8, "label": pl.Int64}
    assert frame.height == 6  # the unlabelled test rows are left out
    assert sorted(frame["text"])[0] == "train sentence 0"


def test_missing_data_set_names_hub_id_and_cache(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_hub_dataset(SEED_DATASETS["imdb"], cache_dir=tmp_path)
    message = str(caught.value)
    assert "stanfordnlp/imdb" in message and str(tmp_path) in message
    assert "\n" not in message
