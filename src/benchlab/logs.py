"""Logging: Rich on the console (stderr, shared with the progress bars) and a file per run.

Everything benchlab logs goes through children of the ``benchlab`` logger.

>>> log = get_logger("runner")
>>> log.name
'benchlab.runner'
>>> with log_to_file(Path("runs/x/run.log")):  # doctest: +SKIP
...     log.info("written to the file")
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.logging import RichHandler

from benchlab.parallel import stderr_console

LOGGER = "benchlab"
FILE_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class _ConsoleHandler(RichHandler):
    """The one console handler benchlab attaches (recognised by its type)."""


def get_logger(name: str) -> logging.Logger:
    """The logger ``benchlab.<name>`` (``name`` may already start with ``benchlab``)."""
    logging.getLogger(LOGGER)  # exists first, so the child's parent is set right away
    if name == LOGGER or name.startswith(f"{LOGGER}."):
        return logging.getLogger(name)
    return logging.getLogger(f"{LOGGER}.{name}")


def _raise_level(logger: logging.Logger, level: int) -> None:
    """Let records of ``level`` through ``logger`` (lower its level only if needed)."""
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)


def console_handler(level: int = logging.INFO) -> logging.Handler:
    """Attach (once) a Rich handler on stderr to the ``benchlab`` logger and return it."""
    logger = logging.getLogger(LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, _ConsoleHandler)), None)
    if handler is None:
        handler = _ConsoleHandler(
            console=stderr_console, show_path=False, markup=False, rich_tracebacks=True
        )
        logger.addHandler(handler)
    handler.setLevel(level)
    _raise_level(logger, level)
    return handler


@contextmanager
def log_to_file(path: Path, level: int = logging.DEBUG) -> Iterator[Path]:
    """Copy ``benchlab`` log records of ``level`` and above to ``path`` while inside the block.

    Lines are timestamped; parent folders are created; the handler is removed afterwards.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    logger = logging.getLogger(LOGGER)
    previous_level = logger.level
    _raise_level(logger, level)
    logger.addHandler(handler)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(previous_level)
        for other in logger.handlers:  # a console handler attached inside the block
            if isinstance(other, _ConsoleHandler):
                _raise_level(logger, other.level)
