"""The basket task on the tiny generated project: stages when missing or stale, a whole run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from benchlab.basket.config import BasketRunConfig
from benchlab.errors import InputError

TINY_MODEL = {"d_model": 32, "n_layers": 1, "n_heads": 2, "dim_feedforward": 64}
TINY_TRAINING = {
    "max_epochs": 1,
    "accelerator": "cpu",
    "num_threads": 1,
    "validate_every_n_steps": 5,
    "quick_validation_batches": 2,
}


def tiny_run_config(root: Path, output: Path, **extra: object) -> BasketRunConfig:
    return BasketRunConfig.model_validate(
        {
            "task": "basket",
            "name": "tiny",
            "project_root": str(root),
            "output_dir": str(output),
            "data": {"batch_size": 64},
            "model": TINY_MODEL,
            "training": TINY_TRAINING,
            "evaluation": {"group_by": ["hour"]},
            "tracking": {"enabled": False},
            **extra,
        }
    )


@pytest.fixture()
def prepared_copy(basket_prepared_root: Path, tmp_path: Path) -> Path:
    """A writable copy of the prepared project (modification times kept)."""
    root = tmp_path / "project"
    shutil.copytree(basket_prepared_root, root)
    return root


def test_a_missing_transactions_file_names_the_command_that_makes_one(tmp_path: Path) -> None:
    from benchlab.basket.pipeline import check_raw_input

    config = tiny_run_config(tmp_path / "shop", tmp_path / "runs")
    with pytest.raises(InputError, match=r"benchlab data baskets --out .*shop"):
        check_raw_input(config)


def test_current_stages_are_left_alone_and_stale_ones_say_why(prepared_copy: Path) -> None:
    from benchlab.basket.layout import ProjectLayout
    from benchlab.basket.pipeline import stage1_reason, stage2_reason

    layout = ProjectLayout(prepared_copy)
    config = tiny_run_config(prepared_copy, prepared_copy / "runs")
    assert stage1_reason(config, layout) is None
    assert stage2_reason(config, layout) is None
    keep = config.model_copy(
        update={"splits": config.splits.model_copy(update={"returns": "keep"})}
    )
    assert "returns handling changed" in stage1_reason(keep, layout)
    later = os.stat(layout.samples("train")).st_mtime + 10
    os.utime(layout.raw_parquet, (later, later))
    assert "newer than the samples" in stage1_reason(config, layout)


def test_prepare_runs_both_stages_on_raw_data_only(basket_root: Path, tmp_path: Path) -> None:
    from benchlab.basket.task import BasketTask

    config = tiny_run_config(basket_root, tmp_path / "runs")
    prepared = BasketTask().prepare(config, console=None)
    assert [s.split(":")[0] for s in prepared.stages_run] == [
        "stage 1 (samples)",
        "stage 2 (tensor cache)",
    ]
    assert all(prepared.sizes()[split] > 0 for split in ("train", "validation", "test"))
    assert prepared.vocab_size > 3
    popularity = prepared.baselines.popularity.counts_
    assert popularity[:3].sum() == 0 and popularity.sum() == len(prepared.train.item_product)
    again = BasketTask().prepare(config, console=None)
    assert again.stages_run == []


def test_a_whole_run_writes_records_for_the_model_and_every_baseline(
    prepared_copy: Path, tmp_path: Path
) -> None:
    from benchlab.runner import run_task

    config = tiny_run_config(prepared_copy, tmp_path / "runs")
    summary = run_task(config, progress=False)
    models = {record.model for record in summary.records}
    assert models == {"world_model", "popularity", "customer_frequency", "majority_class"}
    model = next(r for r in summary.records if r.model == "world_model")
    for metric in ("recall_at_10", "recall_at_20", "ndcg_at_10", "mission_type_accuracy"):
        assert 0.0 <= model.metrics[metric] <= 1.0, metric
    assert "basket_size_f1_macro" in model.metrics
    run = summary.run_dir
    assert (run / "models/world_model_seed42.pt").is_file()
    assert (run / "figures/breakdown_hour.png").is_file()
    payload = json.loads((run / "metrics.json").read_text())
    assert {r["model"] for r in payload["results"]} == models
    assert "unsampled" in (run / "report.md").read_text()
