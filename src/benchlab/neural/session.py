"""A torch session that leaves the process as it found it.

Training changes process-wide state: torch's thread count, its deterministic mode, the global
random generators of Python, NumPy and torch, the ``PL_*`` seed variables Lightning exports and
Lightning's log levels. :func:`torch_session` sets what a fit needs and puts all of it back, so a
model fitted inside a larger program (a benchmark, a test, a notebook) changes nothing around it.
"""

from __future__ import annotations

import logging
import os
import random
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import numpy as np

from benchlab.extras import require
from benchlab.parallel import resolve_n_jobs

LIGHTNING_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric", "lightning_utilities")
_SEED_VARIABLES = ("PL_GLOBAL_SEED", "PL_SEED_WORKERS")


def require_neural(module: str = "torch") -> ModuleType:
    """``torch`` or ``lightning``, or one error naming ``pip install 'benchlab[neural]'``."""
    return require(module, "neural", what="neural training (PyTorch and Lightning)")


def uses_gpu(accelerator: str) -> bool:
    """Whether Lightning will train on a GPU (CUDA or Apple MPS) for this ``accelerator``.

    >>> uses_gpu("cpu"), uses_gpu("cuda")
    (False, True)
    """
    if accelerator == "cpu":
        return False
    if accelerator in ("cuda", "mps", "gpu"):
        return True
    torch = require_neural()
    mps = getattr(torch.backends, "mps", None)
    return torch.cuda.is_available() or bool(mps and mps.is_available())


@contextmanager
def torch_session(n_threads: int = 1, seed: int | None = None) -> Iterator[None]:
    """Run torch with ``n_threads`` threads (joblib style: ``-1`` every core), Lightning quiet
    and, with ``seed``, every generator seeded (``lightning.seed_everything``, workers too);
    afterwards restore threads, deterministic mode, random states, seed variables and log levels.

    Build the module inside the session when its initial weights should follow ``seed``.
    """
    torch = require_neural()
    if seed is not None:  # importing Lightning sets its log level, which quiet_lightning lowers
        lightning = require_neural("lightning")

    with kept_process_state(), quiet_lightning():
        torch.set_num_threads(resolve_n_jobs(n_threads))
        if seed is not None:
            lightning.seed_everything(seed, workers=True, verbose=False)
        yield


@contextmanager
def kept_process_state() -> Iterator[None]:
    """Restore what training changes process-wide: threads, deterministic mode, the random
    states of Python, NumPy and torch, and the seed variables Lightning exports."""
    torch = require_neural()
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    states = (random.getstate(), np.random.get_state(), torch.random.get_rng_state())
    env = {key: os.environ.get(key) for key in _SEED_VARIABLES}
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.random.set_rng_state(states[2])
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def quiet_lightning() -> Iterator[None]:
    """No "GPU available" banners or tips (info logs) and no Lightning advice warnings."""
    loggers = [logging.getLogger(name) for name in LIGHTNING_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"lightning(\.|$)")
            warnings.filterwarnings("ignore", message=r".*(num_workers|log_every_n_steps).*")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
