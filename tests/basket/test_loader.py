"""BucketBatchSampler (buckets, rotation, DDP shards, padding waste) and the two loaders, on a
small stand-in dataset; the real dataset goes through them in test_dataset.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchlab.basket.batch import WorldModelBatch
from benchlab.basket.loader import (
    BucketBatchSampler,
    EvaluationDataLoader,
    WorldModelDataLoader,
    padding_waste,
)
from benchlab.basket.masking import apply_masking, mask_one_per_basket
from benchlab.errors import InputError


def basket_lengths(n: int, seed: int = 0) -> np.ndarray:
    """Right-skewed like real baskets: mostly short, some up to 50."""
    return np.clip(np.random.default_rng(seed).geometric(0.1, n), 1, 50)


class StandInDataset:
    """What the loaders need: lengths, encode_batch (whole batch at once) and group values."""

    def __init__(self, n: int = 300, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.lengths = basket_lengths(n, seed)
        self.ids = rng.integers(3, 500, (n, 50))
        self.hour = rng.integers(8, 12, n)
        self.calls = 0

    def group_values(self, group_by: str) -> np.ndarray:
        return {
            "hour": self.hour,
            "week": self.hour // 2,
            "date": self.hour.astype("datetime64[D]"),
        }[group_by]

    def encode_batch(self, indices, *, generator=None, apply_masking=True, masking="bert"):  # noqa: ANN001, ANN201
        self.calls += 1
        indices = np.asarray(indices)
        s = int(self.lengths[indices].max())
        mask = np.arange(s)[None, :] < self.lengths[indices, None]
        ids = np.where(mask, self.ids[indices, :s], 0)
        if not apply_masking:
            new, masked, targets = ids, np.zeros_like(mask), np.full_like(ids, -100)
        elif masking == "one":
            new, masked, targets = mask_one_per_basket(ids, mask, generator)
        else:
            new, masked, targets = apply_masking_(ids, mask, 0.15, generator, vocab_size=500)
        b = len(indices)
        zeros = torch.zeros
        return WorldModelBatch(
            zeros(b, 192), zeros(b, s, 256), zeros(b, 64), zeros(b, s, 64), zeros(b, 96),
            zeros(b, 48), torch.from_numpy(mask), torch.from_numpy(ids), torch.from_numpy(new),
            torch.from_numpy(masked), torch.from_numpy(targets), {}, torch.from_numpy(indices),
            torch.from_numpy(indices), torch.from_numpy(indices),
            {"hour": self.hour[indices], "week": self.hour[indices] // 2,
             "date": self.hour[indices].astype("datetime64[D]")},
        )  # fmt: skip


apply_masking_ = apply_masking


def test_one_epoch_holds_every_index_once() -> None:
    lengths = basket_lengths(1_000)
    sampler = BucketBatchSampler(lengths, 64, seed=3)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 16
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1_000))
    assert sum(len(b) < 64 for b in batches) == 1


def test_padding_waste_against_random_batching() -> None:
    lengths = basket_lengths(5_000)
    bucketed = padding_waste(lengths, BucketBatchSampler(lengths, 64, seed=0).global_batches())
    random = padding_waste(lengths, BucketBatchSampler(lengths, 64, n_buckets=1).global_batches())
    ratio = bucketed / random
    print(f"padding waste: bucketed {bucketed:.3f}, random {random:.3f}, ratio {ratio:.3f}")
    assert random > 0.5
    assert ratio < 0.25


def test_shuffle_within_buckets_and_bucket_order_rotates() -> None:
    lengths = basket_lengths(2_000)
    sampler = BucketBatchSampler(lengths, 32, seed=1, n_buckets=4)
    first_batches = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        first_batches.append(lengths[sampler.global_batches()[0]])
    # bucket e comes first in epoch e: its lengths are at least those of bucket e-1
    for earlier, later in zip(first_batches, first_batches[1:], strict=False):
        assert earlier.max() <= later.min()
    assert first_batches[0].max() < first_batches[3].min()
    sampler.set_epoch(4)  # back to bucket 0, shuffled differently
    again = sampler.global_batches()[0]
    assert lengths[again].max() <= first_batches[1].min()
    sampler.set_epoch(0)
    assert not np.array_equal(np.sort(again), np.sort(sampler.global_batches()[0]))


def test_same_seed_same_epoch_same_batches_and_new_epoch_new_batches() -> None:
    lengths = basket_lengths(500)
    a, b = BucketBatchSampler(lengths, 16, seed=5), BucketBatchSampler(lengths, 16, seed=5)
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)
    c = BucketBatchSampler(lengths, 16, seed=6)
    assert list(a) != list(c)


def test_no_shuffle_is_fixed_and_one_bucket_keeps_dataset_order() -> None:
    lengths = basket_lengths(100)
    sampler = BucketBatchSampler(lengths, 10, shuffle=False, n_buckets=1)
    before = list(sampler)
    sampler.set_epoch(3)
    assert list(sampler) == before
    assert np.concatenate(before).tolist() == list(range(100))


@pytest.mark.parametrize("n", [640, 650, 700])  # 10 batches (divisible by 2 and 5), 11, 11
@pytest.mark.parametrize("replicas", [2, 3, 5])
def test_ddp_shards_padded_are_complete_and_equal(n: int, replicas: int) -> None:
    lengths = basket_lengths(n)
    shards = [
        list(BucketBatchSampler(lengths, 64, seed=2, num_replicas=replicas, rank=r))
        for r in range(replicas)
    ]
    total = -(-n // 64)
    per_rank = -(-total // replicas)
    assert [len(s) for s in shards] == [per_rank] * replicas
    assert all(
        len(BucketBatchSampler(lengths, 64, num_replicas=replicas, rank=r)) == per_rank
        for r in range(replicas)
    )
    flat = np.concatenate([np.concatenate(s) for s in shards])
    assert set(flat.tolist()) == set(range(n))  # complete
    if total % replicas == 0:
        assert len(flat) == n  # disjoint
    else:  # only the repeated batches overlap, as in DistributedSampler
        repeated = per_rank * replicas - total
        assert len(flat) - n <= repeated * 64


@pytest.mark.parametrize("replicas", [2, 3])
def test_ddp_shards_drop_last_are_disjoint(replicas: int) -> None:
    lengths = basket_lengths(700)
    shards = [
        list(BucketBatchSampler(lengths, 64, seed=2, num_replicas=replicas, rank=r, drop_last=True))
        for r in range(replicas)
    ]
    per_rank = (700 // 64) // replicas
    assert [len(s) for s in shards] == [per_rank] * replicas
    flat = np.concatenate([np.concatenate(s) for s in shards])
    assert len(set(flat.tolist())) == len(flat) == per_rank * replicas * 64
    assert all(len(b) == 64 for s in shards for b in s)


def test_every_rank_builds_the_same_epoch() -> None:
    lengths = basket_lengths(400)
    ranks = [BucketBatchSampler(lengths, 32, seed=9, num_replicas=4, rank=r) for r in range(4)]
    for sampler in ranks:
        sampler.set_epoch(2)
    epochs = [[b.tolist() for b in s.global_batches()] for s in ranks]
    assert all(e == epochs[0] for e in epochs)


def test_sampler_bad_input() -> None:
    with pytest.raises(InputError, match="rank"):
        BucketBatchSampler([1, 2], 2, num_replicas=2, rank=2)
    with pytest.raises(InputError, match="batch_size"):
        BucketBatchSampler([1, 2], 0)
    assert BucketBatchSampler([1, 2], 2).num_replicas == 1  # no process group: one replica


def batches_as_arrays(loader) -> list[tuple[np.ndarray, np.ndarray]]:  # noqa: ANN001
    return [(b.basket_ids.numpy(), b.input_ids.numpy()) for b in loader]


def test_loader_yields_masked_batches_of_every_basket() -> None:
    data = StandInDataset()
    loader = WorldModelDataLoader(data, batch_size=32, seed=0)
    batches = list(loader)
    assert len(batches) == len(loader) == 10 == data.calls  # one encode call per batch
    assert all(isinstance(b, WorldModelBatch) for b in batches)
    assert sorted(np.concatenate([b.basket_ids.numpy() for b in batches]).tolist()) == list(
        range(300)
    )
    assert all(b.masked_positions.any(dim=1).all() for b in batches)


def test_loader_seeded_per_epoch_and_set_epoch_through_sampler() -> None:
    data = StandInDataset()
    loader = WorldModelDataLoader(data, batch_size=32, seed=4)
    first = batches_as_arrays(loader)
    again = batches_as_arrays(WorldModelDataLoader(data, batch_size=32, seed=4))
    assert all(
        (a[0] == b[0]).all() and (a[1] == b[1]).all() for a, b in zip(first, again, strict=True)
    )
    loader.sampler.set_epoch(1)  # what Lightning calls
    assert loader.epoch == 1
    second = batches_as_arrays(loader)
    assert any(
        a[0].shape != b[0].shape or (a[0] != b[0]).any() for a, b in zip(first, second, strict=True)
    )


def test_loader_same_batches_with_workers() -> None:
    data = StandInDataset()
    serial = batches_as_arrays(WorldModelDataLoader(data, batch_size=64, seed=2))
    loader = WorldModelDataLoader(data, batch_size=64, seed=2, num_workers=2)
    loader.set_epoch(0)
    workers = batches_as_arrays(loader)
    assert len(serial) == len(workers)
    for (ids_a, in_a), (ids_b, in_b) in zip(serial, workers, strict=True):
        np.testing.assert_array_equal(ids_a, ids_b)
        np.testing.assert_array_equal(in_a, in_b)


def test_loader_without_buckets_or_masking() -> None:
    data = StandInDataset()
    loader = WorldModelDataLoader(
        data, batch_size=50, shuffle=False, apply_masking=False, bucket_batching=False
    )
    batches = list(loader)
    assert np.concatenate([b.basket_ids.numpy() for b in batches]).tolist() == list(range(300))
    assert not any(b.masked_positions.any() for b in batches)


def test_loader_ranks_split_the_batches() -> None:
    data = StandInDataset()
    ids = [
        np.concatenate(
            [
                b.basket_ids.numpy()
                for b in WorldModelDataLoader(data, batch_size=30, num_replicas=2, rank=r)
            ]
        )
        for r in range(2)
    ]
    assert not set(ids[0]) & set(ids[1])
    assert set(ids[0]) | set(ids[1]) == set(range(300))


@pytest.mark.parametrize("group_by", ["date", "hour", "week"])
def test_evaluation_loader_one_group_per_batch(group_by: str) -> None:
    data = StandInDataset()
    loader = EvaluationDataLoader(data, batch_size=16, group_by=group_by)
    seen = []
    for value, batch in loader:
        groups = batch.groups[group_by]
        assert (groups == groups[0]).all()
        assert (np.asarray(groups[0]).astype(object) == value) or groups[0] == value
        assert not batch.masked_positions.any()
        seen.extend(batch.basket_ids.tolist())
    assert sorted(seen) == list(range(300))
    values = loader.group_values
    assert values == sorted(values) and len(loader) == len(values)
    n_groups = len(np.unique(data.group_values(group_by)))
    assert len(set(values)) == n_groups


def test_evaluation_loader_leave_one_out_and_bad_group() -> None:
    data = StandInDataset()
    for _, batch in EvaluationDataLoader(data, batch_size=64, group_by="hour", leave_one_out=True):
        assert (batch.masked_positions.sum(dim=1) == 1).all()
    with pytest.raises(InputError, match="group_by"):
        EvaluationDataLoader(data, group_by="month")


def _rank_shard(rank: int, world: int, port: int, lengths: np.ndarray, out: object) -> None:
    """One DDP process: the sampler takes world size and rank from the process group."""
    torch.distributed.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
    )
    try:
        sampler = BucketBatchSampler(lengths, 16, seed=7)
        sampler.set_epoch(1)
        out.put((rank, sampler.num_replicas, [b for b in sampler]))
    finally:
        torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_sampler_under_a_real_process_group() -> None:
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lengths = basket_lengths(192)  # 12 batches of 16: no padding needed
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_rank_shard, args=(r, 2, port, lengths, out)) for r in range(2)]
    for p in procs:
        p.start()
    results = dict(
        (rank, (replicas, batches))
        for rank, replicas, batches in (out.get(timeout=120) for _ in procs)
    )
    for p in procs:
        p.join(timeout=60)
    assert all(replicas == 2 for replicas, _ in results.values())
    shards = [set(np.concatenate(results[r][1]).tolist()) for r in range(2)]
    assert not shards[0] & shards[1] and shards[0] | shards[1] == set(range(192))


@pytest.mark.slow
def test_lightning_trains_on_the_loader_and_sets_its_epoch() -> None:
    import lightning.pytorch as pl

    class Tiny(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(400, 1)
            self.seen: list[tuple[int, int]] = []

        def training_step(self, batch: WorldModelBatch, _: int) -> torch.Tensor:
            self.seen.append((self.current_epoch, int(batch.basket_ids[0])))
            return self.layer(batch.get_dense_context()).mean()

        def validation_step(self, batch: WorldModelBatch, _: int) -> None:
            self.log(
                "val_loss", self.layer(batch.get_dense_context()).mean(), batch_size=len(batch)
            )

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = StandInDataset()
    train = WorldModelDataLoader(data, batch_size=64, seed=0)
    val = WorldModelDataLoader(data, batch_size=64, shuffle=False, apply_masking=False)
    model = Tiny()
    trainer = pl.Trainer(
        max_epochs=2, accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(model, train_dataloaders=train, val_dataloaders=val)
    assert train.epoch == 1  # Lightning called set_epoch through .sampler
    per_epoch = [[b for e, b in model.seen if e == epoch] for epoch in range(2)]
    assert len(per_epoch[0]) == len(per_epoch[1]) == len(train) == 5
    assert per_epoch[0] != per_epoch[1]  # a new order in the second epoch
