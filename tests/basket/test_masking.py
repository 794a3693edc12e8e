"""BERT masking rates and rules, and leave-one-out masking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchlab.basket.batch import IGNORE_INDEX, MASK_ID, UNK_ID
from benchlab.basket.masking import apply_masking, mask_one_per_basket
from benchlab.errors import InputError

VOCAB = 1_000


def baskets(
    n: int, seq_len: int, seed: int = 0, *, min_len: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, seq_len + 1, n)
    mask = np.arange(seq_len)[None, :] < lengths[:, None]
    ids = np.where(mask, rng.integers(3, VOCAB, (n, seq_len)), 0)
    return ids, mask


def test_rates_within_tolerance_over_many_baskets() -> None:
    ids, mask = baskets(4_000, 50, min_len=50)  # long baskets: the forced mask hardly counts
    new, masked, targets = apply_masking(
        ids, mask, 0.15, np.random.default_rng(1), vocab_size=VOCAB
    )
    n_masked = masked.sum()
    assert abs(n_masked / mask.sum() - 0.15) < 0.005
    as_mask = (new == MASK_ID) & masked
    replaced = (new != MASK_ID) & (new != ids) & masked
    kept = (new == ids) & masked
    assert abs(as_mask.sum() / n_masked - 0.8) < 0.01
    # a random id equals the original with chance 1/997: counted as kept
    assert abs(replaced.sum() / n_masked - 0.1) < 0.01
    assert abs(kept.sum() / n_masked - 0.1) < 0.01
    assert (new[~masked] == ids[~masked]).all()
    assert ((new[replaced] >= 3) & (new[replaced] < VOCAB)).all()


def test_targets_positions_and_padding() -> None:
    ids, mask = baskets(500, 12, seed=2)
    ids[:, 0] = np.where(mask[:, 0], UNK_ID, 0)  # unknown products are never targets
    new, masked, targets = apply_masking(ids, mask, 0.3, 3, vocab_size=VOCAB)
    assert masked.dtype == bool and targets.dtype == np.int64 and new.dtype == np.int64
    assert not masked[~mask].any() and not masked[:, 0].any()
    assert (targets[masked] == ids[masked]).all()
    assert (targets[~masked] == IGNORE_INDEX).all()
    assert (new[~mask] == 0).all()


def test_at_least_one_masked_per_non_empty_basket() -> None:
    ids, mask = baskets(2_000, 3, seed=4)
    ids[:5] = 0
    mask[:5] = False  # empty baskets get nothing
    _, masked, _ = apply_masking(ids, mask, 0.15, 5, vocab_size=VOCAB)
    assert masked[5:].any(axis=1).all()
    assert not masked[:5].any()
    _, masked, _ = apply_masking(ids, mask, 0.15, 5, vocab_size=VOCAB, min_one=False)
    assert not masked[5:].any(axis=1).all()


def test_seeded() -> None:
    ids, mask = baskets(200, 20)
    first = apply_masking(ids, mask, 0.15, np.random.default_rng(7), vocab_size=VOCAB)
    again = apply_masking(ids, mask, 0.15, np.random.default_rng(7), vocab_size=VOCAB)
    other = apply_masking(ids, mask, 0.15, np.random.default_rng(8), vocab_size=VOCAB)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])


def test_torch_in_torch_out() -> None:
    ids, mask = baskets(10, 8)
    new, masked, targets = apply_masking(
        torch.from_numpy(ids), torch.from_numpy(mask), 0.15, 0, vocab_size=VOCAB
    )
    assert isinstance(new, torch.Tensor) and masked.dtype == torch.bool
    assert targets.dtype == torch.int64


def test_bad_input() -> None:
    ids, mask = baskets(4, 5)
    with pytest.raises(InputError, match="mask_prob"):
        apply_masking(ids, mask, 1.5, 0, vocab_size=VOCAB)
    with pytest.raises(InputError, match="shape"):
        apply_masking(ids, mask[:, :3], 0.15, 0, vocab_size=VOCAB)


def test_mask_one_per_basket() -> None:
    ids, mask = baskets(3_000, 10, seed=9)
    mask[0] = False
    ids[0] = 0
    new, masked, targets = mask_one_per_basket(ids, mask, np.random.default_rng(0))
    assert masked[1:].sum(axis=1).tolist() == [1] * 2_999 and not masked[0].any()
    assert (new[masked] == MASK_ID).all() and (new[~masked] == ids[~masked]).all()
    assert (targets[masked] == ids[masked]).all()
    # every position of a full basket is chosen about equally often (300 expected each)
    full_ids, full_mask = baskets(3_000, 10, seed=10, min_len=10)
    counts = mask_one_per_basket(full_ids, full_mask, 1)[1].sum(axis=0)
    assert counts.min() > 0.75 * counts.mean()
    again = mask_one_per_basket(ids, mask, np.random.default_rng(0))[1]
    np.testing.assert_array_equal(masked, again)
