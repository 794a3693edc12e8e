"""LoRA fine-tuning through the engine's Lightning harness: validation every N optimizer steps
(and after the last), the best macro F1 restored, small checkpoints, TensorBoard logs, one
truncation warning, seeded results."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
import torch
from sklearn.metrics import f1_score

from benchlab.errors import InputError
from benchlab.text.config import TextRunConfig
from benchlab.text.finetuned import FineTunedClassifier
from benchlab.text.registry import load_registry
from benchlab.text.training import _max_length, _trainer_kwargs, fine_tune, training_plan

POSITIVE = ["great movie", "I love it", "wonderful day", "so happy", "best ever", "really nice"]
NEGATIVE = ["terrible film", "I hate it", "awful day", "so sad", "worst ever", "really bad"]


@dataclass
class Splits:
    """What fine_tune reads of benchlab.text.data.TextSplits."""

    train: pl.DataFrame
    validation: pl.DataFrame
    test: pl.DataFrame
    labels: list[str]
    source: str = "generated"


def _frame(n: int, seed: int, long_every: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    texts = [
        str(rng.choice(POSITIVE if y else NEGATIVE)) + " " + "!" * int(rng.integers(1, 4))
        for y in labels
    ]
    if long_every:
        texts = [t + " and so on" * 10 if i % long_every == 0 else t for i, t in enumerate(texts)]
    return pl.DataFrame({"text": texts, "label": labels.astype(np.int64)})


def tiny_splits(long_every: int = 0) -> Splits:
    """60 short labelled texts: 40 to train, 10 to validate, 10 to test."""
    return Splits(
        _frame(40, 0, long_every), _frame(10, 1, long_every), _frame(10, 2), ["neg", "pos"]
    )


def tiny_config(**training: object) -> TextRunConfig:
    settings = {
        "epochs": 2,
        "batch_size": 8,
        "gradient_accumulation_steps": 2,
        "eval_steps": 2,
        "learning_rate": 1e-2,
        "max_length": 32,
        "num_threads": 1,
        **training,
    }
    return TextRunConfig(seed=3, training=settings)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> tuple[FineTunedClassifier, Path]:
    log_dir = tmp_path_factory.mktemp("logs")
    entry = load_registry().get("tiny-bert")
    return fine_tune(entry, tiny_splits(), tiny_config(), log_dir=log_dir), log_dir


def test_the_plan_counts_optimizer_steps_and_caps_validation_to_an_epoch() -> None:
    plan = training_plan(5, tiny_config())  # 5 batches of 8, accumulation 2
    assert plan == {
        "steps_per_epoch": 3,
        "total_steps": 6,
        "warmup_steps": 0,
        "val_check_batches": 4,
    }
    assert training_plan(5, tiny_config(eval_steps=500))["val_check_batches"] == 5
    assert training_plan(5, tiny_config(max_steps=4, warmup_ratio=0.5))["total_steps"] == 4
    assert training_plan(5, tiny_config(max_steps=4, warmup_ratio=0.5))["warmup_steps"] == 2


def test_validation_runs_every_eval_steps_and_after_the_last_step(tuned) -> None:
    classifier, _ = tuned
    training = classifier.training
    # 5 batches an epoch, validation every 4 batches (2 steps × 2): once in each epoch, plus
    # once after the last step (the fifth batch of the second epoch)
    assert training["optimizer_steps"] == 6 and training["validations"] == 3
    assert training["device"] == "cpu" and training["quantization"] == "none"
    assert classifier.max_length == 32 and classifier.labels == ["neg", "pos"]


def test_the_best_validation_f1_is_what_the_returned_model_scores(tuned) -> None:
    classifier, _ = tuned
    validation = tiny_splits().validation
    predicted = classifier.predict(validation["text"].to_list())
    score = f1_score(validation["label"].to_numpy(), predicted, average="macro", zero_division=0)
    assert score == pytest.approx(classifier.training["best_val_f1_macro"], abs=1e-6)


def test_only_lora_and_the_head_were_trained(tuned) -> None:
    classifier, _ = tuned
    fresh = load_registry().get("tiny-bert")
    from benchlab.text.loading import load_pretrained

    base = load_pretrained(fresh, 2).model.state_dict()
    assert classifier.merged  # LoRA folded into the weights for inference: take it out
    classifier.model.unmerge_adapter()
    try:
        tuned_state = {
            k: v.clone() for k, v in classifier.model.base_model.model.state_dict().items()
        }
    finally:
        classifier.model.merge_adapter()
    for name, value in base.items():
        if "classifier" in name:
            continue
        key = name.replace(".query.", ".query.base_layer.").replace(".value.", ".value.base_layer.")
        torch.testing.assert_close(tuned_state[key], value, rtol=0, atol=1e-6, msg=name)
    head = classifier.model.base_model.model.classifier.modules_to_save["default"].weight
    assert not torch.equal(head, base["classifier.weight"])
    assert 0 < classifier.trainable_parameters / classifier.total_parameters < 0.01


def test_logs_and_a_small_checkpoint_go_under_log_dir(tuned) -> None:
    classifier, log_dir = tuned
    run = Path(classifier.training["log_dir"])
    assert run.is_relative_to(log_dir) and run.parent.name == "tiny-bert"
    assert list(run.glob("events.out.tfevents.*"))
    checkpoint = torch.load(run / "checkpoints" / "best.ckpt", weights_only=True)
    keys = list(checkpoint["state_dict"])
    assert keys and all("lora_" in k or "modules_to_save" in k for k in keys)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run))
    events.Reload()
    assert {"val_f1_macro", "val_accuracy", "val_loss", "train_loss"} <= set(
        events.Tags()["scalars"]
    )
    assert len(events.Scalars("val_f1_macro")) == 3


def test_the_same_seed_gives_the_same_model(tuned, tmp_path: Path) -> None:
    classifier, _ = tuned
    again = fine_tune(
        load_registry().get("tiny-bert"), tiny_splits(), tiny_config(), log_dir=tmp_path
    )
    texts = tiny_splits().test["text"].to_list()
    np.testing.assert_array_equal(again.predict_proba(texts), classifier.predict_proba(texts))


def test_long_texts_are_truncated_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry = load_registry().get("tiny-bert")
    config = tiny_config(max_length=12, max_steps=1, epochs=1)
    with caplog.at_level(logging.WARNING, logger="benchlab"):
        fine_tune(entry, tiny_splits(long_every=5), config, log_dir=None)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "tiny-bert: 10 of 50 training and validation texts are longer than 12 tokens and were "
        "truncated to 12 (training.max_length)"
    ]


def test_precision_is_mixed_on_cuda_only() -> None:
    training = tiny_config().training
    plan = training_plan(5, tiny_config())
    cpu = _trainer_kwargs("cpu", plan, training, False)
    assert cpu["precision"] == "32-true" and "deterministic" not in cpu
    assert cpu["accumulate_grad_batches"] == 2 and cpu["val_check_interval"] == 4
    assert _trainer_kwargs("mps", plan, training, False)["precision"] == "32-true"
    cuda = _trainer_kwargs("cuda", plan, training, True)
    assert cuda["precision"] == "16-mixed" and cuda["deterministic"] == "warn"


def test_max_length_is_at_most_what_the_model_can_read() -> None:
    entry = load_registry().get("tiny-bert")
    model = SimpleNamespace(config=SimpleNamespace(max_position_embeddings=512))
    unbounded = SimpleNamespace(model_max_length=int(1e30))  # transformers' "no limit"
    assert _max_length(model, unbounded, 1024, entry) == 512
    assert _max_length(model, unbounded, 128, entry) == 128
    assert _max_length(model, SimpleNamespace(model_max_length=256), 300, entry) == 256


def test_no_validation_texts_is_one_message() -> None:
    splits = tiny_splits()
    splits.validation = splits.validation.head(0)
    with pytest.raises(InputError, match="needs training and validation texts"):
        fine_tune(load_registry().get("tiny-bert"), splits, tiny_config(), log_dir=None)


@pytest.mark.slow
def test_minilm_learns_the_sentiment_of_short_texts_in_a_few_steps(tmp_path: Path) -> None:
    splits = tiny_splits()
    config = tiny_config(epochs=3, eval_steps=1, learning_rate=2e-3, num_threads=2)
    classifier = fine_tune(load_registry().get("MiniLM-L6"), splits, config, log_dir=tmp_path)
    predicted = classifier.predict(splits.test["text"].to_list())
    truth = splits.test["label"].to_numpy()
    assert f1_score(truth, predicted, average="macro") >= 0.8  # chance: 0.5
    assert classifier.trainable_parameters / classifier.total_parameters < 0.01
