"""Net Promoter Score: customers from ratings (0–10 and 1–5 stars), models from predicted
sentiment, per model and category."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchlab.dashboard.nps import (
    DETRACTOR,
    PASSIVE,
    PROMOTER,
    categorise_predictions,
    categorise_ratings,
    nps_score,
    nps_table,
    rating_scale,
)
from benchlab.errors import InputError


def test_ten_point_ratings_follow_the_nps_question() -> None:
    ratings = np.arange(0, 11)
    expected = [DETRACTOR] * 7 + [PASSIVE] * 2 + [PROMOTER] * 2
    assert categorise_ratings(ratings).tolist() == expected
    # 2 promoters, 7 detractors out of 11
    assert nps_score(categorise_ratings(ratings)) == pytest.approx(100 * (2 - 7) / 11)


def test_five_star_ratings_5_promote_4_is_passive_1_to_3_detract() -> None:
    stars = np.array([1, 2, 3, 4, 5])
    assert categorise_ratings(stars).tolist() == [DETRACTOR] * 3 + [PASSIVE, PROMOTER]
    assert rating_scale(stars) == 5
    # a 0-10 survey where nobody answered above 5 needs its scale said
    assert categorise_ratings(np.array([4, 5]), scale=10).tolist() == [DETRACTOR, DETRACTOR]


def test_scores_span_minus_100_to_100() -> None:
    assert nps_score(np.array([PROMOTER] * 4)) == 100.0
    assert nps_score(np.array([DETRACTOR] * 4)) == -100.0
    assert nps_score(np.array([PASSIVE] * 4)) == 0.0
    assert np.isnan(nps_score(np.array([], dtype=int)))


@pytest.mark.parametrize(
    ("predictions", "expected"),
    [
        (["positive", "Neutral", "NEGATIVE", "pos", "neg"], [1, 0, -1, 1, -1]),
        ([1, 0, 1], [1, -1, 1]),  # binary classes
        ([True, False], [1, -1]),
        ([0, 1, 2], [-1, 0, 1]),  # negative / neutral / positive
        ([1, 3, 4, 5], [-1, -1, 0, 1]),  # predicted star ratings
    ],
)
def test_predicted_labels_map_to_nps_categories(predictions, expected) -> None:
    assert categorise_predictions(np.array(predictions)).tolist() == expected


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: categorise_ratings(np.array([0, 3, 5])), "ratings must lie in 1–5; got 0.0"),
        (lambda: categorise_ratings(np.array([3, 11])), "ratings must lie in 0–10; got 11.0"),
        (lambda: categorise_ratings(np.array([3.0, np.nan])), "a rating is missing"),
        (lambda: categorise_ratings(np.array([3]), scale=7), "scale is 5 (stars) or 10; got 7"),
        (
            lambda: categorise_predictions(np.array(["positive", "meh"])),
            "predicted labels 'meh' are not sentiment labels",
        ),
        (lambda: categorise_predictions(np.array([0.5, 1.0])), "must be class numbers"),
    ],
)
def test_bad_ratings_and_labels_are_one_clear_error(call, message: str) -> None:
    with pytest.raises(InputError, match="^NPS: ") as caught:
        call()
    assert message in str(caught.value)


def test_table_per_model_and_category() -> None:
    frame = pl.DataFrame(
        {
            "model": ["a"] * 4 + ["b"] * 4,
            "Branch": ["Paris", "Paris", "Tokyo", "Tokyo"] * 2,
            "Rating": [5, 1, 5, 4] * 2,
            "prediction": ["positive", "positive", "positive", "neutral"]
            + ["negative", "negative", "negative", "positive"],
        }
    )
    table = nps_table(frame)
    rows = {(m, c): r for m, c, *r in table.select(
        "model", "category", "n", "customer_nps", "model_nps", "gap").rows()}  # fmt: skip
    assert rows[("a", "all")] == [4, 25.0, 75.0, 50.0]
    assert rows[("a", "Paris")] == [2, 0.0, 100.0, 100.0]
    assert rows[("a", "Tokyo")] == [2, 50.0, 50.0, 0.0]
    assert rows[("b", "all")] == [4, 25.0, -50.0, -75.0]
    assert table["category"].to_list() == ["all", "Paris", "Tokyo"] * 2
    # without a model column the caller names the model
    single = nps_table(frame.filter(model="a").drop("model", "Branch"), model="minilm")
    assert single.select("model", "category").rows() == [("minilm", "all")]
    with pytest.raises(InputError, match="needs a rating column"):
        nps_table(frame.drop("Rating"))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=50))
def test_a_model_that_reads_every_review_right_matches_the_customers(stars) -> None:
    ratings = np.array(stars)
    words = np.array(["negative", "negative", "negative", "neutral", "positive"])[ratings - 1]
    customers = nps_score(categorise_ratings(ratings))
    assert nps_score(categorise_predictions(words)) == pytest.approx(customers)
    assert -100.0 <= customers <= 100.0
