"""SKU tuples: selection by id values, checks against the data, and SKU text."""

from __future__ import annotations

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.data.skus import (
    check_sku_tuples,
    matches_sku,
    normalise_sku_tuples,
    sku_filter,
    sku_key,
    sku_label,
)


def test_normalise_sku_tuples_casts_and_dedupes():
    schema = {"p": pl.Int32, "s": pl.Int64}
    out = normalise_sku_tuples([(1, 2), [1, 2], (3, 4)], ["p", "s"], schema, source="f")
    assert out.rows() == [(1, 2), (3, 4)] and out.schema["p"] == pl.Int32
    text = normalise_sku_tuples([("3", "4")], ["p", "s"], schema, source="f")
    assert text.rows() == [(3, 4)]
    with pytest.raises(InputError, match=r"mix value types for column 'p' \(1, '3'\)"):
        normalise_sku_tuples([(1, 2), ("3", 4)], ["p", "s"], schema, source="f")
    single = normalise_sku_tuples(["a", ("b",)], ["u"], {"u": pl.String}, source="f")
    assert single.rows() == [("a",), ("b",)]
    with pytest.raises(InputError, match="empty SKU selection"):
        normalise_sku_tuples([], ["p"], schema, source="f")
    with pytest.raises(InputError, match="sku_tuples must be a list"):
        normalise_sku_tuples("abc", ["p"], schema, source="f")
    with pytest.raises(InputError, match=r"value\(s\) 'x' do not fit column 'p' \(Int32\)"):
        normalise_sku_tuples([("x", 1)], ["p", "s"], schema, source="f")


def test_sku_filter_matches_exact_tuples_only():
    frame = pl.DataFrame({"p": [1, 1, 2, 2], "s": [1, 2, 1, 2], "v": [0, 1, 2, 3]})
    requested = pl.DataFrame({"p": [1, 2], "s": [2, 1]})
    assert frame.filter(sku_filter(requested))["v"].to_list() == [1, 2]


def test_check_sku_tuples_names_missing_and_examples():
    available = pl.LazyFrame({"p": [1, 1, 2], "s": [1, 2, 1], "x": [0, 0, 0]})
    check_sku_tuples(available, pl.DataFrame({"p": [1], "s": [2]}), source="f")
    with pytest.raises(InputError) as info:
        check_sku_tuples(available, pl.DataFrame({"p": [1, 7], "s": [2, 7]}), source="f")
    assert str(info.value) == (
        "f: 1 unknown SKU tuple(s) requested, not in the data: (p, s) (7, 7); the data has 3 "
        "series, e.g. (p, s) (1, 1), (1, 2), (2, 1)"
    )


def test_sku_key_is_file_name_safe() -> None:
    assert sku_key((80558, 2)) == "80558_2"
    assert sku_key(("FOODS_3/090", "CA 1")) == "FOODS-3-090_CA-1"  # "_" only separates values
    assert sku_key(("??", 7)) == "x_7"


def test_sku_label_and_matches_sku() -> None:
    assert sku_label(("product_id", "store_id"), (80558, 2)) == "product_id=80558, store_id=2"
    frame = pl.DataFrame({"p": [1, 1, 2], "s": [1, 2, 1], "v": [0, 1, 2]})
    assert frame.filter(matches_sku(["p", "s"], (1, 2)))["v"].to_list() == [1]
    with pytest.raises(InputError, match=r"SKU \(1,\) has 1 value but there are 2 id column"):
        matches_sku(["p", "s"], (1,))
