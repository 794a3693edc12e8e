"""TensorBoard on a run (the real server, started and stopped) and a study's Optuna plots."""

from __future__ import annotations

import importlib.util
import socket
import urllib.request
from pathlib import Path

import optuna
import pytest

from benchlab.errors import InputError
from benchlab.vision.visualise import (
    PLOT_TYPES,
    free_port,
    load_study,
    start_tensorboard,
    tensorboard_logdir,
    write_study_plots,
)


def write_scalars(logdir: Path) -> Path:
    """A TensorBoard event file with a few scalars."""
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(logdir)) as writer:
        for step in range(3):
            writer.add_scalar("val/accuracy", 0.5 + step / 10, step)
    return logdir


def test_tensorboard_starts_answers_and_stops(tmp_path: Path) -> None:
    if importlib.util.find_spec("tensorboard") is None:
        pytest.skip("tensorboard is not installed (pip install 'benchlab[neural]')")
    run = tmp_path / "run"
    write_scalars(run / "tensorboard")
    try:
        server = start_tensorboard(run, timeout=60)
    except InputError as exc:
        pytest.skip(f"tensorboard cannot start here: {exc}")
    try:
        assert server.logdir == run / "tensorboard"
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(server.url + "data/runs", timeout=10) as response:
            assert response.status == 200
    finally:
        server.stop()
    assert not server.running()
    with pytest.raises(OSError), urllib.request.urlopen(server.url, timeout=2):
        pass


def test_a_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_the_logdir_is_the_runs_tensorboard_folder_or_the_folder(tmp_path: Path) -> None:
    assert tensorboard_logdir(tmp_path) == tmp_path
    (tmp_path / "tensorboard").mkdir()
    assert tensorboard_logdir(tmp_path) == tmp_path / "tensorboard"
    with pytest.raises(InputError, match="--run-dir .*missing does not exist"):
        tensorboard_logdir(tmp_path / "missing")


@pytest.fixture()
def stored_study(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="digits", storage=url, direction="maximize")

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("optimizer.lr", 1e-4, 1e-1, log=True)
        batch = trial.suggest_categorical("training.batch_size", [32, 64])
        for step in range(3):
            trial.report(lr * step, step)
        return lr + batch / 1000

    study.optimize(objective, n_trials=4)
    return url


def test_every_plot_of_a_study_is_written(stored_study: str, tmp_path: Path) -> None:
    study = load_study("digits", stored_study)
    plots = write_study_plots(study, tmp_path / "plots")
    assert set(plots.written) | set(plots.skipped) == set(PLOT_TYPES)
    assert {"optimization_history", "param_importances", "contour"} <= set(plots.written)
    for path in plots.written.values():
        assert path.is_file() and "plotly" in path.read_text()[:5000].lower()
    assert (tmp_path / "plots" / "plotly.min.js").is_file()  # works offline


def test_a_plot_type_and_params_are_chosen(stored_study: str, tmp_path: Path) -> None:
    study = load_study("digits", stored_study)
    plots = write_study_plots(
        study, tmp_path, plot_types=["contour", "slice"], params=["optimizer.lr"]
    )
    assert sorted(p.name for p in tmp_path.glob("*.html")) == ["contour.html", "slice.html"]
    with pytest.raises(InputError, match="--plot-type surface: unknown; choose from"):
        write_study_plots(study, tmp_path, plot_types=["surface"])
    with pytest.raises(InputError, match="--params momentum: not searched .*optimizer.lr"):
        write_study_plots(study, tmp_path, params=["momentum"])
    assert plots.skipped == {}


def test_an_unknown_study_or_storage_is_one_clear_error(stored_study: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no study 'other' in .*\(studies: digits\)"):
        load_study("other", stored_study)
    missing = tmp_path / "none.db"
    with pytest.raises(InputError, match=f"{missing} does not exist"):
        load_study("digits", f"sqlite:///{missing}")
    assert not missing.exists()  # nothing was created


def test_a_tensorboard_that_cannot_start_says_why(tmp_path: Path) -> None:
    if importlib.util.find_spec("tensorboard") is None:
        pytest.skip("tensorboard is not installed (pip install 'benchlab[neural]')")
    with socket.socket() as taken:  # the port is in use: TensorBoard exits with a message
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"did not answer at http://127.0.0.1:{port}/"):
            start_tensorboard(tmp_path, port=port, timeout=30)
