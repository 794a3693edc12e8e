"""Training through the Lightning harness: hybrid validation, early stopping, best epoch, ranks.

Most tests use a small stand-in dataset with planted structure (the loaders' protocol:
``lengths``, ``encode_batch``, ``group_values``), so they run without stages 1–2; one test
trains on the real tiny prepared project.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchlab.basket.batch import (
    AUXILIARY_CLASSES,
    CUSTOMER_DIM,
    IGNORE_INDEX,
    PRICE_DIM,
    PRODUCT_DIM,
    STORE_DIM,
    TEMPORAL_DIM,
    TRIP_DIM,
    WorldModelBatch,
)
from benchlab.basket.config import BasketRunConfig
from benchlab.basket.masking import apply_masking, mask_one_per_basket

VOCAB = 43  # 40 products
N_SEGMENTS = 4


class PlantedBaskets:
    """Baskets of one of four segments each; a segment buys mostly its own 10 products (no
    product twice in a basket) and shows in the customer context, mission_type is the
    segment, basket_size the length."""

    def __init__(self, n: int = 256, seed: int = 0, vocab: int = VOCAB) -> None:
        rng = np.random.default_rng(seed)
        table = np.random.default_rng(99)
        self.vocab = vocab
        self.embeddings = table.normal(size=(vocab, PRODUCT_DIM)).astype(np.float32)
        self.segment_codes = table.normal(size=(N_SEGMENTS, CUSTOMER_DIM)).astype(np.float32)
        self.segment = rng.integers(0, N_SEGMENTS, n)
        self.lengths = rng.integers(2, 9, n)
        per_segment = (vocab - 3) // N_SEGMENTS
        slot = np.argsort(rng.random((n, per_segment)), axis=1)[:, :8]  # distinct per basket
        shift = rng.integers(1, N_SEGMENTS, (n, 8))  # another segment's product in that slot
        segment = np.where(rng.random((n, 8)) < 0.9, 0, shift) + self.segment[:, None]
        self.items = 3 + (segment % N_SEGMENTS) * per_segment + slot
        self.hour = rng.integers(8, 20, n)
        self.customer = self.segment + 1  # four customers, index 0 stays unknown
        # what the dataset's CSR index and per-basket columns offer
        self.customer_idx = self.customer
        self.basket_ids = np.arange(n) + 1_000 * seed
        self.item_product = np.concatenate([self.items[i, :k] for i, k in enumerate(self.lengths)])

    def __len__(self) -> int:
        return len(self.lengths)

    def group_values(self, group_by: str) -> np.ndarray:
        days = (self.hour % 3).astype("datetime64[D]")
        return {"hour": self.hour, "week": self.hour % 2, "date": days}[group_by]

    def encode_batch(  # noqa: ANN201
        self, indices, *, generator=None, apply_masking=True, masking="bert"
    ):  # noqa: ANN001
        indices = np.asarray(indices)
        s = int(self.lengths[indices].max())
        mask = np.arange(s)[None, :] < self.lengths[indices, None]
        ids = np.where(mask, self.items[indices, :s], 0)
        if not apply_masking:
            new, masked, targets = ids, np.zeros_like(mask), np.full_like(ids, IGNORE_INDEX)
        elif masking == "one":
            new, masked, targets = mask_one_per_basket(ids, mask, generator)
        else:
            new, masked, targets = _bert(ids, mask, 0.15, generator, vocab_size=self.vocab)
        b = len(indices)
        sizes = np.digitize(self.lengths[indices], [4, 7])
        labels = {
            "mission_type": self.segment[indices],
            "mission_focus": self.segment[indices] % 5,
            "price_sensitivity": np.full(b, IGNORE_INDEX),
            "basket_size": sizes,
        }
        tensor = torch.from_numpy
        return WorldModelBatch(
            customer_context=tensor(self.segment_codes[self.segment[indices]]),
            product_embeddings=tensor(self.embeddings[new] * mask[..., None]),
            temporal_context=torch.zeros(b, TEMPORAL_DIM),
            price_features=torch.zeros(b, s, PRICE_DIM),
            store_context=torch.zeros(b, STORE_DIM),
            trip_context=torch.zeros(b, TRIP_DIM),
            attention_mask=tensor(mask),
            product_ids=tensor(ids),
            input_ids=tensor(new),
            masked_positions=tensor(masked),
            masked_targets=tensor(targets),
            auxiliary_labels={k: tensor(np.asarray(v, dtype=np.int64)) for k, v in labels.items()},
            basket_ids=tensor(self.basket_ids[indices]),
            customer_idx=tensor(self.customer[indices]),
            store_idx=torch.zeros(b, dtype=torch.long),
            groups={name: self.group_values(name)[indices] for name in ("date", "hour", "week")},
        )


_bert = apply_masking


def tiny_config(**training: object) -> BasketRunConfig:
    return BasketRunConfig.model_validate(
        {
            "task": "basket",
            "data": {"batch_size": 32},
            "model": {"d_model": 32, "n_layers": 1, "n_heads": 2, "dim_feedforward": 64},
            "training": {
                "max_epochs": 2,
                "learning_rate": 3e-3,
                "accelerator": "cpu",
                "num_threads": 1,
                "validate_every_n_steps": 3,
                "quick_validation_batches": 2,
                **training,
            },
        }
    )


def test_hybrid_validation_logs_quick_losses_every_n_steps_and_full_ones_each_epoch() -> None:
    from benchlab.basket.training import train_world_model

    config = tiny_config()
    trained = train_world_model(
        config, PlantedBaskets(256, 0), PlantedBaskets(96, 1), vocab_size=VOCAB, seed=0
    )
    assert trained.history["epoch"].to_list() == [1, 2]
    assert {"train_loss", "val_loss", "val_mlm_loss", "val_mission_type_loss"} <= set(
        trained.history.columns
    )
    steps = trained.quick_validation["step"].to_list()
    assert steps == [3, 6, 9, 12, 15]  # 8 batches per epoch, 16 steps
    assert all(np.isfinite(trained.quick_validation["loss"].to_list()))
    assert trained.best_epoch in (1, 2)
    assert trained.fit.best_score == pytest.approx(
        min(trained.history["val_loss"].to_list()), rel=1e-5
    )
    assert trained.history["val_loss"][1] < trained.history["val_loss"][0]  # it learns
    assert trained.model.extra_callbacks == []


def test_the_same_seed_gives_the_same_weights() -> None:
    from benchlab.basket.training import train_world_model

    config = tiny_config(max_epochs=1, limit_train_batches=3)
    data = PlantedBaskets(128, 0), PlantedBaskets(64, 1)
    a = train_world_model(config, *data, vocab_size=VOCAB, seed=5).model
    b = train_world_model(config, *data, vocab_size=VOCAB, seed=5).model
    c = train_world_model(config, *data, vocab_size=VOCAB, seed=6).model
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(x, y), name
    assert not torch.equal(a.mlm_head[-1].weight, c.mlm_head[-1].weight)


def test_validation_batches_keep_their_masks_across_epochs() -> None:
    from benchlab.basket.training import BasketDataModule

    module = BasketDataModule(PlantedBaskets(64), PlantedBaskets(64, 1), batch_size=16)
    loader = module.val_dataloader()
    assert not hasattr(loader, "sampler")  # Lightning cannot move its epoch
    first = [b.masked_positions.clone() for b in loader]
    second = [b.masked_positions.clone() for b in loader]
    assert all(torch.equal(x, y) for x, y in zip(first, second, strict=True))
    assert len(module.quick_val_dataloader(2)) == 2 == len(list(module.quick_val_dataloader(2)))


def test_enabled_auxiliary_tasks_follow_the_config() -> None:
    from benchlab.basket.training import build_model, enabled_auxiliary_weights

    config = BasketRunConfig.model_validate(
        {
            "task": "basket",
            "model": {
                "d_model": 32,
                "n_heads": 2,
                "auxiliary_tasks": {
                    "mission_type": {"weight": 0.3},
                    "basket_size": {"enabled": False},
                },
            },
        }
    )
    assert enabled_auxiliary_weights(config) == {"mission_type": 0.3}
    model = build_model(config, VOCAB)
    assert set(model.auxiliary_heads) == {"mission_type"}
    assert set(AUXILIARY_CLASSES) >= set(model.auxiliary_weights)


def test_a_model_with_purchase_history_trains_and_uses_it() -> None:
    from benchlab.basket.model import PurchaseHistory
    from benchlab.basket.training import train_world_model

    train = PlantedBaskets(256, 0)
    history = PurchaseHistory.fit(
        train.customer_idx, train.lengths, train.item_product, train.basket_ids, n_customers=5
    )
    config = tiny_config(max_epochs=1)
    trained = train_world_model(
        config, train, PlantedBaskets(64, 1), vocab_size=VOCAB, seed=0, history=history
    )
    assert trained.model.purchase_history is history
    assert trained.model.history_gate is not None
    off = config.model_copy(
        update={"model": config.model.model_copy(update={"purchase_history": False})}
    )
    from benchlab.basket.training import build_model

    assert build_model(off, VOCAB, history).purchase_history is None


@pytest.mark.slow
def test_ddp_spawn_on_two_cpu_processes_trains_and_restores_the_best_epoch() -> None:
    """Lightning DDP (gloo) with the rank-aware bucket sampler: each process builds its loaders
    with the trainer's world size and rank; the best checkpoint comes back to this process."""
    from benchlab.basket.training import build_model, train_world_model
    from benchlab.neural import torch_session

    config = tiny_config(max_epochs=2, strategy="ddp_spawn", devices=2)
    with torch_session(seed=0):
        initial = build_model(config, VOCAB).mlm_head[-1].weight.detach().clone()
    trained = train_world_model(
        config, PlantedBaskets(256, 0), PlantedBaskets(96, 1), vocab_size=VOCAB, seed=0
    )
    assert trained.fit.best_epoch in (0, 1)
    assert not torch.equal(trained.model.mlm_head[-1].weight.detach(), initial)
