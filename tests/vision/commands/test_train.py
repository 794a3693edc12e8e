"""`benchlab vision train` and `benchlab run` on a vision config, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.runs import sha256_file
from benchlab.vision.checkpoints import digest_path, load_checkpoint
from benchlab.vision.commands.train import run_name
from benchlab.vision.config import VisionRunConfig

runner = CliRunner()


def write_config(config: VisionRunConfig, tmp_path: Path, **training: object) -> Path:
    raw = config.to_raw()
    raw["model"]["custom_architecture"] = "tiny_net"
    raw["training"].update({"num_epochs": 1, **training})
    path = tmp_path / "digits_config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_run_name_from_the_options_given() -> None:
    assert run_name("digits", 0, {"batch_size": 32, "lr": 0.01}) == "digits_batch_32_lr_0.01_fold_0"
    assert (
        run_name("digits", 2, {"batch_size": None, "trainer": "dp"}) == "digits_trainer_dp_fold_2"
    )
    assert run_name("cats", 1, {}) == "cats_fold_1"


def test_train_json_names_the_run_and_its_best_checkpoint(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = write_config(digits_config, tmp_path)
    result = runner.invoke(
        app,
        ["vision", "train", "--config", str(config), "--batch-size", "32", "--lr", "0.01",
         "--no-progress", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = last_json(result.stdout)
    run_dir, best = Path(payload["run_dir"]), Path(payload["best_checkpoint"])
    assert run_dir.is_absolute() and run_dir.is_dir()
    assert "digits_batch_32_lr_0.01_fold_0" in run_dir.name
    assert best == run_dir / "weights/best.pt" and best.is_file()
    metrics = payload["metrics"]
    for key in ("test_accuracy", "test_f1_macro", "best_val_accuracy", "epochs", "train_seconds"):
        assert key in metrics, key
    assert metrics["epochs"] == 1
    saved = load_checkpoint(best)
    assert saved.config["training"]["batch_size"] == 32
    assert saved.config["optimizer"]["lr"] == 0.01
    assert saved.config["name"] == "digits_batch_32_lr_0.01_fold_0"


def test_seed_spellings_of_the_options(digits_config: VisionRunConfig, tmp_path: Path) -> None:
    config = write_config(digits_config, tmp_path)
    result = runner.invoke(
        app,
        ["vision", "train", "--config", str(config), "--batch_size", "128", "--fold", "1",
         "--trainer", "mixed_precision", "--no-progress", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    run_dir = Path(last_json(result.stdout)["run_dir"])
    assert "digits_batch_128_trainer_mixed_precision_fold_1" in run_dir.name
    saved = load_checkpoint(run_dir / "weights/last.pt")
    assert saved.config["data"]["fold"] == 1
    assert saved.trainer_state["trainer_type"] == "mixed_precision"


def test_benchlab_run_trains_a_vision_config(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = write_config(digits_config, tmp_path)
    result = runner.invoke(app, ["run", str(config), "--no-progress", "--json"])
    assert result.exit_code == 0, result.output
    payload = last_json(result.stdout)
    (entry,) = payload["results"]
    assert entry["model"] == "tiny_net" and 0 <= entry["metrics"]["test_accuracy"] <= 1
    assert (Path(payload["run_dir"]) / "weights/best.pt").is_file()


def assert_refused(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error:") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in " ".join(message.split()), message


def test_unknown_architecture_is_one_message(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = write_config(digits_config, tmp_path)
    result = runner.invoke(
        app,
        ["vision", "train", "--config", str(config), "model.type=base",
         "model.architecture=mobilenet_v3_smal"],
    )  # fmt: skip
    assert_refused(
        result, "unknown torchvision architecture 'mobilenet_v3_smal'", "mobilenet_v3_small"
    )
    assert not Path(digits_config.output_dir).exists()


def test_a_checkpoint_that_is_not_benchlabs_is_refused(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = write_config(digits_config, tmp_path)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    digest_path(foreign).write_text(f"{sha256_file(foreign)}  foreign.pt\n")
    result = runner.invoke(
        app, ["vision", "train", "--config", str(config), "--resume", str(foreign)]
    )
    assert_refused(result, str(foreign), "is not a benchlab vision checkpoint")
    assert not Path(digits_config.output_dir).exists()


def test_a_checkpoint_failing_its_check_is_refused(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    config = write_config(digits_config, tmp_path)
    first = runner.invoke(app, ["vision", "train", "--config", str(config), "--json"])
    assert first.exit_code == 0, first.output
    last = Path(last_json(first.stdout)["run_dir"]) / "weights/last.pt"
    last.write_bytes(last.read_bytes() + b"\0")
    result = runner.invoke(
        app, ["vision", "train", "--config", str(config), "--epochs", "2", "--resume", str(last)]
    )
    assert_refused(result, str(last), "fails its SHA-256 check")


@pytest.mark.slow
def test_resume_from_the_cli_matches_an_uninterrupted_run(
    digits_config: VisionRunConfig, tmp_path: Path
) -> None:
    """`--epochs 2`, then `--resume …/last.pt --epochs 4` == `--epochs 4` (a schedule that
    does not depend on the total: step; deterministic algorithms)."""
    config = write_config(digits_config, tmp_path)
    schedule = ["scheduler.type=step", "scheduler.step_size=1", "scheduler.gamma=0.7"]
    common = ["vision", "train", "--config", str(config), "deterministic=true", *schedule, "--json"]
    straight = runner.invoke(app, [*common, "--epochs", "4"])
    first = runner.invoke(app, [*common, "--epochs", "2"])
    assert straight.exit_code == 0 and first.exit_code == 0, straight.output + first.output
    last = Path(last_json(first.stdout)["run_dir"]) / "weights/last.pt"
    resumed = runner.invoke(app, [*common, "--epochs", "4", "--resume", str(last)])
    assert resumed.exit_code == 0, resumed.output

    def final_state(result) -> dict:
        return load_checkpoint(Path(last_json(result.stdout)["run_dir"]) / "weights/last.pt")

    a, b = final_state(straight), final_state(resumed)
    assert a.epoch == b.epoch == 4
    for name, tensor in a.model_state.items():
        assert torch.equal(tensor, b.model_state[name]), name
    assert last_json(resumed.stdout)["metrics"] == {
        **last_json(straight.stdout)["metrics"],
        "train_seconds": last_json(resumed.stdout)["metrics"]["train_seconds"],
        "images_per_second": last_json(resumed.stdout)["metrics"]["images_per_second"],
    }
