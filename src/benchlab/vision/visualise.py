"""Seed 002's ``ml-visualise``: TensorBoard on a run, and a study's Optuna plots as HTML.

:func:`start_tensorboard` starts the real TensorBoard (``python -m tensorboard.main``) on a free
local port, waits until it answers HTTP, and returns a handle that stops it;
:func:`write_study_plots` writes the plots of a stored Optuna study (any task's).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchlab.errors import InputError
from benchlab.runs import atomic_path, safe_name
from benchlab.tuning import DEFAULT_STORAGE

START_TIMEOUT_S = 60.0
#: The plot types of ``--mode search``, by name (Optuna's ``plot_<name>``).
PLOT_TYPES = (
    "optimization_history",
    "param_importances",
    "parallel_coordinate",
    "contour",
    "slice",
    "intermediate_values",
    "edf",
    "timeline",
)
#: Plots that take ``params`` (the searched values to show).
PLOTS_WITH_PARAMS = ("param_importances", "parallel_coordinate", "contour", "slice")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def tensorboard_logdir(run_dir: Path) -> Path:
    """``<run>/tensorboard`` when the run has one, else the folder itself (e.g. ``runs/``)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"--run-dir {run_dir} does not exist")
    nested = run_dir / "tensorboard"
    return nested if nested.is_dir() else run_dir


@dataclass
class TensorBoardServer:
    """A running TensorBoard process and its address."""

    process: subprocess.Popen[bytes]
    url: str
    logdir: Path
    log_file: Path | None = None
    output: IO[bytes] | None = None  # where the server writes (a log file or a temporary one)

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process (kill it if it does not end within ``timeout``)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.output is not None and self.log_file is None:
            self.output.close()

    def output_tail(self) -> str:
        """The last line the server wrote (why it failed to start)."""
        if self.output is None or self.output.closed:
            return ""
        self.output.seek(0)
        text = self.output.read().decode(errors="replace").strip()
        return text.splitlines()[-1] if text else ""

    def __enter__(self) -> TensorBoardServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_tensorboard(
    run_dir: Path,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = START_TIMEOUT_S,
    log_file: Path | None = None,
) -> TensorBoardServer:
    """Start TensorBoard on ``run_dir``'s logs at ``host:port`` (default: a free port) and
    wait until it answers; a TensorBoard that is missing, exits or stays silent is an error."""
    import importlib.util

    if importlib.util.find_spec("tensorboard") is None:
        from benchlab.extras import missing_extra

        raise missing_extra("neural", "visualise --mode launch", "tensorboard")
    logdir = tensorboard_logdir(run_dir)
    port = port or free_port(host)
    command = [
        sys.executable,
        "-m",
        "tensorboard.main",
        "--logdir",
        str(logdir),
        "--host",
        host,
        "--port",
        str(port),
    ]
    # the server's output goes to a file, never to a pipe nobody reads (it would fill and block)
    sink = open(log_file, "wb") if log_file else tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    server = TensorBoardServer(process, f"http://{host}:{port}/", logdir, log_file, sink)
    try:
        wait_until_answering(server.url, timeout=timeout, alive=server.running)
    except InputError:
        tail = server.output_tail()
        server.stop()
        raise InputError(
            f"TensorBoard on {logdir} did not answer at {server.url} within {timeout:g} s"
            f"{': ' + tail if tail else ''}"
        ) from None
    return server


def wait_until_answering(
    url: str, *, timeout: float, alive: Callable[[], bool] | None = None, interval: float = 0.25
) -> None:
    """Poll ``url`` until it answers HTTP (any status); stop early when ``alive()`` is false."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise InputError(f"{url}: the server exited")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a local http URL
                return
        except urllib.error.HTTPError:
            return  # it answered, with an error status
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(interval)
    raise InputError(f"{url}: no answer within {timeout:g} s")


# --- Optuna plots -----------------------------------------------------------------------------
def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def load_study(study_name: str, storage: str = DEFAULT_STORAGE) -> Any:
    """The stored study ``study_name``; a missing SQLite file or study name is one error that
    lists the studies the storage holds."""
    from benchlab.extras import require

    optuna = require("optuna", "tuning", what="visualise --mode search")
    sqlite = _sqlite_file(storage)
    if sqlite is not None and not sqlite.is_file():
        raise InputError(f"--storage {storage}: {sqlite} does not exist")
    try:
        summaries = optuna.get_all_study_summaries(storage)
    except Exception as exc:  # noqa: BLE001 - any driver error is a bad URL for the user
        raise InputError(f"--storage {storage!r}: {str(exc).splitlines()[0]}") from None
    names = sorted(s.study_name for s in summaries)
    if study_name not in names:
        raise InputError(
            f"no study {study_name!r} in {storage} (studies: {', '.join(names) or 'none'})"
        )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name=study_name, storage=storage)


@dataclass
class StudyPlots:
    """The HTML files written, and the plots the study could not draw (with why)."""

    out_dir: Path
    written: dict[str, Path]
    skipped: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir.resolve()),
            "plots": {name: str(path.resolve()) for name, path in self.written.items()},
            "skipped": self.skipped,
        }


def write_study_plots(
    study: Any,
    out_dir: Path,
    *,
    plot_types: Sequence[str] = (),
    params: Sequence[str] = (),
) -> StudyPlots:
    """Write ``<plot>.html`` into ``out_dir`` for each of ``plot_types`` (default: all that
    apply), showing ``params`` only where a plot takes them; a plot the study cannot draw
    (e.g. importances before two finished trials) is skipped with its reason."""
    unknown = [name for name in plot_types if name not in PLOT_TYPES]
    if unknown:
        raise InputError(
            f"--plot-type {', '.join(unknown)}: unknown; choose from {', '.join(PLOT_TYPES)}"
        )
    searched = {name for trial in study.trials for name in trial.params}
    missing = [name for name in params if name not in searched]
    if missing:
        raise InputError(
            f"--params {', '.join(missing)}: not searched by study {study.study_name!r} "
            f"(searched: {', '.join(sorted(searched)) or 'nothing'})"
        )
    written: dict[str, Path] = {}
    skipped: dict[str, str] = {}
    with _optuna_quiet():
        for name in plot_types or PLOT_TYPES:
            drawn = _write_plot(study, name, params, Path(out_dir))
            if isinstance(drawn, Path):
                written[name] = drawn
            else:
                skipped[name] = drawn
    return StudyPlots(Path(out_dir), written, skipped)


@contextlib.contextmanager
def _optuna_quiet() -> Iterator[None]:
    """Optuna's notes about small studies (one value searched, too few trials) stay quiet."""
    import optuna

    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        optuna.logging.set_verbosity(level)


def _write_plot(study: Any, name: str, params: Sequence[str], out_dir: Path) -> Path | str:
    """``<out_dir>/<name>.html``, or why the study cannot draw that plot."""
    from optuna import visualization

    plot = getattr(visualization, f"plot_{name}")
    options = {"params": list(params)} if params and name in PLOTS_WITH_PARAMS else {}
    try:
        figure = plot(study, **options)
    except (ValueError, RuntimeError, ImportError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    path = out_dir / f"{safe_name(name)}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        figure.write_html(str(tmp), include_plotlyjs="directory")
    return path
