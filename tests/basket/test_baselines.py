"""The baselines: popularity, the customer's own frequency backed off to it, majority class."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from benchlab.basket.baselines import (
    CustomerFrequencyBaseline,
    MajorityClassBaseline,
    PopularityBaseline,
)
from benchlab.basket.batch import IGNORE_INDEX
from benchlab.errors import InputError

VOCAB = 8  # ids 3..7 are products


class _Batch(SimpleNamespace):
    def __len__(self) -> int:
        return len(self.customer_idx)


def make_batch(customers: list[int]) -> _Batch:
    return _Batch(
        customer_idx=torch.tensor(customers),
        product_ids=torch.zeros(len(customers), 2, dtype=torch.long),
    )


def test_popularity_counts_purchases_and_never_specials() -> None:
    baseline = PopularityBaseline.fit(np.array([3, 3, 5, 7, 7, 7, 1]), VOCAB)
    assert baseline.counts_.tolist() == [0, 0, 0, 2, 0, 1, 0, 3]
    scores = baseline.score(make_batch([0, 4]))
    assert scores.shape == (2, VOCAB)
    assert torch.equal(scores[0], scores[1])
    assert scores[0].argmax().item() == 7


def test_customer_frequency_ranks_own_purchases_first_and_backs_off_to_popularity() -> None:
    customers = np.array([1, 1, 1, 2, 2, 0, 0, 0, 0])
    products = np.array([4, 4, 6, 3, 3, 7, 7, 7, 7])
    baseline = CustomerFrequencyBaseline.fit(customers, products, n_customers=4, vocab_size=VOCAB)
    scores = baseline.score(make_batch([1, 2, 3, 0, 9])).numpy()
    order = lambda row: list(np.argsort(-row, kind="stable")[:3])  # noqa: E731
    assert order(scores[0]) == [4, 6, 7]  # own counts, then popularity (7 most popular)
    assert order(scores[1]) == [3, 7, 4]
    popularity = [7, 4, 3]  # 7: 4 purchases, 4 and 3: 2 each (4 before 3: stable order)
    assert order(scores[2])[:1] == popularity[:1]  # no history: popularity
    assert order(scores[3])[:1] == popularity[:1]  # UNK keeps no history
    assert order(scores[4])[:1] == popularity[:1]  # an index beyond the table: UNK
    assert (scores[2] < 1).all()  # popularity alone never reaches one purchase


def test_customer_frequency_checks_its_input() -> None:
    with pytest.raises(InputError, match="customer indices"):
        CustomerFrequencyBaseline.fit(np.array([5]), np.array([3]), n_customers=2, vocab_size=VOCAB)
    with pytest.raises(InputError, match="outside the vocabulary"):
        PopularityBaseline.fit(np.array([VOCAB]), VOCAB)


def test_majority_class_ignores_unknown_labels() -> None:
    labels = {
        "mission_type": np.array([2, 2, 1, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]),
        "basket_size": np.array([0, 1]),
    }
    baseline = MajorityClassBaseline.fit(labels)
    assert baseline.classes_ == {"mission_type": 2, "basket_size": 0}  # tie → lower class
    predicted = baseline.predict(make_batch([0, 1, 2]))
    assert predicted["mission_type"].tolist() == [2, 2, 2]
    with pytest.raises(InputError, match="no known label"):
        MajorityClassBaseline.fit({"basket_size": np.array([IGNORE_INDEX])})
