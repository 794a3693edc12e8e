"""WorldModelBatch: the concatenations, the device move and the auxiliary classes."""

from __future__ import annotations

import numpy as np
import torch

from benchlab.basket.batch import (
    AUXILIARY_CLASSES,
    AUXILIARY_COLUMNS,
    DENSE_DIM,
    SEQUENCE_DIM,
    WorldModelBatch,
)


def make_batch(b: int = 3, s: int = 5) -> WorldModelBatch:
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(3, 50, (b, s), generator=g)
    return WorldModelBatch(
        customer_context=torch.randn(b, 192, generator=g),
        product_embeddings=torch.randn(b, s, 256, generator=g),
        temporal_context=torch.randn(b, 64, generator=g),
        price_features=torch.randn(b, s, 64, generator=g),
        store_context=torch.randn(b, 96, generator=g),
        trip_context=torch.randn(b, 48, generator=g),
        attention_mask=torch.ones(b, s, dtype=torch.bool),
        product_ids=ids,
        input_ids=ids.clone(),
        masked_positions=torch.zeros(b, s, dtype=torch.bool),
        masked_targets=torch.full((b, s), -100),
        auxiliary_labels={name: torch.zeros(b, dtype=torch.long) for name in AUXILIARY_CLASSES},
        basket_ids=torch.arange(b),
        customer_idx=torch.arange(b),
        store_idx=torch.arange(b),
        groups={"hour": np.arange(b)},
    )


def test_dense_context_is_t1_t3_t5_t6() -> None:
    batch = make_batch()
    dense = batch.get_dense_context()
    assert dense.shape == (3, DENSE_DIM) == (3, 400)
    torch.testing.assert_close(dense[:, :192], batch.customer_context)
    torch.testing.assert_close(dense[:, 192:256], batch.temporal_context)
    torch.testing.assert_close(dense[:, 256:352], batch.store_context)
    torch.testing.assert_close(dense[:, 352:], batch.trip_context)


def test_sequence_features_are_t2_t4() -> None:
    batch = make_batch()
    seq = batch.get_sequence_features()
    assert seq.shape == (3, 5, SEQUENCE_DIM) == (3, 5, 320)
    torch.testing.assert_close(seq[..., :256], batch.product_embeddings)
    torch.testing.assert_close(seq[..., 256:], batch.price_features)


def test_to_moves_every_tensor_and_keeps_groups() -> None:
    batch = make_batch()
    moved = batch.to("meta")
    assert len(moved) == 3 and moved.seq_len == 5
    assert moved.customer_context.device.type == "meta"
    assert all(t.device.type == "meta" for t in moved.auxiliary_labels.values())
    assert batch.customer_context.device.type == "cpu"  # a copy, the original stays
    assert moved.groups["hour"] is batch.groups["hour"]


def test_auxiliary_classes_match_the_seed() -> None:
    assert {k: len(v) for k, v in AUXILIARY_CLASSES.items()} == {
        "mission_type": 4,
        "mission_focus": 5,
        "price_sensitivity": 3,
        "basket_size": 3,
    }
    assert set(AUXILIARY_COLUMNS) == set(AUXILIARY_CLASSES)
