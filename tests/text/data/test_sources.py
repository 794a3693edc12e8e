"""Reading CSV, Parquet and saved ``datasets`` folders, and naming what is missing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.text.config import TextDataConfig
from benchlab.text.data.sources import read_source


def test_csv_with_configured_columns(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    pl.DataFrame({"body": ["good", "bad"], "stars": [5, 1], "nps": [9, 2]}).write_csv(path)
    raw = read_source(
        TextDataConfig(
            source=str(path), text_column="body", label_column="stars", rating_column="nps"
        )
    )
    assert raw.frame.columns == ["text", "label", "rating"]
    assert raw.frame["label"].to_list() == [5, 1] and raw.where == str(path)


def test_missing_column_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "reviews.parquet"
    pl.DataFrame({"body": ["good"], "stars": [5]}).write_parquet(path)
    with pytest.raises(InputError) as caught:
        read_source(TextDataConfig(source=str(path), text_column="body"))
    assert str(caught.value) == (
        f"{path}: no label column 'sentiment' (columns: body, stars); set data.label_column"
    )


def test_missing_tweets_file_says_how_to_write_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"benchlab data tweets --out data/tweets"):
        read_source(TextDataConfig(source=str(tmp_path / "tweets.parquet")))


def test_unknown_file_type_and_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(InputError, match=r"unknown file type \.json"):
        read_source(TextDataConfig(source=str(tmp_path / "notes.json")))
    with pytest.raises(InputError, match=r"not one written by datasets' save_to_disk"):
        read_source(TextDataConfig(source=str(tmp_path)))


def test_non_utf8_csv_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"text,sentiment\ncaf\xe9,positive\n")
    with pytest.raises(InputError, match=r"latin\.csv: is not UTF-8"):
        read_source(TextDataConfig(source=str(path)))


def test_saved_dataset_dict_with_class_names(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])}
    )
    saved = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(
                {"text": ["a", "b"], "label": [0, 1]}, features=features
            ),
            "test": datasets.Dataset.from_dict(
                {"text": ["c", "d"], "label": [-1, 1]}, features=features
            ),
        }
    )
    saved.save_to_disk(str(tmp_path / "saved"))
    raw = read_source(TextDataConfig(source=str(tmp_path / "saved"), label_column="label"))
    assert raw.class_names == ("neg", "pos")
    assert raw.frame["text"].to_list() == ["a", "b", "d"]  # the unlabelled row is left out
