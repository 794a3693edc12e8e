"""init-config's writer: the packaged template filled with the data's facts, valid as written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchlab.config import load_run_config
from benchlab.errors import InputError
from benchlab.tuning import TuningConfig
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data.template import data_facts, write_config
from tests.vision.conftest import write_image_folder


def test_written_config_holds_the_data_and_loads(digits_dir: Path, tmp_path: Path) -> None:
    path = write_config(digits_dir, output_dir=tmp_path / "configs")
    assert path == tmp_path / "configs" / "digits_config.yaml"
    config = load_run_config(path)
    assert isinstance(config, VisionRunConfig)
    assert config.name == "digits" and config.data.data_dir == digits_dir
    assert config.data.classes == [str(k) for k in range(10)]
    assert (config.model.num_classes, config.data.channels) == (10, 1)
    assert config.data.image_size == (8, 8)
    assert config.tuning is None
    assert "# " in path.read_text()  # the template's comments are kept


def test_optuna_adds_a_search_section_the_engine_reads(digits_dir: Path, tmp_path: Path) -> None:
    path = write_config(digits_dir / "raw", output_dir=tmp_path, optuna=True)
    assert "search" in yaml.safe_load(path.read_text())
    tuning = load_run_config(path).tuning
    assert isinstance(tuning, TuningConfig)
    assert (tuning.metric, tuning.direction) == ("best_val_accuracy", "maximize")
    assert {"optimizer.lr", "training.batch_size", "optimizer.weight_decay"} <= set(
        tuning.search_space
    )


def test_facts_of_an_rgb_folder_and_an_existing_config(tmp_path: Path) -> None:
    data_dir = write_image_folder(tmp_path / "pets", {"dog": 2, "cat": 1}, size=(5, 7), mode="RGB")
    facts = data_facts(data_dir)
    assert (facts.name, facts.classes, facts.channels, facts.image_size) == (
        "pets",
        ["cat", "dog"],
        3,
        (5, 7),
    )
    path = write_config(data_dir, output_dir=tmp_path / "configs")
    with pytest.raises(InputError, match="--force") as info:
        write_config(data_dir, output_dir=tmp_path / "configs")
    assert str(path) in str(info.value)
    assert write_config(data_dir, output_dir=tmp_path / "configs", force=True) == path
