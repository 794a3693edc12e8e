"""Plain data out of configs and results: what YAML, JSON and MLflow params can hold.

>>> import datetime as dt, enum, pathlib
>>> class Strategy(enum.Enum):
...     COMBINED = "combined"
>>> plain_data({"out": pathlib.Path("runs/a"), "when": dt.date(2020, 1, 2),
...             "strategy": [Strategy.COMBINED], 3: (1, 2.5, None)})
{'out': 'runs/a', 'when': '2020-01-02', 'strategy': ['combined'], '3': [1, 2.5, None]}

>>> jsonable({"rmsse": float("nan"), "mae": 0.5})
{'rmsse': None, 'mae': 0.5}
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from enum import Enum
from pathlib import PurePath
from typing import Any

__all__ = ["jsonable", "plain_data"]


def jsonable(value: Any) -> Any:
    """:func:`plain_data` that is also strict JSON: NaN and infinite floats become ``None``."""
    return plain_data(value, finite=True)


def plain_data(value: Any, *, finite: bool = False) -> Any:
    """``value`` as dicts (string keys), lists, strings, numbers, booleans and None.

    Pydantic models are dumped in JSON mode, enums give their value, paths their POSIX form,
    dates ``str(date)``, NumPy scalars the Python number; anything else its ``str``. With
    ``finite``, NaN and infinite floats become ``None``.
    """
    if value is None:
        return None
    if isinstance(value, Enum):
        return plain_data(value.value, finite=finite)
    for kind in (bool, int, float, str):  # subclasses too (np.float64, StrEnum) as the base type
        if isinstance(value, kind):
            if kind is float and finite and not math.isfinite(value):
                return None
            return kind(value)
    if isinstance(value, Mapping):
        return {str(k): plain_data(v, finite=finite) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain_data(v, finite=finite) for v in value]
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, dt.date | dt.time):
        return str(value)
    dump = getattr(value, "model_dump", None)  # a pydantic model
    if callable(dump):
        return plain_data(dump(mode="json"), finite=finite)
    item = getattr(value, "item", None)  # a NumPy scalar
    if callable(item) and getattr(value, "shape", None) == ():
        return plain_data(item(), finite=finite)
    return str(value)
