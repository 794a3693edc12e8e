"""``WorldModelDataset``: one split's baskets encoded as T1–T6 batches from the tensor cache.

At construction the split's samples file is read, and its baskets' products are gathered once
from ``raw_data/transactions.parquet`` with Polars into a CSR index (``offsets`` into flat
arrays of product and price-row indices). ``encode_batch`` then builds a whole batch with
NumPy fancy indexing into that index and the memory-mapped cache: no loop over baskets.

A basket's products are the distinct ``PROD_CODE`` of the rows stage 1 used (returns dropped
where it dropped them, :func:`~benchlab.basket.samples.sample_transactions`), in an order
fixed by a hash of (basket, product): the file's row order says nothing about the basket, and
sorting by id would let positions hint at products. Baskets with
more than ``max_seq_len`` products keep the first ``max_seq_len`` in that order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import torch

from benchlab.basket.batch import (
    AFFINITY_DIM,
    AUXILIARY_CLASSES,
    AUXILIARY_COLUMNS,
    HISTORY_DIM,
    IGNORE_INDEX,
    WorldModelBatch,
)
from benchlab.basket.encoding import (
    category_codes,
    encode_customer,
    encode_temporal,
    trip_categories,
    trip_history,
    trip_inputs,
)
from benchlab.basket.layout import SPLITS, ProjectLayout
from benchlab.basket.masking import apply_masking as bert_masking
from benchlab.basket.masking import mask_one_per_basket
from benchlab.errors import InputError

GROUPS = ("date", "hour", "week")
_MAPPED = ("cache", "_product_table", "_price_table", "_history_table", "_static_table")
_TRIP_CATEGORIES = (
    "cust_price_sensitivity",
    "cust_lifestage",
    "store_format",
    "store_region",
    "anonymous",
    "first_time",
)


def _mix(basket_id: np.ndarray, product: np.ndarray) -> np.ndarray:
    """A fixed 64-bit hash of (basket, product) (splitmix64's finaliser): the item order."""
    with np.errstate(over="ignore"):
        x = basket_id.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + product.astype(np.uint64)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


class WorldModelDataset:
    """The baskets of one split (``train``, ``validation`` or ``test``) of a prepared project.

    ``len()`` is the number of baskets; ``dataset[i]`` one unmasked basket as NumPy arrays;
    ``encode_batch(indices)`` a :class:`~benchlab.basket.batch.WorldModelBatch`. ``lengths``
    holds each basket's number of products (at most ``max_seq_len``), for bucket batching.
    """

    def __init__(
        self,
        project_root: str | Path,
        split: str = "train",
        max_seq_len: int = 50,
        mask_prob: float = 0.15,
        enable_auxiliary_tasks: bool = True,
        *,
        seed: int = 0,
    ) -> None:
        from benchlab.basket.cache import TensorCache

        if split not in SPLITS:
            raise InputError(
                f"WorldModelDataset: split {split!r} is not one of {', '.join(SPLITS)}"
            )
        if max_seq_len < 1:
            raise InputError(f"WorldModelDataset: max_seq_len {max_seq_len} must be ≥ 1")
        self.project_root = Path(project_root)
        self.split = split
        self.max_seq_len = max_seq_len
        self.mask_prob = mask_prob
        self.enable_auxiliary_tasks = enable_auxiliary_tasks
        self.layout = ProjectLayout(project_root)
        path = self.layout.samples(split)
        if not path.exists():
            raise InputError(
                f"{path}: no samples file (run `benchlab basket prepare-samples --project-root "
                f"{self.project_root}` first)"
            )
        if not self.layout.tensor_cache.exists():
            raise InputError(
                f"{self.layout.tensor_cache}: no tensor cache (run `benchlab basket "
                f"prepare-cache --project-root {self.project_root}` first)"
            )
        self.samples = pl.read_parquet(path)
        self.cache = TensorCache(self.layout.tensor_cache)
        self._rng = np.random.default_rng(seed)
        self._tables()
        self._columns()
        self._build_basket_index()

    # -- construction --------------------------------------------------------------------

    def _tables(self) -> None:
        """Plain ``ndarray`` views of the memory-mapped cache arrays (indexing a ``memmap``
        subclass costs more per call) and the small tables copied into memory."""
        cache = self.cache
        positional = np.asarray(cache.positional_encodings)
        if positional.shape[0] < self.max_seq_len:
            raise InputError(
                f"{self.layout.tensor_cache}: positional_encodings has {positional.shape[0]} "
                f"rows, fewer than max_seq_len {self.max_seq_len} (rebuild the cache with "
                f"max_seq_len={self.max_seq_len})"
            )
        self._positional = np.array(positional[: self.max_seq_len])
        self._product_table = np.asarray(cache.product_embeddings)
        self._pad_is_zero = not self._product_table[0].any()
        self._price_table = np.asarray(cache.price_features)
        self._history_table = np.asarray(cache.customer_history_embeddings)
        self._static_table = np.asarray(cache.customer_static_embeddings)
        self._segment_table = np.array(cache.segment_embeddings)
        self._store_table = np.array(cache.store_embeddings)
        self._unknown_history = np.array(self._history_table[0, :HISTORY_DIM])

    def _columns(self) -> None:
        """Per-basket NumPy columns: indices into the cache, codes, labels, groups."""
        s = self.samples
        self.basket_ids = s["basket_id"].to_numpy().astype(np.int64)
        self.customer_idx = np.asarray(self.cache.customer_index(s["customer_id"]), dtype=np.int64)
        self.store_idx = np.asarray(self.cache.store_index(s["store_id"]), dtype=np.int64)
        self.day = s["day"].to_numpy().astype("datetime64[D]")
        self.weekday = s["shop_weekday"].to_numpy().astype(np.int64)
        self.hour = s["shop_hour"].to_numpy().astype(np.int64)
        self.week = s["shop_week"].to_numpy().astype(np.int64)
        self.history_length = s["history_length"].to_numpy().astype(np.int64)
        self._segment_of = np.asarray(self.cache.customer_segments)[self.customer_idx]
        # T6: the category part has few distinct values (one row per combination)
        trip = trip_inputs(s)
        categorical = np.stack([trip[name] for name in _TRIP_CATEGORIES], axis=1)
        unique, self._trip_code = np.unique(categorical, axis=0, return_inverse=True)
        self._trip_code = self._trip_code.reshape(-1)
        self._trip_table = trip_categories(*unique.T)
        self.labels = {
            task: np.where(
                (codes := category_codes(s[AUXILIARY_COLUMNS[task]], classes)) < len(classes),
                codes,
                IGNORE_INDEX,
            ).astype(np.int64)
            for task, classes in AUXILIARY_CLASSES.items()
        }
        # T3 depends on (day, hour) only: one row per distinct pair, gathered per batch.
        keys = pl.DataFrame(
            {"day": self.day, "hour": self.hour, "weekday": self.weekday, "week": self.week}
        )
        unique = keys.unique(["day", "hour"], maintain_order=True).with_row_index("code")
        self._temporal_code = (
            keys.join(unique.select("day", "hour", "code"), on=["day", "hour"], how="left")
            .get_column("code")
            .to_numpy()
            .astype(np.int64)
        )
        self._temporal_table = encode_temporal(
            unique["day"].to_numpy(),
            unique["weekday"].to_numpy(),
            unique["hour"].to_numpy(),
            unique["week"].to_numpy(),
        )

    def _build_basket_index(self) -> None:
        """CSR index of the baskets' products: ``offsets[i]:offsets[i+1]`` in ``item_product``
        (vocabulary ids) and ``item_price_row`` (row of ``price_features``, -1 if none)."""
        from benchlab.basket.samples import sample_transactions

        rows = pl.DataFrame(
            {
                "BASKET_ID": self.basket_ids,
                "row": np.arange(len(self.basket_ids), dtype=np.int64),
                "store_idx": self.store_idx,
                "shop_week": self.week,
            }
        )
        items = (
            sample_transactions(self.project_root, ["BASKET_ID", "PROD_CODE"])
            .filter(pl.col("split") == self.split)
            .join(rows.lazy().select("BASKET_ID"), on="BASKET_ID", how="semi")
            .select("BASKET_ID", "PROD_CODE")
            .unique()
            .collect(engine="streaming")
            .join(rows, on="BASKET_ID", how="inner")
        )
        product = np.asarray(self.cache.product_index(items["PROD_CODE"]), dtype=np.int64)
        row = items["row"].to_numpy()
        order = np.lexsort((_mix(items["BASKET_ID"].to_numpy(), product), row))
        row, product = row[order], product[order]
        price_row = np.asarray(
            self.cache.price_rows(
                product, items["store_idx"].to_numpy()[order], items["shop_week"].to_numpy()[order]
            ),
            dtype=np.int64,
        )
        counts = np.bincount(row, minlength=len(self.basket_ids))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        keep = np.arange(len(row)) - starts[row] < self.max_seq_len
        self.lengths = np.minimum(counts, self.max_seq_len).astype(np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)
        self.item_product = product[keep].astype(np.int32)
        self.item_price_row = price_row[keep].astype(np.int32)

    # -- pickling (DataLoader workers under spawn, ddp_spawn) -------------------------------

    def __getstate__(self) -> dict:
        """Everything but the memory-mapped cache, which the receiving process maps again."""
        state = self.__dict__.copy()
        for name in _MAPPED:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        from benchlab.basket.cache import TensorCache

        self.__dict__.update(state)
        self.cache = TensorCache(self.layout.tensor_cache, verify=False)  # checked when built
        self._tables()

    # -- access ----------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Rows of the product table (PAD, UNK, MASK and the products)."""
        return int(self.cache.product_embeddings.shape[0])

    def __len__(self) -> int:
        return len(self.basket_ids)

    def group_values(self, group_by: Literal["date", "hour", "week"]) -> np.ndarray:
        """Each basket's date, hour or (sequential) week."""
        if group_by not in GROUPS:
            raise InputError(f"WorldModelDataset: group_by {group_by!r} is not date/hour/week")
        return {"date": self.day, "hour": self.hour, "week": self.week}[group_by]

    def __getitem__(self, index: int) -> dict[str, np.ndarray | dict[str, np.ndarray]]:
        """Basket ``index``, unmasked, as NumPy arrays without the batch dimension."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"basket {index} of {len(self)}")
        batch = self.encode_batch(np.array([index % len(self)]), apply_masking=False)
        item: dict[str, np.ndarray | dict[str, np.ndarray]] = {}
        for name, value in vars(batch).items():
            if isinstance(value, torch.Tensor):
                item[name] = value[0].numpy()
            elif isinstance(value, dict):
                item[name] = {k: np.asarray(v[0]) for k, v in value.items()}
        return item

    def encode_batch(
        self,
        indices: np.ndarray | list[int],
        *,
        generator: np.random.Generator | None = None,
        apply_masking: bool = True,
        masking: Literal["bert", "one"] = "bert",
    ) -> WorldModelBatch:
        """The baskets ``indices`` as one batch, padded to the longest of them.

        With ``apply_masking`` the products are masked (``"bert"``: 15 % 80/10/10 with
        ``mask_prob``; ``"one"``: one per basket, for evaluation) with ``generator`` (the
        dataset's own, seeded, when None); T2 is built from the masked ids and T4 is zero at
        masked positions.
        """
        idx = np.asarray(indices, dtype=np.int64)
        rng = generator if generator is not None else self._rng
        lengths = self.lengths[idx]
        s = max(int(lengths.max(initial=0)), 1)
        attention = np.arange(s)[None, :] < lengths[:, None]
        flat = (self.offsets[idx][:, None] + np.arange(s))[attention]
        product_ids = np.zeros(attention.shape, dtype=np.int64)
        product_ids[attention] = self.item_product[flat]
        if not apply_masking:
            input_ids, masked = product_ids.copy(), np.zeros_like(attention)
            targets = np.full(attention.shape, IGNORE_INDEX, dtype=np.int64)
        elif masking == "one":
            input_ids, masked, targets = mask_one_per_basket(product_ids, attention, rng)
        else:
            input_ids, masked, targets = bert_masking(
                product_ids, attention, self.mask_prob, rng, vocab_size=self.vocab_size
            )
        # T2: product embedding of the (masked) ids + position; zero at padding
        products = np.take(self._product_table, input_ids, axis=0)
        if self._pad_is_zero:
            np.add(products, self._positional[:s], out=products, where=attention[..., None])
        else:
            products += self._positional[:s]
            products[~attention] = 0
        # T4: price features of the basket's items; zero at padding and masked positions
        price_rows = np.zeros(attention.shape, dtype=np.int64)
        item_rows = self.item_price_row[flat]
        price_rows[attention] = np.maximum(item_rows, 0)
        prices = np.take(self._price_table, price_rows, axis=0)
        hidden = masked.copy()
        hidden[attention] |= item_rows < 0
        hidden |= ~attention
        prices[hidden] = 0
        customers = self.customer_idx[idx]
        t1 = encode_customer(
            np.take(self._segment_table, self._segment_of[idx], axis=0),
            np.take(self._history_table, customers, axis=0)[:, :HISTORY_DIM],
            np.take(self._static_table, customers, axis=0)[:, :AFFINITY_DIM],
            self.history_length[idx],
            self._unknown_history,
        )
        t6 = np.concatenate(
            [
                self._trip_table[self._trip_code[idx]],
                trip_history(self.history_length[idx], self.week[idx]),
            ],
            axis=1,
        )
        labels = (
            {task: torch.from_numpy(values[idx]) for task, values in self.labels.items()}
            if self.enable_auxiliary_tasks
            else {}
        )
        return WorldModelBatch(
            customer_context=torch.from_numpy(t1),
            product_embeddings=torch.from_numpy(products),
            temporal_context=torch.from_numpy(self._temporal_table[self._temporal_code[idx]]),
            price_features=torch.from_numpy(prices),
            store_context=torch.from_numpy(np.take(self._store_table, self.store_idx[idx], axis=0)),
            trip_context=torch.from_numpy(t6),
            attention_mask=torch.from_numpy(attention),
            product_ids=torch.from_numpy(product_ids),
            input_ids=torch.from_numpy(np.ascontiguousarray(input_ids)),
            masked_positions=torch.from_numpy(masked),
            masked_targets=torch.from_numpy(targets),
            auxiliary_labels=labels,
            basket_ids=torch.from_numpy(self.basket_ids[idx]),
            customer_idx=torch.from_numpy(customers),
            store_idx=torch.from_numpy(self.store_idx[idx]),
            groups={"date": self.day[idx], "hour": self.hour[idx], "week": self.week[idx]},
        )
