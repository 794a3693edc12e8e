"""Optional dependencies: one clear message naming the ``pip install`` a missing extra needs.

The engine installs with a few light packages; each task's heavy libraries come with an extra
(``benchlab[forecast]``, ``[vision]``, ``[text]``, …, see ``pyproject.toml``). Code that needs
one asks for it where it first imports it:

>>> require("json", "forecast").__name__
'json'
>>> require("no_such_module_xyz", "forecast", what="the forecast task")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
benchlab.extras.MissingExtraError: the forecast task needs the 'forecast' extra: pip install ...
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from types import ModuleType

from benchlab.errors import InputError


class MissingExtraError(InputError):
    """A module that an optional extra installs is not there."""


def install_hint(extra: str) -> str:
    """The command that installs ``extra``.

    >>> install_hint("vision")
    "pip install 'benchlab[vision]'"
    """
    return f"pip install 'benchlab[{extra}]'"


def missing_extra(extra: str, what: str, module: str) -> MissingExtraError:
    """The error saying that ``what`` needs ``extra`` because ``module`` is missing."""
    return MissingExtraError(
        f"{what} needs the '{extra}' extra: {install_hint(extra)} (no module named {module!r})"
    )


def require(module: str, extra: str, *, what: str | None = None) -> ModuleType:
    """Import ``module``; when it (or its top-level package) is not installed, raise
    :class:`MissingExtraError` naming ``extra``. A module that is there but fails to import
    for another reason raises as it did."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (module == exc.name or module.startswith(f"{exc.name}.")):
            raise
        raise missing_extra(extra, what or module, module) from exc


def require_installed(modules: Iterable[str], extra: str, *, what: str) -> None:
    """Check, without importing them, that the top-level ``modules`` are installed.

    For the first point where a task is loaded: it fails at once, naming the extra, instead
    of deep inside a run when the first model is built.

    >>> require_installed(["json", "polars"], "forecast", what="the forecast task")
    """
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise missing_extra(extra, what, module)
