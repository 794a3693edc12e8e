"""The majority and TF-IDF + logistic regression baselines."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.errors import InputError
from benchlab.text.baselines import BASELINES, make_baseline
from benchlab.text.classifier import TextClassifier

LABELS = ["negative", "neutral", "positive"]
WORDS = {0: ["awful", "hate", "broken"], 1: ["the", "a", "flight"], 2: ["great", "love", "superb"]}


def corpus(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    texts = [
        " ".join(rng.choice(WORDS[c], 3).tolist() + rng.choice(WORDS[1], 2).tolist()) for c in y
    ]
    return texts, y


@pytest.mark.parametrize("name", BASELINES)
def test_every_baseline_meets_the_protocol(name: str) -> None:
    texts, y = corpus(60, 0)
    model = make_baseline(name, LABELS, seed=0).fit(texts, y)
    assert isinstance(model, TextClassifier)
    assert model.name == name and model.labels == LABELS and model.device == "cpu"
    pred = model.predict(texts[:7])
    assert pred.dtype == np.int64 and pred.shape == (7,)
    proba = model.predict_proba(texts[:7])
    assert proba.shape == (7, 3) and np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(proba.argmax(axis=1), pred)
    assert model.count_tokens(["two words", " three  more words "]) == 5


def test_majority_predicts_the_most_frequent_class_with_priors() -> None:
    model = make_baseline("majority", LABELS, seed=0).fit(list("abcd"), [2, 2, 2, 0])
    assert model.predict(["anything", "else"]).tolist() == [2, 2]
    assert model.predict_proba(["x"]).tolist() == [[0.25, 0.0, 0.75]]  # unseen class: 0


def test_tfidf_logreg_learns_words_and_is_seeded() -> None:
    texts, y = corpus(300, 1)
    test, y_test = corpus(100, 2)
    first = make_baseline("tfidf_logreg", LABELS, seed=3).fit(texts, y)
    accuracy = float((first.predict(test) == y_test).mean())
    assert accuracy > 0.9  # the class words separate the classes; chance is 1/3
    again = make_baseline("tfidf_logreg", LABELS, seed=3).fit(texts, y)
    assert np.array_equal(first.predict_proba(test), again.predict_proba(test))
    vectorizer = first.estimator_.steps[0][1]
    assert vectorizer.ngram_range == (1, 2) and vectorizer.sublinear_tf


def test_bad_names_ids_and_params_are_input_errors() -> None:
    with pytest.raises(
        InputError, match=r"unknown baseline 'bert'; baselines: majority, tfidf_logreg"
    ):
        make_baseline("bert", LABELS, seed=0)
    with pytest.raises(InputError, match=r"class ids \[5\] are outside 0–2"):
        make_baseline("majority", LABELS, seed=0).fit(["a", "b"], [0, 5])
    with pytest.raises(InputError, match=r"tfidf_logreg"):
        make_baseline("tfidf_logreg", LABELS, seed=0, depth=3)
