"""WorldModelDataset on the tiny prepared project: every tensor's shape and dtype at the seed's
dimensions, the CSR index against the transactions, T2/T4 at masked positions, T6 without
labels, auxiliary labels, and the loaders over the real dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch

from benchlab.basket.batch import AUXILIARY_CLASSES, AUXILIARY_COLUMNS, MASK_ID, WorldModelBatch
from benchlab.basket.dataset import WorldModelDataset
from benchlab.basket.encoding import TRIP_COLUMNS
from benchlab.basket.loader import EvaluationDataLoader, WorldModelDataLoader
from benchlab.errors import InputError


@pytest.fixture(scope="module")
def train(basket_prepared_root: Path) -> WorldModelDataset:
    return WorldModelDataset(basket_prepared_root, split="train", max_seq_len=50)


def test_every_tensor_shape_and_dtype(train: WorldModelDataset) -> None:
    idx = np.arange(64)
    batch = train.encode_batch(idx, generator=np.random.default_rng(0))
    b, s = 64, int(train.lengths[idx].max())
    expected = {
        "customer_context": ((b, 192), torch.float32),
        "product_embeddings": ((b, s, 256), torch.float32),
        "temporal_context": ((b, 64), torch.float32),
        "price_features": ((b, s, 64), torch.float32),
        "store_context": ((b, 96), torch.float32),
        "trip_context": ((b, 48), torch.float32),
        "attention_mask": ((b, s), torch.bool),
        "product_ids": ((b, s), torch.int64),
        "input_ids": ((b, s), torch.int64),
        "masked_positions": ((b, s), torch.bool),
        "masked_targets": ((b, s), torch.int64),
        "basket_ids": ((b,), torch.int64),
        "customer_idx": ((b,), torch.int64),
        "store_idx": ((b,), torch.int64),
    }
    for name, (shape, dtype) in expected.items():
        tensor = getattr(batch, name)
        assert tuple(tensor.shape) == shape and tensor.dtype == dtype, name
        assert not tensor.dtype.is_floating_point or torch.isfinite(tensor).all(), name
    assert set(batch.auxiliary_labels) == set(AUXILIARY_CLASSES)
    for labels in batch.auxiliary_labels.values():
        assert labels.shape == (b,) and labels.dtype == torch.int64
    assert batch.get_dense_context().shape == (b, 400)
    assert batch.get_sequence_features().shape == (b, s, 320)
    assert {k: v.shape for k, v in batch.groups.items()} == {
        k: (b,) for k in ("date", "hour", "week")
    }
    assert len(batch) == b and s <= 50


def test_baskets_hold_their_transactions(
    train: WorldModelDataset, basket_prepared_root: Path
) -> None:
    from benchlab.basket.samples import sample_transactions

    n_products = train.samples["n_products"].to_numpy()
    np.testing.assert_array_equal(train.lengths, np.minimum(n_products, 50))
    rows = np.random.default_rng(0).choice(len(train), 40, replace=False)
    batch = train.encode_batch(rows, apply_masking=False)
    items = (
        sample_transactions(basket_prepared_root, ["BASKET_ID", "PROD_CODE"])
        .filter(pl.col("BASKET_ID").is_in(train.basket_ids[rows].tolist()))
        .collect()
    )
    for k, row in enumerate(rows):
        codes = items.filter(pl.col("BASKET_ID") == train.basket_ids[row])["PROD_CODE"].unique()
        expected = sorted(train.cache.product_index(codes).tolist())
        got = batch.product_ids[k][batch.attention_mask[k]].tolist()
        assert sorted(got) == expected
        assert not batch.product_ids[k][~batch.attention_mask[k]].any()
    assert (batch.input_ids == batch.product_ids).all() and not batch.masked_positions.any()
    assert (batch.masked_targets == -100).all()


def test_truncation_to_max_seq_len(basket_prepared_root: Path) -> None:
    short = WorldModelDataset(basket_prepared_root, split="train", max_seq_len=3)
    assert short.lengths.max() == 3
    batch = short.encode_batch(np.arange(len(short))[:100])
    assert batch.seq_len <= 3


def test_t2_t4_follow_the_masks(train: WorldModelDataset) -> None:
    cache = train.cache
    rows = np.argsort(train.lengths)[-64:]  # long baskets: every kind of masked position
    batch = train.encode_batch(rows, generator=np.random.default_rng(3))
    mask, masked = batch.attention_mask.numpy(), batch.masked_positions.numpy()
    t2, t4 = batch.product_embeddings.numpy(), batch.price_features.numpy()
    ids = batch.input_ids.numpy()
    s = batch.seq_len
    expected_t2 = (
        np.asarray(cache.product_embeddings)[ids] + np.asarray(cache.positional_encodings)[:s]
    )
    np.testing.assert_allclose(t2[mask], expected_t2[mask], rtol=1e-6)
    assert (t2[~mask] == 0).all() and (t4[~mask] == 0).all()
    assert masked.any() and (ids[masked] == MASK_ID).mean() > 0.5
    assert (t4[masked] == 0).all()  # the price cannot reveal the masked product
    visible = mask & ~masked
    assert np.abs(t4[visible]).sum(axis=-1).mean() > 0
    # where a price exists, T4 is the cache's row for (product, store, week)
    b, p = np.nonzero(visible)
    store = batch.store_idx.numpy()[b]
    week = batch.groups["week"][b]
    expected_t4 = cache.get_price_features(batch.product_ids.numpy()[b, p], store, week)
    np.testing.assert_array_equal(t4[b, p], expected_t4)


def test_masked_targets_and_seeded_encoding(train: WorldModelDataset) -> None:
    rows = np.arange(200)
    one = train.encode_batch(rows, generator=np.random.default_rng(5))
    two = train.encode_batch(rows, generator=np.random.default_rng(5))
    torch.testing.assert_close(one.input_ids, two.input_ids)
    torch.testing.assert_close(one.product_embeddings, two.product_embeddings)
    m = one.masked_positions
    assert (one.masked_targets[m] == one.product_ids[m]).all()
    assert (one.masked_targets[~m] == -100).all()
    assert m.any(dim=1)[one.attention_mask.any(dim=1)].all()
    loo = train.encode_batch(rows, generator=np.random.default_rng(5), masking="one")
    assert (loo.masked_positions.sum(dim=1) == 1).all()
    assert (loo.input_ids[loo.masked_positions] == MASK_ID).all()


def test_trip_context_ignores_the_label_columns(train: WorldModelDataset) -> None:
    """Baskets with the same trip inputs but different labels get the same T6."""
    frame = train.samples.with_row_index("row")
    labels = list(AUXILIARY_COLUMNS.values())
    pairs = (
        frame.join(frame, on=list(TRIP_COLUMNS), suffix="_other", nulls_equal=True)
        .filter(pl.col("row") < pl.col("row_other"))
        .filter(pl.any_horizontal(pl.col(c) != pl.col(f"{c}_other") for c in labels))
    )
    assert pairs.height > 0
    batch = train.encode_batch(np.r_[pairs["row"], pairs["row_other"]], apply_masking=False)
    t6 = batch.trip_context.numpy()
    n = pairs.height
    np.testing.assert_array_equal(t6[:n], t6[n:])
    assert len(np.unique(t6, axis=0)) > 1  # the trip inputs themselves do change T6


def test_auxiliary_labels(train: WorldModelDataset, basket_prepared_root: Path) -> None:
    batch = train.encode_batch(np.arange(len(train)), apply_masking=False)
    for task, classes in AUXILIARY_CLASSES.items():
        raw = train.samples[AUXILIARY_COLUMNS[task]].to_list()
        expected = [classes.index(v) if v in classes else -100 for v in raw]
        assert batch.auxiliary_labels[task].tolist() == expected
    assert (batch.auxiliary_labels["mission_type"] == -100).any()  # XX baskets are ignored
    off = WorldModelDataset(basket_prepared_root, split="validation", enable_auxiliary_tasks=False)
    assert off.encode_batch([0]).auxiliary_labels == {}


def test_getitem_and_groups(train: WorldModelDataset) -> None:
    item = train[3]
    assert item["product_embeddings"].shape == (train.lengths[3], 256)
    assert item["customer_context"].shape == (192,)
    assert set(item["auxiliary_labels"]) == set(AUXILIARY_CLASSES)
    assert train[-1]["basket_ids"] == train.basket_ids[-1]
    with pytest.raises(IndexError):
        train[len(train)]
    np.testing.assert_array_equal(train.group_values("hour"), train.samples["shop_hour"].to_numpy())
    with pytest.raises(InputError, match="group_by"):
        train.group_values("month")


def test_splits_hold_other_baskets(basket_prepared_root: Path, train: WorldModelDataset) -> None:
    ids = [set(train.basket_ids.tolist())]
    for split in ("validation", "test"):
        data = WorldModelDataset(basket_prepared_root, split=split)
        ids.append(set(data.basket_ids.tolist()))
        assert data.week.min() > train.week.max()
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])


def test_bad_input(basket_prepared_root: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="split"):
        WorldModelDataset(basket_prepared_root, split="holdout")
    with pytest.raises(InputError, match="prepare-samples"):
        WorldModelDataset(tmp_path, split="train")
    with pytest.raises(InputError, match="max_seq_len"):
        WorldModelDataset(basket_prepared_root, split="train", max_seq_len=80)


def test_loaders_over_the_dataset(train: WorldModelDataset) -> None:
    loader = WorldModelDataLoader(train, batch_size=64, seed=1)
    seen = []
    for batch in loader:
        assert isinstance(batch, WorldModelBatch) and batch.masked_positions.any()
        seen.extend(batch.basket_ids.tolist())
    assert sorted(seen) == sorted(train.basket_ids.tolist()) and len(loader) == -(-len(train) // 64)
    for group_by, column in (("date", "day"), ("hour", "shop_hour"), ("week", "shop_week")):
        evaluation = EvaluationDataLoader(train, batch_size=64, group_by=group_by)
        values = []
        for value, batch in evaluation:
            assert not batch.masked_positions.any()
            assert (batch.groups[group_by] == batch.groups[group_by][0]).all()
            values.append(value)
            expected = train.samples.filter(pl.col("basket_id").is_in(batch.basket_ids.tolist()))[
                column
            ]
            assert expected.n_unique() == 1 and expected[0] == value
        assert len(set(values)) == train.samples[column].n_unique()


def test_pickles_without_the_cache_arrays(train: WorldModelDataset) -> None:
    import pickle

    payload = pickle.dumps(train)
    assert len(payload) < np.asarray(train.cache.price_features).nbytes  # mapped, not copied
    copy = pickle.loads(payload)
    rows = np.arange(30)
    a = train.encode_batch(rows, generator=np.random.default_rng(1))
    b = copy.encode_batch(rows, generator=np.random.default_rng(1))
    torch.testing.assert_close(a.get_sequence_features(), b.get_sequence_features())
    torch.testing.assert_close(a.get_dense_context(), b.get_dense_context())
