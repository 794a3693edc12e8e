"""Training a vision run end to end on the digits: run folder, checkpoints, resume, stopping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from benchlab.errors import InputError
from benchlab.runner import run_task
from benchlab.vision.checkpoints import load_checkpoint
from benchlab.vision.config import VisionRunConfig
from benchlab.vision.trainers.base import BaseTrainer
from benchlab.vision.training import fit_model, prepare_training

EPOCH_KEYS = {"val_accuracy", "val_loss", "train_loss", "train_accuracy", "lr", "epoch"}


def with_changes(config: VisionRunConfig, **sections: dict) -> VisionRunConfig:
    raw = config.to_raw()
    for section, values in sections.items():
        if isinstance(values, dict):
            raw[section] = {**(raw.get(section) or {}), **values}
        else:
            raw[section] = values
    return VisionRunConfig.model_validate(raw)


def max_weight_difference(a: torch.nn.Module, b: torch.nn.Module) -> float:
    left, right = a.state_dict(), b.state_dict()
    assert left.keys() == right.keys()
    return max(float((left[k].double() - right[k].double()).abs().max()) for k in left)


def test_a_run_writes_weights_logs_evaluation_and_report(digits_config: VisionRunConfig) -> None:
    summary = run_task(digits_config, progress=False)
    run = summary.run_dir
    for name in (
        "weights/best.pt",
        "weights/best.pt.sha256",
        "weights/last.pt",
        "weights/last.pt.sha256",
        "confusion_matrix.png",
        "training_curves.png",
        "classification_report.txt",
        "classification_report.json",
        "predictions.csv",
        "logs/train.log",
        "benchlab.log",
        "report.md",
        "report.html",
    ):
        assert (run / name).is_file(), name

    record = summary.records[0]
    assert record.model == "simple_cnn" and record.keys == {"trainer": "standard", "fold": "0"}
    assert record.metrics["test_accuracy"] > 0.9  # 2 epochs on 763 images learn the digits
    assert 0 < record.metrics["test_f1_macro"] <= 1
    assert record.info["epochs"] == 2 and record.info["train_seconds"] > 0

    last, best = load_checkpoint(run / "weights/last.pt"), load_checkpoint(run / "weights/best.pt")
    assert last.epoch == 2 and len(last.history) == 2
    assert best.epoch == best.best_epoch == record.info["best_epoch"]
    assert best.best_metric == pytest.approx(record.metrics["best_val_accuracy"])
    assert last.classes == [str(d) for d in range(10)] and last.channels == 1
    assert last.image_size == (8, 8) and len(last.mean) == len(last.std) == 1
    assert last.config["name"] == "digits" and set(last.history[-1]) >= EPOCH_KEYS

    report = json.loads((run / "classification_report.json").read_text())
    assert report["accuracy"] == pytest.approx(record.metrics["test_accuracy"])
    predictions = (run / "predictions.csv").read_text().splitlines()
    assert predictions[0] == "path,true,predicted,confidence"
    assert len(predictions) - 1 == report["macro avg"]["support"]

    for log_file in ("benchlab.log", "logs/train.log"):
        text = (run / log_file).read_text()
        assert "epoch 2/2" in text and "test accuracy" in text

    markdown = (run / "report.md").read_text()
    for heading in ("Run summary", "Metrics", "Per-class metrics", "Confusion matrix"):
        assert heading in markdown
    assert "(confusion_matrix.png)" in markdown and "(training_curves.png)" in markdown


def test_tensorboard_logs_every_epoch_and_the_test_metrics(digits_config: VisionRunConfig) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config = with_changes(digits_config, model={"custom_architecture": "tiny_net"})
    summary = run_task(config, progress=False)
    events = EventAccumulator(str(summary.run_dir / "tensorboard")).Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"loss/train", "loss/val", "accuracy/val", "lr", "test/accuracy"} <= scalars
    assert [e.step for e in events.Scalars("accuracy/val")] == [1, 2]
    test_accuracy = events.Scalars("test/accuracy")[0].value
    assert test_accuracy == pytest.approx(summary.records[0].metrics["test_accuracy"], abs=1e-6)


def test_resume_gives_the_weights_of_an_uninterrupted_run(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    """4 straight epochs == 2 epochs, stop, resume from weights/last.pt, 2 more (CPU,
    deterministic; cosine with warmup spans the whole run, so the schedule state matters)."""
    config = with_changes(
        digits_config,
        deterministic=True,
        model={"custom_architecture": "tiny_net"},
        training={"num_epochs": 4},
        scheduler={"type": "cosine", "warmup_epochs": 1},
    )
    straight = fit_model(config, prepare_training(config), tmp_path / "straight")

    stopped = fit_model(
        config, prepare_training(config), tmp_path / "first", on_epoch_end=lambda e, m: e == 2
    )
    assert stopped.history.completed == 2 and stopped.history.stopped_early
    resumed_config = config.model_copy(update={"resume": tmp_path / "first/weights/last.pt"})
    resumed = fit_model(resumed_config, prepare_training(resumed_config), tmp_path / "second")

    assert resumed.history.completed == 4
    assert (
        max_weight_difference(straight.trainer.core_model(), resumed.trainer.core_model()) <= 1e-6
    )
    assert resumed.history.series("val_loss") == pytest.approx(
        straight.history.series("val_loss"), abs=1e-7
    )
    assert resumed.history.series("lr") == straight.history.series("lr")


def test_on_epoch_end_sees_the_metrics_and_can_stop(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = with_changes(digits_config, model={"custom_architecture": "tiny_net"})
    seen: list[tuple[int, dict]] = []

    def stop_after_first(epoch: int, metrics: dict) -> bool:
        seen.append((epoch, metrics))
        return True

    result = fit_model(config, prepare_training(config), tmp_path, on_epoch_end=stop_after_first)
    assert [epoch for epoch, _ in seen] == [1]
    assert set(seen[0][1]) >= EPOCH_KEYS
    assert result.history.completed == 1 and result.history.stopped_early
    assert load_checkpoint(tmp_path / "weights/last.pt").epoch == 1


def test_early_stopping_after_patience_epochs_without_improvement(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    """A rate so small the network cannot change: val accuracy never improves after epoch 1."""
    config = with_changes(
        digits_config,
        model={"custom_architecture": "tiny_net"},
        optimizer={"name": "sgd", "lr": 1e-12},
        scheduler={"type": "none"},
        training={"num_epochs": 6, "early_stopping_patience": 2},
    )
    result = fit_model(config, prepare_training(config), tmp_path)
    assert result.history.best_epoch == 1
    assert result.history.completed == 3 and result.history.stopped_early


def test_ctrl_c_keeps_the_finished_epochs(digits_config: VisionRunConfig, tmp_path: Path) -> None:
    config = with_changes(digits_config, model={"custom_architecture": "tiny_net"})

    def interrupt(epoch: int, metrics: dict) -> bool:
        raise KeyboardInterrupt

    result = fit_model(
        config,
        prepare_training(config),
        tmp_path / "kept",
        on_epoch_end=interrupt,
        keep_on_interrupt=True,
    )
    assert result.interrupted and result.history.completed == 1
    with pytest.raises(KeyboardInterrupt):  # a search must stop, not go on to the next trial
        fit_model(config, prepare_training(config), tmp_path / "raised", on_epoch_end=interrupt)


def test_ctrl_c_before_the_first_epoch_ends_is_not_swallowed(
    digits_config: VisionRunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: BaseTrainer) -> dict:
        raise KeyboardInterrupt

    monkeypatch.setattr(BaseTrainer, "train_epoch", interrupted)
    config = with_changes(digits_config, model={"custom_architecture": "tiny_net"})
    with pytest.raises(KeyboardInterrupt):
        fit_model(config, prepare_training(config), tmp_path, keep_on_interrupt=True)


@pytest.fixture(scope="module")
def one_epoch_checkpoint(digits_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("one_epoch")
    config = VisionRunConfig.model_validate(
        {
            "task": "vision",
            "data": {"data_dir": str(digits_dir)},
            "model": {"custom_architecture": "tiny_net"},
            "training": {"num_epochs": 1},
            "output_dir": str(out / "runs"),
            "tracking": {"enabled": False},
        }
    )
    fit_model(config, prepare_training(config), out)
    return out / "weights/last.pt"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"training": {"num_epochs": 1}}, "already trained 1 epochs"),
        ({"training": {"num_epochs": 3, "trainer_type": "accelerate"}}, "standard trainer"),
        ({"model": {"custom_architecture": "simple_cnn"}, "training": {"num_epochs": 3}}, "fit"),
    ],
)
def test_resume_refuses_a_checkpoint_that_does_not_match(
    digits_config: VisionRunConfig, one_epoch_checkpoint: Path, changes: dict, message: str
) -> None:
    config = with_changes(
        digits_config, model={"custom_architecture": "tiny_net"}, resume=str(one_epoch_checkpoint)
    )
    config = with_changes(config, **changes)
    with pytest.raises(InputError, match=message) as info:
        prepare_training(config)  # before a run folder exists
    assert "last.pt" in str(info.value)


def test_resume_refuses_other_classes(
    digits_config: VisionRunConfig, one_epoch_checkpoint: Path, tmp_path: Path
) -> None:
    state = load_checkpoint(one_epoch_checkpoint)
    state.classes = ["cat", "dog"]
    from benchlab.vision.checkpoints import save_checkpoint

    other = save_checkpoint(tmp_path / "other.pt", state)
    config = with_changes(digits_config, resume=str(other), training={"num_epochs": 3})
    with pytest.raises(InputError, match=r"other\.pt: trained on classes \['cat', 'dog'\]"):
        prepare_training(config)


def test_bad_input_fails_before_a_run_folder_exists(digits_config: VisionRunConfig) -> None:
    config = with_changes(digits_config, model={"type": "base", "architecture": "resnet1"})
    with pytest.raises(InputError, match="unknown torchvision architecture 'resnet1'"):
        run_task(config, progress=False)
    assert not Path(config.output_dir).exists()
