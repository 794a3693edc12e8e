"""The baselines the world model is compared with, all learned from the training weeks only.

- :class:`PopularityBaseline`: every basket gets the same ranking, products by how often they
  were bought in the training weeks.
- :class:`CustomerFrequencyBaseline`: products by how often *this* customer bought them in the
  training weeks; ties, anonymous and new customers fall back to popularity.
- :class:`MajorityClassBaseline`: each auxiliary task's most frequent training label.

Each ranking baseline gives a score per vocabulary id ([B, V], higher is better) for a batch;
the evaluation excludes the same items (special ids, products visible in the basket) for every
method, the model included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from benchlab.basket.batch import FIRST_PRODUCT_ID, IGNORE_INDEX, WorldModelBatch
from benchlab.errors import InputError

UNKNOWN_CUSTOMER = 0


def _bincount(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise InputError(f"baselines: product ids outside the vocabulary [0, {vocab_size})")
    counts = np.bincount(ids, minlength=vocab_size).astype(np.float64)
    counts[:FIRST_PRODUCT_ID] = 0.0
    return counts


@dataclass(frozen=True)
class PopularityBaseline:
    """Global popularity: ``counts_[v]`` purchases of product ``v`` in the training weeks."""

    counts_: np.ndarray
    name: str = "popularity"

    @classmethod
    def fit(cls, product_ids: np.ndarray, vocab_size: int) -> PopularityBaseline:
        """Count every purchased item (one vocabulary id per basket item)."""
        return cls(_bincount(product_ids, vocab_size))

    @property
    def vocab_size(self) -> int:
        return len(self.counts_)

    def score(self, batch: WorldModelBatch) -> torch.Tensor:
        """[B, V]: the same popularity scores for every basket."""
        row = torch.from_numpy(self.counts_.astype(np.float32))
        return row.expand(len(batch), -1).to(batch.product_ids.device)


@dataclass(frozen=True)
class CustomerFrequencyBaseline:
    """The customer's own purchase counts, backed off to popularity.

    The score is ``count(customer, v) + popularity(v) / (max popularity + 1)``: the customer's
    counts decide, popularity (always below 1) only breaks their ties, so a customer without
    training history (anonymous, new) gets the popularity ranking. Counts are held as CSR
    arrays: the products of customer ``c`` are ``products_[offsets_[c]:offsets_[c + 1]]``.
    """

    offsets_: np.ndarray
    products_: np.ndarray
    counts_: np.ndarray
    popularity_: np.ndarray
    name: str = "customer_frequency"

    @classmethod
    def fit(
        cls,
        customer_idx: np.ndarray,
        product_ids: np.ndarray,
        *,
        n_customers: int,
        vocab_size: int,
    ) -> CustomerFrequencyBaseline:
        """From one ``(customer index, product id)`` pair per purchased item; customer 0 (UNK,
        anonymous) keeps no history."""
        customers = np.asarray(customer_idx, dtype=np.int64)
        products = np.asarray(product_ids, dtype=np.int64)
        if customers.shape != products.shape:
            raise InputError("CustomerFrequencyBaseline: one customer index per product id")
        if customers.size and (customers.min() < 0 or customers.max() >= n_customers):
            raise InputError(f"baselines: customer indices outside [0, {n_customers})")
        popularity = _bincount(products, vocab_size)
        keep = (customers != UNKNOWN_CUSTOMER) & (products >= FIRST_PRODUCT_ID)
        pairs = customers[keep] * vocab_size + products[keep]
        unique, counts = np.unique(pairs, return_counts=True)
        owners = unique // vocab_size
        offsets = np.zeros(n_customers + 1, dtype=np.int64)
        np.cumsum(np.bincount(owners, minlength=n_customers), out=offsets[1:])
        return cls(offsets, unique % vocab_size, counts.astype(np.float64), popularity)

    @property
    def vocab_size(self) -> int:
        return len(self.popularity_)

    def score(self, batch: WorldModelBatch) -> torch.Tensor:
        """[B, V]: each basket's customer counts plus the popularity tie-break."""
        customers = batch.customer_idx.detach().cpu().numpy().astype(np.int64)
        customers = np.where(customers < len(self.offsets_) - 1, customers, UNKNOWN_CUSTOMER)
        starts, ends = self.offsets_[customers], self.offsets_[customers + 1]
        sizes = ends - starts
        rows = np.repeat(np.arange(len(customers)), sizes)
        within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        entries = np.repeat(starts, sizes) + within
        scores = np.tile(self.popularity_ / (self.popularity_.max() + 1.0), (len(customers), 1))
        scores[rows, self.products_[entries]] += self.counts_[entries]
        return torch.from_numpy(scores.astype(np.float32)).to(batch.product_ids.device)


@dataclass(frozen=True)
class MajorityClassBaseline:
    """Each auxiliary task's most frequent training label (ties: the lower class index)."""

    classes_: Mapping[str, int]
    name: str = "majority_class"

    @classmethod
    def fit(cls, labels: Mapping[str, np.ndarray]) -> MajorityClassBaseline:
        """From each task's training labels (``-100``, unknown, ignored)."""
        classes = {}
        for task, values in labels.items():
            known = np.asarray(values, dtype=np.int64)
            known = known[known != IGNORE_INDEX]
            if known.size == 0:
                raise InputError(f"MajorityClassBaseline: task {task!r} has no known label")
            classes[task] = int(np.bincount(known).argmax())
        return cls(classes)

    def predict(self, batch: WorldModelBatch) -> dict[str, torch.Tensor]:
        """[B] predicted class per task."""
        device = batch.product_ids.device
        return {
            task: torch.full((len(batch),), label, dtype=torch.long, device=device)
            for task, label in self.classes_.items()
        }
