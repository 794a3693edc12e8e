"""plain_data: configs and results as the plain values YAML, JSON and MLflow accept."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum, StrEnum
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel

from benchlab.plain import plain_data


class Strategy(StrEnum):
    COMBINED = "combined"


class Level(Enum):
    HIGH = 3


class Model(BaseModel):
    type: str
    out: Path
    alphas: tuple[float, ...] = (0.1, 0.9)


def test_plain_data_of_a_nested_config() -> None:
    value = {
        "models": [Model(type="lightgbm", out=Path("runs/m"))],
        "strategy": [Strategy.COMBINED],
        "level": Level.HIGH,
        "split": dt.date(2020, 4, 1),
        "stamp": dt.datetime(2020, 4, 1, 12, 30),
        "n": np.int64(5),
        "x": np.float32(0.5),
        "y": np.float64(0.25),
        "flag": np.bool_(True),
        "ids": frozenset({7}),
        1: None,
        "other": object.__new__(type("Opaque", (), {"__str__": lambda self: "opaque"})),
    }
    plain = plain_data(value)
    assert plain == {
        "models": [{"type": "lightgbm", "out": "runs/m", "alphas": [0.1, 0.9]}],
        "strategy": ["combined"],
        "level": 3,
        "split": "2020-04-01",
        "stamp": "2020-04-01 12:30:00",
        "n": 5,
        "x": 0.5,
        "y": 0.25,
        "flag": True,
        "ids": [7],
        "1": None,
        "other": "opaque",
    }
    assert [type(plain[k]) for k in ("n", "x", "y", "flag")] == [int, float, float, bool]
    assert type(plain["strategy"][0]) is str
    assert yaml.safe_load(yaml.safe_dump(plain)) == plain
    assert json.loads(json.dumps(plain)) == plain
