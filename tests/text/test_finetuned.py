"""The fine-tuned classifier: the TextClassifier protocol, and save → load giving the very same
predictions (the adapter holds the LoRA weights and the trained head)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from benchlab.errors import InputError
from benchlab.text.finetuned import (
    FineTunedClassifier,
    encode,
    length_batches,
    pad_batch,
    read_info,
)
from benchlab.text.loading import load_pretrained
from benchlab.text.registry import load_registry
from benchlab.text.training import fine_tune
from tests.text.test_training import tiny_config, tiny_splits

TEXTS = ["what a great movie", "awful", "I hate it so much", "so happy today !!"]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> FineTunedClassifier:
    config = tiny_config(epochs=1, max_steps=3, max_length=16)
    return fine_tune(load_registry().get("tiny-bert"), tiny_splits(), config, log_dir=None)


@pytest.fixture(scope="module")
def tokenizer():
    return load_pretrained(load_registry().get("tiny-bert"), 2).tokenizer


def test_encode_counts_what_it_truncates(tokenizer) -> None:
    encoded = encode(tokenizer, ["short one", "a much longer text " * 5], max_length=8)
    assert [len(ids) for ids in encoded.input_ids] == [4, 8]
    assert encoded.n_truncated == 1
    assert encoded.input_ids[1][-1] == tokenizer.sep_token_id  # special tokens kept
    assert encode(tokenizer, [], 8).input_ids == []
    with pytest.raises(TypeError, match="not one string"):
        encode(tokenizer, "one string", 8)


def test_batches_are_padded_on_the_tokenizer_s_side(tokenizer) -> None:
    batch = pad_batch(tokenizer, [[101, 7, 102], [101, 102]])
    assert batch["input_ids"].tolist() == [[101, 7, 102], [101, 102, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    tokenizer.padding_side = "left"
    try:
        assert pad_batch(tokenizer, [[5, 6], [5]])["input_ids"].tolist() == [[5, 6], [0, 5]]
    finally:
        tokenizer.padding_side = "right"
    assert [b.tolist() for b in length_batches([1, 5, 3], 2)] == [[1, 2], [0]]


def test_the_classifier_keeps_the_text_classifier_protocol(tuned: FineTunedClassifier) -> None:
    assert tuned.name == "tiny-bert" and tuned.labels == ["neg", "pos"] and tuned.device == "cpu"
    probabilities = tuned.predict_proba(TEXTS)
    assert probabilities.shape == (4, 2) and probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    predicted = tuned.predict(TEXTS)
    assert predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted, probabilities.argmax(axis=1))
    assert tuned.predict([]).shape == (0,)
    # batching (sorted by length) does not change a text's probabilities
    one_by_one = np.vstack([tuned.predict_proba([t]) for t in TEXTS])
    np.testing.assert_allclose(one_by_one, probabilities, atol=1e-6)
    assert tuned.count_tokens(TEXTS) == sum(len(ids) for ids in tuned.tokenizer(TEXTS)["input_ids"])
    assert tuned.count_tokens(["word " * 50]) == 16  # what the model reads, after truncation


def test_long_inputs_are_truncated_with_one_warning(
    tuned: FineTunedClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    tuned._warned = False
    with caplog.at_level(logging.WARNING, logger="benchlab"):
        tuned.predict(["word " * 40, "word " * 30, "short"])
        tuned.predict(["word " * 40])
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert messages == [
        "tiny-bert: 2 of 3 input texts are longer than 16 tokens and were truncated to 16 "
        "(training.max_length)"
    ]


def test_save_then_load_predicts_exactly_the_same(
    tuned: FineTunedClassifier, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    folder = tuned.save(tmp_path / "tiny")
    assert (folder / "adapter" / "adapter_config.json").is_file()
    adapter = load_file(folder / "adapter" / "adapter_model.safetensors")
    assert any("classifier" in key for key in adapter)  # the head travels with the adapter
    info = read_info(folder)
    assert info["format"] == "benchlab-text-lora/1" and info["kind"] == "lora"
    assert info["labels"] == ["neg", "pos"] and info["max_length"] == 16
    assert info["entry"]["name"] == "tiny-bert" and info["training"]["optimizer_steps"] == 3

    loaded = FineTunedClassifier.load(folder)
    texts = [*TEXTS, *tiny_splits().test["text"].to_list()]
    np.testing.assert_array_equal(loaded.predict_proba(texts), tuned.predict_proba(texts))
    assert loaded.max_length == 16 and loaded.labels == tuned.labels
    assert loaded.trainable_parameters == tuned.trainable_parameters
    assert loaded.training_time_s == pytest.approx(tuned.training_time_s)


def test_a_folder_that_is_not_a_saved_classifier_is_one_message(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no classifier.json"):
        FineTunedClassifier.load(tmp_path)
    (tmp_path / "classifier.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(InputError, match="not a fine-tuned classifier"):
        FineTunedClassifier.load(tmp_path)
    (tmp_path / "classifier.json").write_text("{")
    with pytest.raises(InputError, match="classifier.json: not valid JSON"):
        FineTunedClassifier.load(tmp_path)
