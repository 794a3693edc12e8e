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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
        max_seq_len: int = 50,
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
        self.save_hyperparameters()
        self.vocab_size = vocab_size
        self.auxiliary_weights = weights
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps

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

    def product_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores over the whole vocabulary for item states [..., d]; PAD/UNK/MASK get the
        lowest finite value, so they are never predicted."""
        logits = self.mlm_head(hidden).float()
        return logits.masked_fill(self.special_ids, torch.finfo(logits.dtype).min)

    def masked_product_scores(
        self, batch: WorldModelBatch, output: WorldModelOutput | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """For every masked position: its basket's row, its scores over the vocabulary [M, V]
        and its target id [M] (leave-one-out evaluation has one position per basket)."""
        output = output if output is not None else self(batch)
        rows, columns = torch.nonzero(batch.masked_positions, as_tuple=True)
        logits = self.product_logits(output.hidden[rows, columns])
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
        options = {"batch_size": batch_size, "on_epoch": True, "sync_dist": not on_step}
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
        if self.warmup_steps <= 0:
            return {"optimizer": optimizer}
        warmup = self.warmup_steps
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min(1.0, (step + 1) / warmup)
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }
