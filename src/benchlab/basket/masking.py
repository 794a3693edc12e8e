"""Masked-product targets: BERT masking for training, one product per basket for evaluation.

Only known products (vocabulary id ≥ 3) are masked; padding (0), unknown products (1) and the
MASK token (2) never are. Both functions take NumPy arrays or torch tensors and give back the
same kind, and draw every random number from the generator they are given.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

from benchlab.basket.batch import FIRST_PRODUCT_ID, IGNORE_INDEX, MASK_ID
from benchlab.errors import InputError

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


def _generator(generator: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(0 if generator is None else generator)


def _numpy(ids: ArrayT, mask: ArrayT) -> tuple[np.ndarray, np.ndarray, bool]:
    is_torch = isinstance(ids, torch.Tensor)
    ids_np = ids.detach().cpu().numpy() if is_torch else np.asarray(ids)
    mask_np = mask.detach().cpu().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
    if ids_np.shape != mask_np.shape or ids_np.ndim != 2:
        raise InputError(
            f"masking: input_ids {ids_np.shape} and attention_mask {mask_np.shape} must be "
            "the same [B, S] shape"
        )
    return ids_np.astype(np.int64, copy=False), mask_np.astype(bool, copy=False), is_torch


def _back(is_torch: bool, *arrays: np.ndarray) -> tuple:
    return tuple(torch.from_numpy(a) for a in arrays) if is_torch else arrays


def _one_random(candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[B, S] bool with one randomly chosen True among each row's candidates (none if none)."""
    scores = np.where(candidates, rng.random(candidates.shape), -1.0)
    chosen = np.zeros_like(candidates)
    rows = np.flatnonzero(candidates.any(axis=1))
    chosen[rows, scores[rows].argmax(axis=1)] = True
    return chosen


def apply_masking(
    input_ids: ArrayT,
    attention_mask: ArrayT,
    mask_prob: float,
    generator: np.random.Generator | int | None,
    *,
    vocab_size: int,
    mask_token: int = MASK_ID,
    min_one: bool = True,
) -> tuple[ArrayT, ArrayT, ArrayT]:
    """BERT masking: each known product is chosen with ``mask_prob``; of those chosen, 80 %
    become ``mask_token``, 10 % a random product (ids 3 … vocab_size-1), 10 % stay.

    With ``min_one`` a basket with a known product but no draw gets one chosen position, so
    every such basket has a target. Returns ``(input_ids, masked_positions, masked_targets)``:
    the ids after masking, the chosen positions (bool) and the original id there (-100
    elsewhere).
    """
    if not 0 <= mask_prob < 1:
        raise InputError(f"masking: mask_prob {mask_prob} is not in [0, 1)")
    if vocab_size <= FIRST_PRODUCT_ID:
        raise InputError(f"masking: vocab_size {vocab_size} holds no product (ids start at 3)")
    ids, mask, is_torch = _numpy(input_ids, attention_mask)
    rng = _generator(generator)
    candidates = mask & (ids >= FIRST_PRODUCT_ID)
    draw = rng.random(ids.shape)
    masked = candidates & (draw < mask_prob)
    # given draw < p, draw / p is uniform on [0, 1): it picks MASK / random / kept
    action = draw / mask_prob if mask_prob > 0 else draw
    if min_one:
        missing = np.flatnonzero(candidates.any(axis=1) & ~masked.any(axis=1))
        if len(missing):
            forced = _one_random(candidates[missing], rng)
            rows, cols = np.nonzero(forced)
            masked[missing[rows], cols] = True
            action[missing[rows], cols] = rng.random(len(rows))
    new_ids = ids.copy()
    new_ids[masked & (action < 0.8)] = mask_token
    swap = masked & (action >= 0.8) & (action < 0.9)
    new_ids[swap] = rng.integers(FIRST_PRODUCT_ID, vocab_size, size=int(swap.sum()))
    targets = np.where(masked, ids, IGNORE_INDEX)
    return _back(is_torch, new_ids, masked, targets)


def mask_one_per_basket(
    input_ids: ArrayT,
    attention_mask: ArrayT,
    generator: np.random.Generator | int | None,
    *,
    mask_token: int = MASK_ID,
) -> tuple[ArrayT, ArrayT, ArrayT]:
    """Leave-one-out for evaluation: one known product per basket, chosen at random (seeded),
    always replaced by ``mask_token``. Same return as :func:`apply_masking`."""
    ids, mask, is_torch = _numpy(input_ids, attention_mask)
    masked = _one_random(mask & (ids >= FIRST_PRODUCT_ID), _generator(generator))
    new_ids = np.where(masked, mask_token, ids)
    targets = np.where(masked, ids, IGNORE_INDEX)
    return _back(is_torch, new_ids, masked, targets)
