"""Vision search on the engine's studies: val-only trials, per-epoch reports, pruning, resume,
and a best config that trains as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest
import yaml

from benchlab.config import load_run_config, parse_run_config
from benchlab.errors import InputError
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.data.dataset import IndexedImageDataset
from benchlab.vision.data.splits import read_split
from benchlab.vision.search import run_search, search_config, search_metric, tune_vision

GOOD_LR, HOPELESS_LR = 0.01, 1e-9


def _config(digits_dir: Path, out: Path, *, epochs: int = 2, **search: Any) -> VisionRunConfig:
    raw = {
        "task": "vision",
        "name": "digits",
        "seed": 0,
        "output_dir": str(out),
        "tracking": {"enabled": False},
        "data": {"data_dir": str(digits_dir), "fold": 0},
        "model": {"type": "custom", "custom_architecture": "tiny_net"},
        "training": {"num_epochs": epochs, "batch_size": 64},
        "optimizer": {"name": "adam", "lr": 0.001},
        "scheduler": {"type": "none"},
        "search": {
            "n_trials": 2,
            "search_space": {
                "optimizer.lr": {"type": "categorical", "choices": [GOOD_LR, HOPELESS_LR]}
            },
            **search,
        },
    }
    return parse_run_config(raw)


def test_the_metric_is_a_validation_metric(digits_dir: Path, tmp_path: Path) -> None:
    config = _config(digits_dir, tmp_path)
    assert search_metric(config).name == "best_val_accuracy"
    filled = search_config(config).tuning
    assert (filled.metric, filled.direction) == ("best_val_accuracy", "maximize")
    loss = search_config(_config(digits_dir, tmp_path, metric="val_loss")).tuning
    assert loss.direction == "minimize"
    assert search_metric(_config(digits_dir, tmp_path, metric="val_acc")).epoch_key == (
        "val_accuracy"
    )
    with pytest.raises(InputError, match="never looks at the test split"):
        search_metric(_config(digits_dir, tmp_path, metric="test_accuracy"))
    with pytest.raises(InputError, match="tuning.metric 'f1': choose one of"):
        search_metric(_config(digits_dir, tmp_path, metric="f1"))
    with pytest.raises(InputError, match="tuning.n_jobs: .*--resume"):
        search_config(_config(digits_dir, tmp_path, n_jobs=2))


def test_a_hopeless_trial_is_pruned_and_the_test_split_is_never_read(
    digits_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_paths = read_split(digits_dir, 0).test
    read = IndexedImageDataset.__getitem__

    def guarded(self: IndexedImageDataset, index: int) -> Any:
        assert self.paths != test_paths, "the search read the test split"
        return read(self, index)

    monkeypatch.setattr(IndexedImageDataset, "__getitem__", guarded)
    config = _config(
        digits_dir,
        tmp_path / "runs",
        sampler="random",
        pruner={"type": "MedianPruner", "n_startup_trials": 1, "n_warmup_steps": 0},
    )
    # the good value first, so the pruner has a finished trial to compare the hopeless one with
    (tmp_path / "runs").mkdir()
    study = optuna.create_study(
        study_name="digits",
        storage=f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}",
        direction="maximize",
    )
    study.enqueue_trial({"optimizer.lr": GOOD_LR})
    study.enqueue_trial({"optimizer.lr": HOPELESS_LR})
    outcome = run_search(config, resume=True, progress=False)
    good, hopeless = outcome.study.trials
    assert good.params["optimizer.lr"] == GOOD_LR and good.state.name == "COMPLETE"
    assert hopeless.params["optimizer.lr"] == HOPELESS_LR
    assert hopeless.state == optuna.trial.TrialState.PRUNED
    # every epoch is reported: the finished trial has one value per epoch, the pruned fewer
    assert sorted(good.intermediate_values) == [1, 2]
    assert len(hopeless.intermediate_values) < 2
    assert good.value == max(good.intermediate_values.values())
    assert outcome.best_params == {"optimizer.lr": GOOD_LR}
    tensorboard = tmp_path / "runs" / "optuna_studies" / "digits" / "tensorboard"
    assert {p.name for p in tensorboard.iterdir()} == {
        f"trial_{good.number}",
        f"trial_{hopeless.number}",
    }
    assert not list((tmp_path / "runs" / "optuna_studies").glob(".tmp-*"))  # scratch removed


def test_search_then_refit_writes_a_best_config_that_trains_as_is(
    digits_dir: Path, tmp_path: Path
) -> None:
    config = _config(digits_dir, tmp_path / "runs", epochs=1, sampler={"type": "RandomSampler"})
    summary = tune_vision(config, n_trials=1, progress=False)
    assert summary.n_trials == 1 and summary.metric == "best_val_accuracy"
    run_dir = summary.run_dir
    assert (run_dir / "weights" / "best.pt").is_file()
    assert (run_dir / "tuning" / "trials.csv").is_file()
    best = yaml.safe_load(summary.best_config_path.read_text())
    assert best["optimizer"]["lr"] == summary.best_params["optimizer.lr"]
    assert best["mode"] == "train"
    assert summary.study_best_config is not None
    assert yaml.safe_load(summary.study_best_config.read_text()) == best
    # the best config loads as it is written; the refit ran it on the test split
    loaded = load_run_config(summary.study_best_config)
    assert isinstance(loaded, VisionRunConfig)
    assert loaded.optimizer.lr == summary.best_params["optimizer.lr"]
    assert loaded.tuning is not None and loaded.tuning.metric == "best_val_accuracy"
    metrics = yaml.safe_load((run_dir / "metrics.json").read_text())
    assert "test_accuracy" in metrics["results"][0]["metrics"]
    # resume adds trials to the study; a new search of the same name must say --resume
    with pytest.raises(InputError, match="already exists.*--resume"):
        run_search(config, n_trials=1, progress=False)
    resumed = run_search(config, n_trials=1, resume=True, progress=False)
    assert resumed.n_trials == 2


@pytest.mark.slow
def test_a_search_stores_its_study_in_postgresql(digits_dir: Path, tmp_path: Path) -> None:
    from tests.postgres_server import temporary_postgres

    with temporary_postgres() as url:
        config = _config(digits_dir, tmp_path / "runs", epochs=1, storage=url, sampler="random")
        outcome = run_search(config, n_trials=1, progress=False)
        assert outcome.storage == url
        resumed = run_search(config, n_trials=1, resume=True, progress=False)
        stored = optuna.load_study(study_name="digits", storage=url)
        assert resumed.n_trials == len(stored.trials) == 2
    assert not (tmp_path / "runs" / "optuna.db").exists()
