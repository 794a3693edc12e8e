"""WorldModel on random batches of the contract's shapes: outputs, losses, learning."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from benchlab.basket.batch import (
    AUXILIARY_CLASSES,
    CUSTOMER_DIM,
    FIRST_PRODUCT_ID,
    IGNORE_INDEX,
    MASK_ID,
    PRICE_DIM,
    PRODUCT_DIM,
    STORE_DIM,
    TEMPORAL_DIM,
    TRIP_DIM,
    WorldModelBatch,
)
from benchlab.basket.model import WorldModel, masked_cross_entropy
from benchlab.errors import InputError

VOCAB = 23


def random_batch(
    batch: int = 6, seq: int = 7, vocab: int = VOCAB, seed: int = 0
) -> WorldModelBatch:
    """A batch with random features, lengths 1..seq and one masked position per basket."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, seq + 1, (batch,), generator=g)
    mask = torch.arange(seq)[None, :] < lengths[:, None]
    ids = torch.randint(FIRST_PRODUCT_ID, vocab, (batch, seq), generator=g) * mask
    chosen = torch.zeros_like(mask)
    chosen[torch.arange(batch), (torch.rand(batch, generator=g) * lengths).long()] = True
    inputs = torch.where(chosen, torch.full_like(ids, MASK_ID), ids)
    aux = {
        task: torch.randint(0, len(names), (batch,), generator=g)
        for task, names in AUXILIARY_CLASSES.items()
    }
    return WorldModelBatch(
        customer_context=torch.randn(batch, CUSTOMER_DIM, generator=g),
        product_embeddings=torch.randn(batch, seq, PRODUCT_DIM, generator=g) * mask[..., None],
        temporal_context=torch.randn(batch, TEMPORAL_DIM, generator=g),
        price_features=torch.randn(batch, seq, PRICE_DIM, generator=g)
        * (mask & ~chosen)[..., None],
        store_context=torch.randn(batch, STORE_DIM, generator=g),
        trip_context=torch.randn(batch, TRIP_DIM, generator=g),
        attention_mask=mask,
        product_ids=ids,
        input_ids=inputs,
        masked_positions=chosen,
        masked_targets=torch.where(chosen, ids, torch.full_like(ids, IGNORE_INDEX)),
        auxiliary_labels=aux,
        basket_ids=torch.arange(batch),
        customer_idx=torch.zeros(batch, dtype=torch.long),
        store_idx=torch.zeros(batch, dtype=torch.long),
        groups={"hour": np.zeros(batch, dtype=np.int64)},
    )


def small_model(**kwargs) -> WorldModel:
    options = {
        "vocab_size": VOCAB,
        "d_model": 32,
        "n_layers": 1,
        "n_heads": 2,
        "dim_feedforward": 64,
        "dropout": 0.0,
        "auxiliary_weights": {"mission_type": 0.1, "basket_size": 0.05},
    }
    torch.manual_seed(0)
    return WorldModel(**{**options, **kwargs})


def test_forward_shapes_and_enabled_heads_only() -> None:
    model = small_model().eval()
    batch = random_batch()
    output = model(batch)
    assert output.hidden.shape == (6, 7, 32)
    assert output.pooled.shape == (6, 32)
    assert set(output.auxiliary_logits) == {"mission_type", "basket_size"}
    assert output.auxiliary_logits["mission_type"].shape == (6, 4)
    assert output.auxiliary_logits["basket_size"].shape == (6, 3)


def test_masked_scores_cover_the_vocabulary_and_never_rank_special_ids_first() -> None:
    model = small_model().eval()
    batch = random_batch()
    rows, scores, targets = model.masked_product_scores(batch)
    assert rows.tolist() == list(range(6))  # one masked position per basket
    assert scores.shape == (6, VOCAB)
    assert (targets >= FIRST_PRODUCT_ID).all()
    top = scores.topk(VOCAB - FIRST_PRODUCT_ID, dim=1).indices
    assert (top >= FIRST_PRODUCT_ID).all()


def test_padding_does_not_change_the_states_of_real_items() -> None:
    model = small_model().eval()
    batch = random_batch(batch=2, seq=4)
    extra = 2  # the same batch with two more padded positions

    def pad(t: torch.Tensor, value: int | float = 0) -> torch.Tensor:
        shape = (*t.shape[:1], extra, *t.shape[2:])
        return torch.cat([t, torch.full(shape, value, dtype=t.dtype)], dim=1)

    padded = replace(
        batch,
        product_embeddings=pad(batch.product_embeddings),
        price_features=pad(batch.price_features),
        attention_mask=pad(batch.attention_mask, False),
        product_ids=pad(batch.product_ids),
        input_ids=pad(batch.input_ids),
        masked_positions=pad(batch.masked_positions, False),
        masked_targets=pad(batch.masked_targets, IGNORE_INDEX),
    )
    with torch.no_grad():
        a, b = model(batch), model(padded)
    real = batch.attention_mask
    torch.testing.assert_close(a.hidden[real], b.hidden[:, :4][real], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(a.pooled, b.pooled, atol=1e-5, rtol=1e-4)


def test_losses_weigh_the_auxiliary_tasks() -> None:
    model = small_model().eval()
    batch = random_batch()
    losses = model.losses(batch)
    expected = (
        losses.mlm + 0.1 * losses.auxiliary["mission_type"] + 0.05 * losses.auxiliary["basket_size"]
    )
    torch.testing.assert_close(losses.total, expected)
    assert losses.counts == {"mlm": 6, "mission_type": 6, "basket_size": 6}


def test_unknown_labels_are_ignored_and_an_all_unknown_batch_costs_nothing() -> None:
    logits = torch.randn(3, 4)
    loss, count = masked_cross_entropy(logits, torch.full((3,), IGNORE_INDEX))
    assert count == 0 and float(loss) == 0.0
    loss, count = masked_cross_entropy(logits, torch.tensor([1, IGNORE_INDEX, 2]))
    expected = torch.nn.functional.cross_entropy(logits[[0, 2]], torch.tensor([1, 2]))
    assert count == 2
    torch.testing.assert_close(loss, expected)


def test_a_few_steps_fit_a_fixed_batch() -> None:
    model = small_model(learning_rate=3e-3)
    batch = random_batch(batch=8)
    optimizer = model.configure_optimizers()["optimizer"]
    first = float(model.losses(batch).total.detach())
    for _ in range(60):
        optimizer.zero_grad()
        model.losses(batch).total.backward()
        optimizer.step()
    assert float(model.losses(batch).total.detach()) < 0.5 * first


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InputError, match="holds no product"):
        WorldModel(vocab_size=3)
    with pytest.raises(InputError, match="divisible"):
        WorldModel(vocab_size=VOCAB, d_model=30, n_heads=4)
    with pytest.raises(InputError, match="unknown auxiliary"):
        WorldModel(vocab_size=VOCAB, auxiliary_weights={"colour": 1.0})


def history_of(customers: list[int], baskets: list[list[int]], ids: list[int], n: int = 4):  # noqa: ANN201
    from benchlab.basket.model import PurchaseHistory

    lengths = [len(b) for b in baskets]
    items = [p for b in baskets for p in b]
    return PurchaseHistory.fit(customers, lengths, items, ids, n_customers=n)


def test_purchase_history_counts_baskets_and_leaves_the_basket_itself_out() -> None:
    # customer 1: two baskets (ids 10, 11); customer 2: one; customer 0 (anonymous) ignored
    history = history_of([1, 1, 2, 0], [[5, 7], [5], [9], [5, 6]], [10, 11, 12, 13])
    batch = random_batch(batch=5, seq=2, vocab=VOCAB)
    batch.customer_idx[:] = torch.tensor([1, 1, 2, 0, 7])  # 7: beyond the table → unknown
    batch.basket_ids[:] = torch.tensor([10, 99, 99, 13, 99])  # basket 10 was counted
    batch.attention_mask[:] = True
    batch.product_ids[:] = torch.tensor([[5, 7], [5, 8], [9, 4], [5, 6], [3, 4]])
    features = history.features(batch, VOCAB)
    assert features.shape == (5, VOCAB, 3)
    counts = torch.expm1(features[..., 0]).round()
    # basket 10 itself: its items 5 and 7 come out of customer 1's counts (5: 2 → 1, 7: 1 → 0)
    assert counts[0, [5, 7]].tolist() == [1.0, 0.0]
    assert features[0, 5, 1].item() == pytest.approx(1.0)  # 1 of the 1 other basket
    assert counts[1, [5, 7]].tolist() == [2.0, 1.0]  # a test basket of customer 1: all counts
    assert features[1, 5, 1].item() == pytest.approx(1.0) and features[1, 7, 2].item() == 1.0
    assert counts[2, 9].item() == 1.0 and counts[2].sum().item() == 1.0
    assert counts[3].sum().item() == 0.0  # anonymous: no history, even for a counted basket
    assert counts[4].sum().item() == 0.0


def test_the_gated_history_and_the_tied_table_add_to_the_product_scores() -> None:
    history = history_of([1, 2], [[5, 7], [9]], [10, 11])
    table = torch.randn(VOCAB, 16, generator=torch.Generator().manual_seed(3))
    model = small_model(purchase_history=history, product_table=table).eval()
    batch = random_batch()
    batch.customer_idx[:] = 1
    hidden = model(batch).hidden[batch.masked_positions]
    features = history.features(batch, VOCAB)[torch.nonzero(batch.masked_positions)[:, 0]]
    plain = model.mlm_head(hidden) + model.tied_projection(hidden) @ table.T
    gate = model.history_gate(hidden)
    expected = plain + torch.einsum("mvf,mf->mv", features, gate)
    got = model.product_logits(hidden, features)
    products = slice(FIRST_PRODUCT_ID, None)
    torch.testing.assert_close(got[:, products], expected[:, products])
    # at the start every gate is 1: a product the customer bought outranks itself unbought
    assert (got[:, 5] > plain[:, 5]).all() and torch.equal(got[:, 4], plain[:, 4])
    with pytest.raises(InputError, match="product_table has"):
        small_model(product_table=torch.zeros(VOCAB + 1, 4))


def test_a_saved_history_loads_into_an_empty_one() -> None:
    from benchlab.basket.model import PurchaseHistory

    history = history_of([1, 2], [[5, 7], [9]], [10, 11])
    model = small_model(purchase_history=history)
    state = model.state_dict()
    empty = PurchaseHistory.empty_like(state, "purchase_history.")
    again = small_model(purchase_history=empty)
    again.load_state_dict(state)
    assert torch.equal(again.purchase_history.products, history.products)
