"""``torch_session``: threads, seeding, and the process left as it was found."""

from __future__ import annotations

import logging
import os
import random

import numpy as np
import pytest
import torch

from benchlab import parallel
from benchlab.neural import kept_process_state, quiet_lightning, torch_session, uses_gpu


def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _draws() -> tuple[float, float, float]:
    return random.random(), float(np.random.random()), torch.rand(1).item()


def test_the_session_sets_threads_and_seeds_then_restores_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PL_GLOBAL_SEED", raising=False)
    threads = torch.get_num_threads()
    level = logging.getLogger("lightning.pytorch").level
    _seed_all(5)
    expected = _draws()
    _seed_all(5)
    with torch_session(n_threads=2, seed=11):
        assert torch.get_num_threads() == 2
        assert os.environ["PL_GLOBAL_SEED"] == "11"
        assert logging.getLogger("lightning.pytorch").level == logging.WARNING
        seeded = _draws()
        torch.use_deterministic_algorithms(True)
    assert _draws() == expected
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()
    assert "PL_GLOBAL_SEED" not in os.environ
    assert logging.getLogger("lightning.pytorch").level == level
    with torch_session(n_threads=1, seed=11):
        assert _draws() == seeded  # the same seed draws the same numbers


def test_negative_threads_count_from_the_available_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cores", lambda: 3)
    with torch_session(n_threads=-2):
        assert torch.get_num_threads() == 2


def test_state_is_restored_when_the_body_raises() -> None:
    threads = torch.get_num_threads()
    state = torch.random.get_rng_state()
    with pytest.raises(ValueError, match="boom"), kept_process_state():
        torch.set_num_threads(1 if threads > 1 else 2)
        torch.rand(3)
        raise ValueError("boom")
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), state)


def test_quiet_lightning_restores_log_levels() -> None:
    logger = logging.getLogger("lightning.pytorch")
    before = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with quiet_lightning():
            assert logger.level == logging.WARNING
        assert logger.level == logging.DEBUG
    finally:
        logger.setLevel(before)


def test_uses_gpu_follows_the_accelerator(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not uses_gpu("cpu")
    assert uses_gpu("cuda") and uses_gpu("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert uses_gpu("auto")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert not uses_gpu("auto")


def test_importing_the_harness_imports_neither_torch_nor_lightning() -> None:
    import subprocess
    import sys

    code = (
        "import sys, benchlab.neural; "
        "print(sorted(m for m in ('torch', 'lightning') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_torch_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from benchlab.extras import MissingExtraError

    monkeypatch.setitem(sys.modules, "torch", None)  # as if not installed
    expected = r"pip install 'benchlab\[neural\]'"
    with pytest.raises(MissingExtraError, match=expected), torch_session():
        pass
