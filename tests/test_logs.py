"""Console and per-run file logging through the ``benchlab`` logger."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchlab.logs import LOGGER, console_handler, get_logger, log_to_file


@pytest.fixture()
def clean_logger() -> Iterator[logging.Logger]:
    """The ``benchlab`` logger, restored to its handlers and level after the test."""
    logger = logging.getLogger(LOGGER)
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for handler in list(logger.handlers):
        if handler not in handlers:
            logger.removeHandler(handler)
    logger.setLevel(level)


def test_get_logger_is_a_child_of_benchlab() -> None:
    assert get_logger("x").name == "benchlab.x"
    assert get_logger("x").parent is logging.getLogger(LOGGER)
    assert get_logger("benchlab.tracking").name == "benchlab.tracking"


def test_log_to_file_writes_then_detaches(tmp_path: Path, clean_logger: logging.Logger) -> None:
    target = tmp_path / "deep" / "run" / "run.log"
    log = get_logger("x")
    before = len(clean_logger.handlers)
    with log_to_file(target) as path:
        assert path == target
        log.debug("debug inside")
        log.info("inside the block")
    log.warning("after the block")
    assert len(clean_logger.handlers) == before
    lines = target.read_text().splitlines()
    assert len(lines) == 2
    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} DEBUG +benchlab\.x: debug inside$", lines[0]
    )
    assert lines[1].endswith("INFO     benchlab.x: inside the block")


def test_log_to_file_respects_its_level(tmp_path: Path, clean_logger: logging.Logger) -> None:
    with log_to_file(tmp_path / "run.log", level=logging.WARNING):
        get_logger("x").info("too quiet")
        get_logger("x").warning("loud enough")
    assert "too quiet" not in (text := (tmp_path / "run.log").read_text())
    assert "loud enough" in text


def test_log_to_file_detaches_on_error(tmp_path: Path, clean_logger: logging.Logger) -> None:
    before = list(clean_logger.handlers)
    with pytest.raises(RuntimeError), log_to_file(tmp_path / "run.log"):
        raise RuntimeError("boom")
    assert clean_logger.handlers == before


def test_console_handler_is_attached_once(clean_logger: logging.Logger) -> None:
    first = console_handler()
    second = console_handler()
    assert first is second
    assert clean_logger.handlers.count(first) == 1
    assert first.level == logging.INFO
    assert clean_logger.isEnabledFor(logging.INFO)
