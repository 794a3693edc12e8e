"""``WorldModelBatch``: the T1–T6 tensors of one batch of baskets, at the seed's dimensions.

=====  ======================  ==========  ==============================================
name   field                   shape       content
=====  ======================  ==========  ==============================================
T1     ``customer_context``    [B, 192]    segment 64 + history 96 + affinity 32
T2     ``product_embeddings``  [B, S, 256] embedding of ``input_ids`` + positional encoding
T3     ``temporal_context``    [B, 64]     week, weekday, hour, day of year
T4     ``price_features``      [B, S, 64]  Fourier 24, log-price 16, relative 16, velocity 8
T5     ``store_context``       [B, 96]     store embedding
T6     ``trip_context``        [B, 48]     who shops and how often (no auxiliary label)
=====  ======================  ==========  ==============================================

``S`` is the longest basket of the batch (at most ``max_seq_len``): bucket batching keeps it
close to every basket's length. Padded positions are zero in T2 and T4, and T4 is zero at
masked positions too, so a price cannot give the masked product away.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np
import torch

CUSTOMER_DIM = 192
SEGMENT_DIM, HISTORY_DIM, AFFINITY_DIM = 64, 96, 32
PRODUCT_DIM = 256
TEMPORAL_DIM = 64
PRICE_DIM = 64
STORE_DIM = 96
TRIP_DIM = 48
DENSE_DIM = CUSTOMER_DIM + TEMPORAL_DIM + STORE_DIM + TRIP_DIM  # 400
SEQUENCE_DIM = PRODUCT_DIM + PRICE_DIM  # 320

PAD_ID, UNK_ID, MASK_ID = 0, 1, 2
FIRST_PRODUCT_ID = 3
IGNORE_INDEX = -100

AUXILIARY_CLASSES: dict[str, list[str]] = {
    "mission_type": ["Top Up", "Full Shop", "Small Shop", "Emergency"],
    "mission_focus": ["Fresh", "Grocery", "Mixed", "Nonfood", "General"],
    "price_sensitivity": ["LA", "MM", "UM"],
    "basket_size": ["S", "M", "L"],
}
"""Class names of the four auxiliary tasks, in label order; anything else (XX) is -100."""

AUXILIARY_COLUMNS: dict[str, str] = {
    "mission_type": "basket_type",
    "mission_focus": "basket_dominant_mission",
    "price_sensitivity": "basket_price_sensitivity",
    "basket_size": "basket_size",
}
"""The samples column each auxiliary task's label comes from (never an input feature)."""


@dataclass
class WorldModelBatch:
    """One batch of ``B`` baskets padded to ``S`` positions (torch tensors, CPU until moved)."""

    customer_context: torch.Tensor
    product_embeddings: torch.Tensor
    temporal_context: torch.Tensor
    price_features: torch.Tensor
    store_context: torch.Tensor
    trip_context: torch.Tensor
    attention_mask: torch.Tensor
    product_ids: torch.Tensor
    input_ids: torch.Tensor
    masked_positions: torch.Tensor
    masked_targets: torch.Tensor
    auxiliary_labels: dict[str, torch.Tensor]
    basket_ids: torch.Tensor
    customer_idx: torch.Tensor
    store_idx: torch.Tensor
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.attention_mask.shape[0])

    @property
    def seq_len(self) -> int:
        """``S``, the padded basket length of this batch."""
        return int(self.attention_mask.shape[1])

    def get_dense_context(self) -> torch.Tensor:
        """T1 | T3 | T5 | T6 → [B, 400]."""
        return torch.cat(
            [self.customer_context, self.temporal_context, self.store_context, self.trip_context],
            dim=-1,
        )

    def get_sequence_features(self) -> torch.Tensor:
        """T2 | T4 → [B, S, 320]."""
        return torch.cat([self.product_embeddings, self.price_features], dim=-1)

    def _map(self, fn) -> WorldModelBatch:  # noqa: ANN001 - tensor → tensor
        changes = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, torch.Tensor):
                changes[f.name] = fn(value)
            elif f.name == "auxiliary_labels":
                changes[f.name] = {k: fn(v) for k, v in value.items()}
        return replace(self, **changes)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> WorldModelBatch:
        """A copy with every tensor on ``device`` (``groups`` stay NumPy)."""
        return self._map(lambda t: t.to(device, non_blocking=non_blocking))

    def pin_memory(self) -> WorldModelBatch:
        """A copy in pinned memory (called by a ``DataLoader`` with ``pin_memory=True``)."""
        return self._map(lambda t: t.pin_memory())
