"""Batches of baskets: a length-bucketing batch sampler and the seed's two loaders.

``WorldModelDataLoader`` is an iterable of ``WorldModelBatch`` with ``__len__``, ``set_epoch``
and a ``sampler`` attribute, so Lightning takes it as a train or validation dataloader as is
and calls ``set_epoch`` every epoch. Each batch is encoded whole (``dataset.encode_batch``),
never row by row, and masked with a generator seeded by ``(seed, epoch, batch number)``:
the same seed gives the same batches whatever ``num_workers`` is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from benchlab.basket.batch import WorldModelBatch
from benchlab.errors import InputError

GroupBy = Literal["date", "hour", "week"]


class BatchEncoding(Protocol):
    """What the loaders need from a dataset (``WorldModelDataset`` is one)."""

    lengths: np.ndarray

    def encode_batch(
        self,
        indices: np.ndarray,
        *,
        generator: np.random.Generator | None = None,
        apply_masking: bool = True,
        masking: Literal["bert", "one"] = "bert",
    ) -> WorldModelBatch: ...

    def group_values(self, group_by: GroupBy) -> np.ndarray: ...


def _distributed(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    """The world size and rank given, else torch.distributed's, else (1, 0)."""
    initialised = torch.distributed.is_available() and torch.distributed.is_initialized()
    if num_replicas is None:
        num_replicas = torch.distributed.get_world_size() if initialised else 1
    if rank is None:
        rank = torch.distributed.get_rank() if initialised else 0
    if num_replicas < 1 or not 0 <= rank < num_replicas:
        raise InputError(f"BucketBatchSampler: rank {rank} is not in [0, {num_replicas})")
    return num_replicas, rank


class BucketBatchSampler:
    """Batches of indices whose baskets have similar lengths.

    Every epoch the indices are sorted by length (ties broken at random) and cut into
    ``n_buckets`` buckets of about equal size (whole batches); each bucket is shuffled and cut
    into batches, and the buckets take turns, starting from bucket ``epoch % n_buckets`` (the
    bucket order rotates each epoch). ``n_buckets=1`` is plain random batching.

    Under DDP every rank builds the same epoch (same seed) and takes every
    ``num_replicas``-th batch from ``rank``: the shards are disjoint and together hold every
    batch. When the batches do not divide evenly, the first ones are repeated so that every
    rank gets as many (as ``DistributedSampler`` does), or with ``drop_last`` the last
    incomplete batch and the remainder are dropped. ``set_epoch`` gives a new order.
    """

    def __init__(
        self,
        lengths: Sequence[int] | np.ndarray,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        num_replicas: int | None = None,
        rank: int | None = None,
        drop_last: bool = False,
        n_buckets: int = 16,
    ) -> None:
        if batch_size < 1:
            raise InputError(f"BucketBatchSampler: batch_size {batch_size} must be ≥ 1")
        if n_buckets < 1:
            raise InputError(f"BucketBatchSampler: n_buckets {n_buckets} must be ≥ 1")
        self.lengths = np.asarray(lengths, dtype=np.int64)
        if self.lengths.ndim != 1:
            raise InputError("BucketBatchSampler: lengths must be one length per sample")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.num_replicas, self.rank = _distributed(num_replicas, rank)
        self.drop_last = drop_last
        self.n_buckets = n_buckets
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch``'s order from now on (call it at the start of every epoch)."""
        self.epoch = epoch

    def _n_batches(self) -> int:
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __len__(self) -> int:
        total = self._n_batches()
        if self.drop_last:
            return total // self.num_replicas
        return -(-total // self.num_replicas)

    def global_batches(self) -> list[np.ndarray]:
        """Every batch of the epoch, in order, before sharding (the same on every rank)."""
        n = len(self.lengths)
        rng = np.random.default_rng([self.seed, self.epoch])
        tiebreak = rng.permutation(n) if self.shuffle else np.arange(n)
        order = np.lexsort((tiebreak, self.lengths))
        per_bucket = -(-max(n, 1) // self.n_buckets)
        per_bucket = -(-per_bucket // self.batch_size) * self.batch_size
        starts = np.arange(0, n, per_bucket)
        members = [order[s : s + per_bucket] for s in starts]
        members = [rng.permutation(m) if self.shuffle else np.sort(m) for m in members]
        flat = np.concatenate(members) if members else np.zeros(0, dtype=np.int64)
        # Batch k of bucket j covers flat[starts[j] + k * batch_size, …]; buckets take turns.
        sizes = np.array([len(m) for m in members], dtype=np.int64)
        bucket_of = np.repeat(np.arange(len(sizes)), -(-sizes // self.batch_size))
        k = np.arange(len(bucket_of)) - np.searchsorted(bucket_of, bucket_of)
        rotation = self.epoch % len(sizes) if self.shuffle and len(sizes) else 0
        turn = (bucket_of - rotation) % max(len(sizes), 1)
        batch_start = starts[bucket_of] + k * self.batch_size
        batch_end = np.minimum(batch_start + self.batch_size, starts[bucket_of] + sizes[bucket_of])
        keep = np.lexsort((turn, k))
        batches = [flat[s:e] for s, e in zip(batch_start[keep], batch_end[keep], strict=True)]
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        return batches

    def numbered(self) -> Iterator[tuple[int, np.ndarray]]:
        """This rank's batches with their position in the epoch (used to seed their masks)."""
        batches = self.global_batches()
        total, replicas = len(batches), self.num_replicas
        if self.drop_last:
            positions = np.arange(total - total % replicas)
        else:
            positions = np.resize(np.arange(total), -(-total // replicas) * replicas)
        for position in positions[self.rank :: replicas]:
            yield int(position), batches[position]

    def __iter__(self) -> Iterator[list[int]]:
        for _, batch in self.numbered():
            yield batch.tolist()


def padding_waste(lengths: np.ndarray, batches: Sequence[np.ndarray]) -> float:
    """Share of padded positions when each batch is padded to its longest basket."""
    lengths = np.asarray(lengths)
    real = padded = 0
    for batch in batches:
        batch_lengths = lengths[np.asarray(batch)]
        real += int(batch_lengths.sum())
        padded += int(batch_lengths.max(initial=0)) * len(batch_lengths)
    return 1.0 - real / padded if padded else 0.0


class _EncodedBatches(Dataset):
    """Keys ``(position, indices, epoch)`` → ``WorldModelBatch``, masked with a generator
    seeded by ``(seed, epoch, position)``: any worker gives the same batch for a key."""

    def __init__(
        self, dataset: BatchEncoding, *, apply_masking: bool, masking: str, seed: int
    ) -> None:
        self.dataset = dataset
        self.apply_masking = apply_masking
        self.masking = masking
        self.seed = seed

    def __getitem__(self, key: tuple[int, np.ndarray, int]) -> WorldModelBatch:
        position, indices, epoch = key
        return self.dataset.encode_batch(
            indices,
            generator=np.random.default_rng([self.seed, epoch, position]),
            apply_masking=self.apply_masking,
            masking=self.masking,
        )

    def __len__(self) -> int:  # pragma: no cover - only keys from the sampler are used
        return len(self.dataset.lengths)


def _same(batch: WorldModelBatch) -> WorldModelBatch:
    """The collate function: a key already gives a whole batch."""
    return batch


class _Keys:
    """The sampler of the inner ``DataLoader``: the current epoch's keys, read when iterated,
    so persistent workers follow ``set_epoch``."""

    def __init__(self, keys: Callable[[], Iterator], length: Callable[[], int]) -> None:
        self.keys = keys
        self.length = length

    def __iter__(self) -> Iterator[tuple[int, np.ndarray, int]]:
        return iter(self.keys())

    def __len__(self) -> int:
        return self.length()


def _torch_loader(
    encoded: _EncodedBatches, keys: _Keys, *, num_workers: int, pin_memory: bool
) -> DataLoader:
    return DataLoader(
        encoded,
        sampler=keys,
        batch_size=None,
        collate_fn=_same,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        pin_memory=pin_memory,
    )


class WorldModelDataLoader:
    """Bucketed, masked batches of a ``WorldModelDataset`` for training and validation.

    ``len()`` is this rank's number of batches; ``set_epoch(e)`` (Lightning calls it through
    ``.sampler``) gives epoch ``e``'s order and masks. With ``bucket_batching=False`` the
    batches are random (one bucket). ``num_replicas``/``rank`` default to torch.distributed's.
    """

    def __init__(
        self,
        dataset: BatchEncoding,
        batch_size: int = 64,
        shuffle: bool = True,
        apply_masking: bool = True,
        bucket_batching: bool = True,
        num_workers: int = 0,
        seed: int = 0,
        *,
        n_buckets: int = 16,
        drop_last: bool = False,
        num_replicas: int | None = None,
        rank: int | None = None,
        pin_memory: bool = False,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.apply_masking = apply_masking
        self.num_workers = num_workers
        self.seed = seed
        self.sampler = BucketBatchSampler(
            dataset.lengths,
            batch_size,
            shuffle=shuffle,
            seed=seed,
            num_replicas=num_replicas,
            rank=rank,
            drop_last=drop_last,
            n_buckets=n_buckets if bucket_batching else 1,
        )
        # Lightning reads both (``_set_sampler_epoch``, ``_is_dataloader_shuffled``)
        self.batch_sampler = self.sampler
        encoded = _EncodedBatches(dataset, apply_masking=apply_masking, masking="bert", seed=seed)
        self._loader = _torch_loader(
            encoded, _Keys(self._keys, self.__len__), num_workers=num_workers, pin_memory=pin_memory
        )

    def _keys(self) -> Iterator[tuple[int, np.ndarray, int]]:
        epoch = self.sampler.epoch
        for position, indices in self.sampler.numbered():
            yield position, indices, epoch

    @property
    def epoch(self) -> int:
        return self.sampler.epoch

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch``'s batches and masks from now on."""
        self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator[WorldModelBatch]:
        return iter(self._loader)


def _python_value(value: object) -> object:
    """A group value as a plain Python object (``datetime.date`` or ``int``)."""
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(dt.date)
    return value.item() if isinstance(value, np.generic) else value


class EvaluationDataLoader:
    """Batches of one ``date``, ``hour`` or ``week`` each, unmasked, in group order.

    Yields ``(group_value, WorldModelBatch)``; every basket of the batch has that value.
    Within a group the baskets are sorted by length (little padding). With
    ``leave_one_out`` one product per basket is masked (seeded), for masked-product metrics.
    """

    def __init__(
        self,
        dataset: BatchEncoding,
        batch_size: int = 64,
        group_by: GroupBy = "date",
        *,
        leave_one_out: bool = False,
        seed: int = 0,
        num_workers: int = 0,
    ) -> None:
        if group_by not in ("date", "hour", "week"):
            raise InputError(f"EvaluationDataLoader: group_by {group_by!r} is not date/hour/week")
        if batch_size < 1:
            raise InputError(f"EvaluationDataLoader: batch_size {batch_size} must be ≥ 1")
        self.dataset = dataset
        self.batch_size = batch_size
        self.group_by = group_by
        self.leave_one_out = leave_one_out
        values = np.asarray(dataset.group_values(group_by))
        order = np.lexsort((np.asarray(dataset.lengths), values))
        sorted_values = values[order]
        group_starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
        group_ends = np.r_[group_starts[1:], len(order)]
        self._batches: list[tuple[object, np.ndarray]] = []
        for start, end in zip(group_starts, group_ends, strict=True):
            value = _python_value(sorted_values[start])
            for s in range(start, end, batch_size):
                self._batches.append((value, order[s : min(s + batch_size, end)]))
        encoded = _EncodedBatches(dataset, apply_masking=leave_one_out, masking="one", seed=seed)
        self._loader = _torch_loader(
            encoded, _Keys(self._keys, self.__len__), num_workers=num_workers, pin_memory=False
        )

    def _keys(self) -> Iterator[tuple[int, np.ndarray, int]]:
        for position, (_, indices) in enumerate(self._batches):
            yield position, indices, 0

    @property
    def group_values(self) -> list[object]:
        """The group value of each batch, in order."""
        return [value for value, _ in self._batches]

    def __len__(self) -> int:
        return len(self._batches)

    def __iter__(self) -> Iterator[tuple[object, WorldModelBatch]]:
        return zip(self.group_values, self._loader, strict=True)
