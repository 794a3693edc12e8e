"""LoRA through PEFT (SEQ_CLS): the registry's target modules, the head trained and saved with the
adapter, newly initialised modules saved too, and the QLoRA preparation step."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from benchlab.errors import InputError
from benchlab.text.loading import LoadedModel, load_pretrained
from benchlab.text.lora import (
    LoRAConfigManager,
    _registry_name,
    apply_lora,
    lora_config,
    trainable_share,
)
from benchlab.text.registry import load_registry


def _tiny() -> tuple[LoadedModel, object]:
    entry = load_registry().get("tiny-bert")
    return load_pretrained(entry, 3), entry


def test_every_registry_entry_gets_a_seq_cls_lora_config() -> None:
    from peft import TaskType

    for entry in load_registry().entries:
        config = lora_config(entry)
        assert config.task_type == TaskType.SEQ_CLS
        assert (config.r, config.lora_alpha, config.lora_dropout) == (8, 16, 0.1)
        assert set(config.target_modules) == set(entry.target_modules)
        assert config.fan_in_fan_out == (entry.family == "gpt2")  # Conv1D projections
    entry = load_registry().get("MiniLM-L6")
    config = lora_config(entry, r=4, alpha=32, dropout=0.0, modules_to_save=["pooler"])
    assert (config.r, config.lora_alpha, config.lora_dropout) == (4, 32, 0.0)
    assert config.modules_to_save == ["pooler"]


def test_only_lora_and_the_head_train_and_both_are_saved(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    loaded, entry = _tiny()
    model = apply_lora(loaded, entry)
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(("lora_" in n or "classifier" in n) for n in trainable)
    assert any("query.lora_A" in n for n in trainable) and any(
        "value.lora_B" in n for n in trainable
    )
    assert not any("key.lora" in n for n in trainable)
    assert "classifier" in model.peft_config["default"].modules_to_save
    n_trainable, n_total = trainable_share(model)
    expected = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n_trainable == expected and 0 < n_trainable / n_total < 0.01
    model.save_pretrained(str(tmp_path))
    saved = load_file(tmp_path / "adapter_model.safetensors")
    assert any("classifier.weight" in key for key in saved)
    assert any("lora_A" in key for key in saved)
    assert not any("word_embeddings" in key for key in saved)  # the frozen base stays out


def test_newly_initialised_modules_are_trained_and_saved_too(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    loaded, entry = _tiny()
    loaded = replace(loaded, new_modules=("bert.pooler.dense",))
    model = apply_lora(loaded, entry)
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert any("pooler.dense" in n for n in trainable)
    model.save_pretrained(str(tmp_path))
    assert any("pooler.dense" in key for key in load_file(tmp_path / "adapter_model.safetensors"))


def test_target_modules_that_do_not_fit_are_one_message() -> None:
    loaded, entry = _tiny()
    wrong = replace(entry, target_modules=("q_proj", "v_proj"))
    with pytest.raises(InputError, match=r"LoRA target modules q_proj, v_proj do not fit Bert"):
        apply_lora(loaded, wrong)


def test_a_4bit_model_is_prepared_for_kbit_training_first(monkeypatch) -> None:
    import peft

    calls = []

    def prepare(model):  # stands in for the CUDA-only step
        calls.append(type(model).__name__)
        return model

    monkeypatch.setattr(peft, "prepare_model_for_kbit_training", prepare)
    loaded, entry = _tiny()
    apply_lora(replace(loaded, quantization="4bit"), entry)
    assert calls == ["BertForSequenceClassification"]
    apply_lora(_tiny()[0], entry)
    assert len(calls) == 1  # full precision: no k-bit preparation


def test_the_seed_s_prepare_model_takes_a_name_alias_or_hub_id() -> None:
    model = LoRAConfigManager.prepare_model(model_name="tiny-random-bert", num_labels=2)
    assert type(model).__name__ == "PeftModelForSequenceClassification"
    assert model.base_model.model.classifier.original_module.out_features == 2
    assert next(model.parameters()).device == torch.device("cpu")
    registry = load_registry()
    assert _registry_name(registry, "sentence-transformers/all-MiniLM-L6-v2") == "MiniLM-L6"
    assert _registry_name(registry, "microsoft/Phi-3-mini-4k-instruct") == "Phi-3-mini"
    with pytest.raises(InputError, match="unknown model 'org/none'"):
        LoRAConfigManager.prepare_model(model_name="org/none", num_labels=2)
    with pytest.raises(InputError, match="needs a CUDA GPU"):
        LoRAConfigManager.prepare_model("MiniLM-L6", 2, "cpu", quantization="4bit")


_SMALL = {
    "hidden_size": 16,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "vocab_size": 64,
}
_DECODER = {**_SMALL, "num_key_value_heads": 1, "bos_token_id": 1, "eos_token_id": 2}
#: A tiny random network of each family's architecture (transformers model type, settings).
ARCHITECTURES = {
    "bert": ("bert", _SMALL),
    "roberta": ("roberta", _SMALL),
    "electra": ("electra", {**_SMALL, "embedding_size": 16}),
    "distilbert": ("distilbert", {"dim": 16, "n_layers": 1, "n_heads": 2, "hidden_dim": 32}),
    "deberta": ("deberta-v2", {**_SMALL, "pooler_hidden_size": 16}),
    "gpt2": (
        "gpt2",
        {
            "n_embd": 16,
            "n_layer": 1,
            "n_head": 2,
            "vocab_size": 64,
            "bos_token_id": 1,
            "eos_token_id": 2,
        },
    ),
    "gpt_neox": ("gpt_neox", {**_SMALL, "bos_token_id": 1, "eos_token_id": 2}),
    "llama": ("llama", _DECODER),
    "qwen2": ("qwen2", _DECODER),
    "gemma": ("gemma2", {**_DECODER, "head_dim": 8}),
    "phi3": ("phi3", {**_DECODER, "num_key_value_heads": 2}),
}


@pytest.mark.parametrize("family", sorted(ARCHITECTURES))
def test_every_family_s_target_modules_exist_in_its_architecture(family: str) -> None:
    """LoRA lands on every target module of the registry's family (all its entries share
    them), the head trains in full, and a padded batch goes through."""
    from transformers import AutoConfig, AutoModelForSequenceClassification

    entries = [e for e in load_registry().entries if e.family == family]
    assert entries, family
    model_type, settings = ARCHITECTURES[family]
    config = AutoConfig.for_model(model_type, num_labels=3, pad_token_id=0, **settings)
    torch.manual_seed(0)
    network = AutoModelForSequenceClassification.from_config(config)
    model = apply_lora(LoadedModel(network, None, None, (), "none"), entries[0])
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    for target in entries[0].target_modules:
        assert any(f"{target}.lora_A" in n for n in trainable), target
    assert any("modules_to_save" in n for n in trainable)  # the head
    ids = torch.tensor([[3, 4, 5], [6, 7, 0]])
    logits = model(input_ids=ids, attention_mask=(ids != 0).long()).logits
    assert logits.shape == (2, 3) and torch.isfinite(logits).all()
