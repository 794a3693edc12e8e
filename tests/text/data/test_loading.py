"""load_text_data from a file or the hub cache to balanced, stratified, seeded splits."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.text.config import TextDataConfig
from benchlab.text.data import TextSplits, load_text_data
from benchlab.text.data import hub as hub_module
from benchlab.text.data.splits import class_counts
from tests.text.data.test_hub import cached_sst2


@pytest.fixture()
def reviews(tmp_path: Path) -> Path:
    """120 negative, 60 neutral and 30 positive reviews with a 0–10 rating."""
    rows = [("neg", 1), ("neu", 6), ("pos", 9)]
    counts = {"neg": 120, "neu": 60, "pos": 30}
    frame = pl.DataFrame(
        [
            {"review": f"{label} review {i}", "stars": label, "score": score}
            for label, score in rows
            for i in range(counts[label])
        ]
    )
    path = tmp_path / "reviews.csv"
    frame.write_csv(path)
    return path


def config(path: Path, **kwargs) -> TextDataConfig:
    return TextDataConfig(source=str(path), text_column="review", label_column="stars", **kwargs)


def test_balanced_stratified_splits(reviews: Path) -> None:
    splits = load_text_data(config(reviews, rating_column="score"), seed=0)
    assert isinstance(splits, TextSplits)
    assert splits.labels == ["neg", "neu", "pos"] and splits.source == str(reviews)
    assert splits.sizes() == {"train": 62, "validation": 14, "test": 14}  # 3 × 30 rows
    for part in (splits.train, splits.validation, splits.test):
        assert part.schema == {"text": pl.Utf8, "label": pl.Int64, "rating": pl.Float64}
        counts = class_counts(part, 3)
        assert max(counts) - min(counts) <= 1
    # ratings stay with their texts
    row = splits.test.row(0, named=True)
    assert row["rating"] == {"neg": 1.0, "neu": 6.0, "pos": 9.0}[row["text"].split()[0]]


def test_same_seed_same_splits_other_seed_other_splits(reviews: Path) -> None:
    first = load_text_data(config(reviews), seed=4)
    assert first.test.equals(load_text_data(config(reviews), seed=4).test)
    assert not first.test.equals(load_text_data(config(reviews), seed=5).test)


def test_unbalanced_keeps_every_row_and_max_samples_subsamples(reviews: Path) -> None:
    full = load_text_data(config(reviews, balance=False), seed=0)
    assert sum(full.sizes().values()) == 210
    small = load_text_data(config(reviews, balance=False, max_samples=105), seed=0)
    assert sum(small.sizes().values()) == 105
    totals = [
        sum(class_counts(part, 3)[c] for part in (small.train, small.validation, small.test))
        for c in range(3)
    ]
    assert totals == [60, 30, 15]


def test_unknown_label_names_file_column_and_value(reviews: Path) -> None:
    with pytest.raises(
        InputError,
        match=re.escape(f"{reviews}: column 'stars' has labels not in data.labels ")
        + r"\['neg', 'pos'\]: \['neu'\]",
    ):
        load_text_data(config(reviews, labels=["neg", "pos"]), seed=0)


def test_seed_name_loads_from_the_hub_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no file called sst2 here
    cache = cached_sst2(tmp_path / "hub")
    rows = [(f"sentence {i}", i % 2) for i in range(40)]
    data = next(cache.glob("datasets--stanfordnlp--sst2/snapshots/*/data"))
    pl.DataFrame(rows, schema=["sentence", "label"], orient="row").write_parquet(
        data / "train-00000-of-00001.parquet"
    )
    monkeypatch.setattr(hub_module, "hub_cache_dir", lambda: cache)
    splits = load_text_data(TextDataConfig(source="sst2"), seed=0)
    assert splits.labels == ["negative", "positive"] and splits.source == "stanfordnlp/sst2"
    assert sum(splits.sizes().values()) == 42  # 40 train + 2 validation rows, balanced 21/21
    monkeypatch.setattr(hub_module, "hub_cache_dir", lambda: tmp_path / "empty")
    with pytest.raises(
        InputError, match=r"data set stanfordnlp/imdb is not in the Hugging Face cache"
    ):
        load_text_data(TextDataConfig(source="imdb"), seed=0)
