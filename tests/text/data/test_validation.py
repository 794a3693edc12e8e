"""Row checks and label encoding: one message naming the input, column, values and rows."""

from __future__ import annotations

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.text.data.sources import RawTable
from benchlab.text.data.validation import row_list, validate_rows


def table(text: list, label: list, **kwargs) -> RawTable:
    columns = {"text": text, "label": label}
    if "rating" in kwargs:
        columns["rating"] = kwargs.pop("rating")
    return RawTable(
        frame=pl.DataFrame(columns, strict=False),
        where="reviews.csv",
        text_column="review",
        label_column="stars",
        rating_column="score" if "rating" in columns else None,
        **kwargs,
    )


def test_string_labels_sorted_and_encoded() -> None:
    frame, labels = validate_rows(table(["a", "b", "c"], ["pos", "neg", "pos"]), None)
    assert labels == ["neg", "pos"]
    assert frame["label"].to_list() == [1, 0, 1] and frame["label"].dtype == pl.Int64


def test_int_labels_sorted_as_numbers_any_number_of_classes() -> None:
    frame, labels = validate_rows(table(list("abcd"), [10, 2, 1, 2]), None)
    assert labels == ["1", "2", "10"]
    assert frame["label"].to_list() == [2, 1, 0, 1]


def test_given_labels_fix_the_order() -> None:
    frame, labels = validate_rows(table(list("abc"), ["neg", "pos", "neu"]), ["pos", "neu", "neg"])
    assert labels == ["pos", "neu", "neg"] and frame["label"].to_list() == [2, 0, 1]


def test_class_names_map_ids() -> None:
    frame, labels = validate_rows(table(list("ab"), [1, 0], class_names=("neg", "pos")), None)
    assert labels == ["neg", "pos"] and frame["label"].to_list() == [1, 0]
    with pytest.raises(InputError, match=r"column 'stars' has ids outside 0–1 .*\['7'\] in row 2 "):
        validate_rows(table(list("ab"), [1, 7], class_names=("neg", "pos")), None)


def test_unknown_label_named_with_rows() -> None:
    with pytest.raises(InputError) as caught:
        validate_rows(table(list("abcd"), ["pos", "meh", "neg", "meh"]), ["neg", "pos"])
    assert str(caught.value) == (
        "reviews.csv: column 'stars' has labels not in data.labels ['neg', 'pos']: ['meh'] "
        "in rows 2, 4 (2 rows)"
    )


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_empty_text_named_with_rows(empty: str | None) -> None:
    with pytest.raises(
        InputError, match=r"reviews\.csv: column 'review' is empty in row 2 \(1 row\)"
    ):
        validate_rows(table(["fine", empty, "ok"], ["a", "b", "a"]), None)


def test_missing_label_and_single_class_refused() -> None:
    with pytest.raises(InputError, match=r"column 'stars' has no label in row 1 "):
        validate_rows(table(["x", "y"], [None, "a"]), None)
    with pytest.raises(InputError, match=r"needs at least 2"):
        validate_rows(table(["x", "y"], ["a", "a"]), None)


def test_ratings_must_be_numbers() -> None:
    frame, _ = validate_rows(table(["x", "y"], ["a", "b"], rating=["9", "3"]), None)
    assert frame["rating"].to_list() == [9.0, 3.0] and frame["rating"].dtype == pl.Float64
    with pytest.raises(InputError, match=r"column 'score' needs a number in every row: \['ten'\]"):
        validate_rows(table(["x", "y"], ["a", "b"], rating=["ten", "3"]), None)


def test_row_list_shows_the_first_rows() -> None:
    assert row_list(pl.Series([True] * 7)) == "rows 1, 2, 3, 4, 5, … (7 rows)"
