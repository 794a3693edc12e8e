"""``WorldModel``: a transformer encoder over a basket, with an MLM head and auxiliary heads.

Every basket becomes one token sequence::

    [CLS] [customer T1] [time T3] [store T5] [trip T6] item_1 … item_S

The four context tokens are the dense context (``get_dense_context()`` [B, 400]) cut into its
parts and each projected to ``d_model``; an item token is ``Linear(T2 | T4 → d_model)``
(``get_sequence_features()`` [B, S, 320]) plus a learned marker where the input is the MASK
token. The MLM head scores the whole product vocabulary at the masked positions (cross-entropy
on ``masked_targets``, ``-100`` ignored); each enabled auxiliary task has a linear head on the
``[CLS]`` output, and the loss is ``mlm + Σ weight_task · ce_task``. PAD, UNK and MASK are never
scored as products.

With a :class:`PurchaseHistory` (``model.purchase_history``, on by default) the product scores
also see the customer's own purchases in the training weeks: for every product, how many of
the customer's training baskets held it (``log1p``), its share of them and whether it was ever
bought, each weighted by a gate computed from the position's state, so the model learns when
to repeat a customer's habits and when the basket's context says otherwise (a repeat-purchase
mechanism, as in repeat-aware next-basket recommenders). A training basket's own items are
taken out of its customer's counts, so the masked product is never read from the basket it
was masked in; validation and test baskets are in no count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lightning
import torch
from torch import nn
from torch.nn import functional as F

from benchlab.basket.batch import (
    AUXILIARY_CLASSES,
    CUSTOMER_DIM,
    FIRST_PRODUCT_ID,
    IGNORE_INDEX,
    MASK_ID,
    SEQUENCE_DIM,
    STORE_DIM,
    TEMPORAL_DIM,
    TRIP_DIM,
    WorldModelBatch,
)
from benchlab.errors import InputError

#: The parts of the dense context, in ``get_dense_context()`` order, one token each.
CONTEXT_PARTS: tuple[tuple[str, int], ...] = (
    ("customer", CUSTOMER_DIM),
    ("temporal", TEMPORAL_DIM),
    ("store", STORE_DIM),
    ("trip", TRIP_DIM),
)
N_PREFIX = 1 + len(CONTEXT_PARTS)  # [CLS] + the context tokens


@dataclass
class WorldModelOutput:
    """What one forward pass gives: item states [B, S, d], the pooled [CLS] state [B, d] and
    the auxiliary logits per enabled task ([B, n_classes])."""

    hidden: torch.Tensor
    pooled: torch.Tensor
    auxiliary_logits: dict[str, torch.Tensor]


@dataclass
class WorldModelLosses:
    """The weighted total and its parts (auxiliary ones per enabled task); ``counts`` are the
    targets each part was averaged over."""

    total: torch.Tensor
    mlm: torch.Tensor
    auxiliary: dict[str, torch.Tensor]
    counts: dict[str, int]


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Mean cross-entropy over targets that are not ``-100``, and their count (0: loss 0)."""
    valid = targets != IGNORE_INDEX
    count = int(valid.sum())
    if count == 0:
        return logits.sum() * 0.0, 0
    return F.cross_entropy(logits[valid].float(), targets[valid]), count


LR_SCHEDULES = ("constant", "cosine")
HISTORY_FEATURES = 3  # log1p(count), share of the customer's baskets, bought before


class PurchaseHistory(nn.Module):
    """Customer × product purchase counts of the training baskets, as CSR buffers.

    The products of customer ``c`` are ``products[offsets[c]:offsets[c + 1]]`` with their
    ``counts`` (baskets holding them); ``baskets[c]`` is the customer's number of training
    baskets and ``counted`` the sorted ids of the baskets counted. Customer 0 (unknown,
    anonymous) has no history. The buffers are part of the module's state (checkpoints).
    """

    def __init__(
        self,
        offsets: torch.Tensor,
        products: torch.Tensor,
        counts: torch.Tensor,
        baskets: torch.Tensor,
        counted: torch.Tensor,
    ) -> None:
        super().__init__()
        self.register_buffer("offsets", offsets.long())
        self.register_buffer("products", products.int())
        self.register_buffer("counts", counts.float())
        self.register_buffer("baskets", baskets.float())
        self.register_buffer("counted", torch.sort(counted.long()).values)

    @classmethod
    def fit(
        cls,
        customer_idx: Any,
        lengths: Any,
        item_product: Any,
        basket_ids: Any,
        *,
        n_customers: int,
    ) -> PurchaseHistory:
        """From a dataset's per-basket customers and lengths and its flat item products (one
        vocabulary id per basket item, baskets in order)."""
        import numpy as np

        customers = np.asarray(customer_idx, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        items = np.asarray(item_product, dtype=np.int64)
        if customers.size and (customers.min() < 0 or customers.max() >= n_customers):
            raise InputError(f"PurchaseHistory: customer indices outside [0, {n_customers})")
        known = customers != 0
        owners = np.repeat(customers, lengths)
        keep = np.repeat(known, lengths) & (items >= FIRST_PRODUCT_ID)
        vocab = int(items.max(initial=FIRST_PRODUCT_ID)) + 1
        pairs, counts = np.unique(owners[keep] * vocab + items[keep], return_counts=True)
        offsets = np.zeros(n_customers + 1, dtype=np.int64)
        np.cumsum(np.bincount(pairs // vocab, minlength=n_customers), out=offsets[1:])
        baskets = np.bincount(customers[known], minlength=n_customers)
        return cls(
            torch.from_numpy(offsets),
            torch.from_numpy(pairs % vocab),
            torch.from_numpy(counts.astype(np.float32)),
            torch.from_numpy(baskets.astype(np.float32)),
            torch.from_numpy(np.asarray(basket_ids, dtype=np.int64)[known]),
        )

    @classmethod
    def empty_like(cls, state: Mapping[str, torch.Tensor], prefix: str) -> PurchaseHistory:
        """A module with the buffer shapes of a saved state (to load it into)."""
        names = ("offsets", "products", "counts", "baskets", "counted")
        return cls(*(torch.zeros_like(state[f"{prefix}{name}"]) for name in names))

    @property
    def n_customers(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def _counted(self, basket_ids: torch.Tensor) -> torch.Tensor:
        """Whether each basket is one of the counted (training) baskets: a binary search in
        the sorted ids, O(B log N) whatever the number of training baskets."""
        if self.counted.numel() == 0:
            return torch.zeros_like(basket_ids, dtype=torch.bool)
        at = torch.searchsorted(self.counted, basket_ids).clamp(max=self.counted.numel() - 1)
        return self.counted[at] == basket_ids

    def features(self, batch: WorldModelBatch, vocab_size: int) -> torch.Tensor:
        """[B, V, 3] per basket and product: log1p(count), count / the customer's baskets and
        count > 0, leaving the basket itself out of its customer's counts."""
        customers = batch.customer_idx.long()
        customers = torch.where(customers < self.n_customers, customers, 0)
        starts = self.offsets[customers]
        sizes = self.offsets[customers + 1] - starts
        n = len(customers)
        rows = torch.repeat_interleave(torch.arange(n, device=starts.device), sizes)
        first = torch.cumsum(sizes, 0) - sizes
        entries = torch.arange(int(sizes.sum()), device=starts.device)
        entries = (
            entries - torch.repeat_interleave(first, sizes) + torch.repeat_interleave(starts, sizes)
        )
        counts = torch.zeros(n, vocab_size, device=starts.device)
        counts[rows, self.products[entries].long()] = self.counts[entries]
        baskets = self.baskets[customers].clone()
        own = self._counted(batch.basket_ids.long()) & (customers > 0)
        if bool(own.any()):
            items = batch.attention_mask.bool() & own[:, None]
            items &= batch.product_ids >= FIRST_PRODUCT_ID
            r, c = torch.nonzero(items, as_tuple=True)
            products = batch.product_ids[r, c]
            counts[r, products] = (counts[r, products] - 1).clamp(min=0)
            baskets = baskets - own.float()
        share = counts / baskets.clamp(min=1)[:, None]
        return torch.stack([torch.log1p(counts), share, (counts > 0).float()], dim=-1)


class WorldModel(lightning.LightningModule):
    """The basket world model (see the module docstring).

    Parameters
    ----------
    vocab_size
        Rows of the product vocabulary (PAD, UNK, MASK, then the products).
    auxiliary_weights
        Enabled auxiliary tasks → loss weight (names from ``AUXILIARY_CLASSES``).
    max_seq_len
        Longest basket (informational; T2 carries the positions).
    """

    def __init__(
        self,
        *,
        vocab_size: int,
        d_model: int = 256,
        n_layers: int = 2,
        n_heads: int = 4,
        dim_feedforward: int = 512,
        dropout: float = 0.1,
        auxiliary_weights: Mapping[str, float] | None = None,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.01,
        warmup_steps: int = 0,
        lr_schedule: str = "constant",
        max_seq_len: int = 50,
        purchase_history: PurchaseHistory | None = None,
        product_table: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        if vocab_size <= FIRST_PRODUCT_ID:
            raise InputError(f"WorldModel: vocab_size {vocab_size} holds no product")
        if d_model % n_heads:
            raise InputError(f"WorldModel: d_model {d_model} is not divisible by n_heads {n_heads}")
        weights = dict(auxiliary_weights or {})
        unknown = sorted(set(weights) - set(AUXILIARY_CLASSES))
        if unknown:
            raise InputError(
                f"WorldModel: unknown auxiliary task(s) {unknown}; known: {list(AUXILIARY_CLASSES)}"
            )
        self.save_hyperparameters(ignore=["purchase_history", "product_table"])
        self.vocab_size = vocab_size
        self.auxiliary_weights = weights
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        if lr_schedule not in LR_SCHEDULES:
            raise InputError(
                f"WorldModel: lr_schedule {lr_schedule!r} is not one of {LR_SCHEDULES}"
            )
        self.lr_schedule = lr_schedule

        self.item_projection = nn.Sequential(
            nn.LayerNorm(SEQUENCE_DIM), nn.Linear(SEQUENCE_DIM, d_model)
        )
        self.mask_marker = nn.Parameter(torch.zeros(d_model))
        self.context_projections = nn.ModuleDict(
            {
                name: nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, d_model))
                for name, dim in CONTEXT_PARTS
            }
        )
        self.cls_token = nn.Parameter(torch.zeros(d_model))
        self.token_types = nn.Embedding(N_PREFIX + 1, d_model)  # cls, contexts, item
        self.input_dropout = nn.Dropout(dropout)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(d_model)
        self.mlm_head = nn.Sequential(
            nn.Linear(d_model, d_model),
            nn.GELU(),
            nn.LayerNorm(d_model),
            nn.Linear(d_model, vocab_size),
        )
        self.auxiliary_heads = nn.ModuleDict(
            {task: nn.Linear(d_model, len(AUXILIARY_CLASSES[task])) for task in weights}
        )
        self.purchase_history = purchase_history
        if product_table is not None:
            if product_table.shape[0] != vocab_size:
                raise InputError(
                    f"WorldModel: product_table has {product_table.shape[0]} rows, not {vocab_size}"
                )
            self.register_buffer("product_table", product_table.float().clone())
            self.tied_projection = nn.Linear(d_model, product_table.shape[1])
        else:
            self.product_table = None
            self.tied_projection = None
        self.history_gate = (
            nn.Linear(d_model, HISTORY_FEATURES) if purchase_history is not None else None
        )
        if self.history_gate is not None:
            nn.init.zeros_(self.history_gate.weight)
            nn.init.constant_(self.history_gate.bias, 1.0)
        special = torch.zeros(vocab_size, dtype=torch.bool)
        special[:FIRST_PRODUCT_ID] = True
        self.register_buffer("special_ids", special, persistent=False)
        nn.init.normal_(self.cls_token, std=0.02)
        self.extra_callbacks: list[lightning.Callback] = []

    # --- forward ----------------------------------------------------------------------------
    def forward(self, batch: WorldModelBatch) -> WorldModelOutput:
        """Encode every basket of ``batch``."""
        dense = batch.get_dense_context()
        items = self.item_projection(batch.get_sequence_features())
        masked_input = (batch.input_ids == MASK_ID).unsqueeze(-1)
        items = items + masked_input * self.mask_marker
        parts = torch.split(dense, [dim for _, dim in CONTEXT_PARTS], dim=-1)
        context = [
            self.context_projections[name](part)
            for (name, _), part in zip(CONTEXT_PARTS, parts, strict=True)
        ]
        cls = self.cls_token.expand(dense.shape[0], -1)
        prefix = torch.stack([cls, *context], dim=1)  # [B, N_PREFIX, d]
        types = torch.arange(N_PREFIX, device=dense.device)
        prefix = prefix + self.token_types(types)
        items = items + self.token_types.weight[N_PREFIX]
        tokens = self.input_dropout(torch.cat([prefix, items], dim=1))
        padding = torch.cat(
            [
                torch.zeros(dense.shape[0], N_PREFIX, dtype=torch.bool, device=dense.device),
                ~batch.attention_mask.bool(),
            ],
            dim=1,
        )
        states = self.final_norm(self.encoder(tokens, src_key_padding_mask=padding))
        pooled = states[:, 0]
        auxiliary = {task: head(pooled) for task, head in self.auxiliary_heads.items()}
        return WorldModelOutput(states[:, N_PREFIX:], pooled, auxiliary)

    def product_logits(
        self, hidden: torch.Tensor, history: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Scores over the whole vocabulary for item states [M, d] (plus, with the purchase
        history's features of those positions' baskets [M, V, 3], their gated sum); PAD/UNK/MASK
        get the lowest finite value, so they are never predicted."""
        logits = self.mlm_head(hidden).float()
        if self.tied_projection is not None:
            logits = logits + self.tied_projection(hidden).float() @ self.product_table.T
        if history is not None and self.history_gate is not None:
            gate = self.history_gate(hidden).float()
            logits = logits + torch.einsum("mvf,mf->mv", history, gate)
        return logits.masked_fill(self.special_ids, torch.finfo(logits.dtype).min)

    def masked_product_scores(
        self, batch: WorldModelBatch, output: WorldModelOutput | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """For every masked position: its basket's row, its scores over the vocabulary [M, V]
        and its target id [M] (leave-one-out evaluation has one position per basket)."""
        output = output if output is not None else self(batch)
        rows, columns = torch.nonzero(batch.masked_positions, as_tuple=True)
        history = None
        if self.purchase_history is not None and len(rows):
            history = self.purchase_history.features(batch, self.vocab_size)[rows]
        logits = self.product_logits(output.hidden[rows, columns], history)
        return rows, logits, batch.masked_targets[rows, columns]

    def losses(self, batch: WorldModelBatch) -> WorldModelLosses:
        """The MLM loss on the masked positions plus the weighted auxiliary losses."""
        output = self(batch)
        _, logits, targets = self.masked_product_scores(batch, output)
        mlm, n_masked = masked_cross_entropy(logits, targets)
        total = mlm
        auxiliary: dict[str, torch.Tensor] = {}
        counts = {"mlm": n_masked}
        for task, weight in self.auxiliary_weights.items():
            labels = batch.auxiliary_labels[task]
            loss, count = masked_cross_entropy(output.auxiliary_logits[task], labels)
            auxiliary[task] = loss
            counts[task] = count
            total = total + weight * loss
        return WorldModelLosses(total, mlm, auxiliary, counts)

    # --- Lightning --------------------------------------------------------------------------
    def _log_losses(self, prefix: str, losses: WorldModelLosses, batch_size: int) -> None:
        on_step = prefix == "train"
        options = {"batch_size": batch_size, "on_epoch": True, "sync_dist": True}
        self.log(f"{prefix}_loss", losses.total, on_step=on_step, prog_bar=True, **options)
        self.log(f"{prefix}_mlm_loss", losses.mlm, on_step=False, **options)
        for task, loss in losses.auxiliary.items():
            self.log(f"{prefix}_{task}_loss", loss, on_step=False, **options)

    def training_step(self, batch: WorldModelBatch, batch_idx: int) -> torch.Tensor:
        losses = self.losses(batch)
        self._log_losses("train", losses, len(batch))
        return losses.total

    def validation_step(self, batch: WorldModelBatch, batch_idx: int) -> None:
        losses = self.losses(batch)
        self._log_losses("val", losses, len(batch))

    def configure_callbacks(self) -> list[lightning.Callback]:
        """Callbacks the training code attached (``extra_callbacks``: quick validation, the
        epoch history); Lightning merges them with the Trainer's."""
        return list(self.extra_callbacks)

    def configure_optimizers(self) -> dict:
        decay, no_decay = [], []
        for name, parameter in self.named_parameters():
            if not parameter.requires_grad:
                continue
            plain = parameter.ndim < 2 or "token" in name or "marker" in name
            (no_decay if plain else decay).append(parameter)
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": self.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=self.learning_rate,
        )
        if self.warmup_steps <= 0 and self.lr_schedule == "constant":
            return {"optimizer": optimizer}
        total = self._total_steps()
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: learning_rate_factor(step, self.warmup_steps, total, self.lr_schedule),
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }

    def _total_steps(self) -> int | None:
        trainer = getattr(self, "_trainer", None)
        if trainer is None:
            return None
        total = trainer.estimated_stepping_batches
        return int(total) if math.isfinite(total) else None


def learning_rate_factor(step: int, warmup: int, total: int | None, schedule: str) -> float:
    """The learning rate's multiplier at optimizer step ``step``: linear warm-up over
    ``warmup`` steps, then constant or a cosine decay to 0 at step ``total``.

    >>> [round(learning_rate_factor(s, 2, 10, "cosine"), 3) for s in (0, 1, 2, 6, 10)]
    [0.5, 1.0, 1.0, 0.5, 0.0]
    """
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if schedule != "cosine" or not total or total <= warmup:
        return 1.0
    progress = min(1.0, (step - warmup) / (total - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * progress))
