"""The restricted unpickler admits plain containers and scalars only."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import pickle

import numpy as np
import pytest

from benchlab.data.safe_pickle import load_mapping, restricted_loads
from benchlab.errors import InputError


class Exploit:
    """Runs a shell command when unpickled by an unrestricted unpickler."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


PLAIN = {
    "price_feature": "feature_price",
    "freq": "D",
    "season_length": 7,
    "features": ["feature_a", "feature_b"],
    "scale": 1.5,
    "flags": (True, False, None),
    "ids": {1, 2, 3},
    "frozen": frozenset({"x"}),
    "raw": b"\x00\x01",
    "z": 1 + 2j,
    "ordered": collections.OrderedDict(a=1),
    "start": dt.date(2020, 1, 1),
    "stamp": dt.datetime(2020, 1, 1, 12, 30, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_plain_mapping_round_trips(tmp_path, protocol):
    path = tmp_path / "feature_mapping_train.pkl"
    path.write_bytes(pickle.dumps(PLAIN, protocol=protocol))
    assert load_mapping(path) == PLAIN


def test_json_mapping(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps({"price_feature": "feature_price"}))
    assert load_mapping(path) == {"price_feature": "feature_price"}


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "feature_mapping_train.pkl"
    path.write_bytes(pickle.dumps({"x": Exploit(f"touch {marker}")}))
    with pytest.raises(InputError) as info:
        load_mapping(path)
    assert not marker.exists()
    message = str(info.value)
    global_name = f"{os.system.__module__}.system"  # 'posix.system' on Linux
    assert message == (
        f"feature_mapping_train.pkl: refused to unpickle '{global_name}' — feature mappings may "
        "hold only plain containers and scalars"
    )


def test_numpy_array_is_refused(tmp_path):
    path = tmp_path / "mapping.pkl"
    path.write_bytes(pickle.dumps({"weights": np.arange(3)}))
    with pytest.raises(InputError, match="mapping.pkl: refused to unpickle 'numpy"):
        load_mapping(path)


def test_other_globals_are_refused():
    with pytest.raises(InputError, match="refused to unpickle 'builtins.eval'"):
        restricted_loads(b"cbuiltins\neval\n(S'1+1'\ntR.", source="m.pkl")


@pytest.mark.parametrize(
    "payload", [b"", b"garbage bytes", pickle.dumps({"a": 1})[:-3], b"\x80\x05\x95"]
)
def test_corrupted_pickle(tmp_path, payload):
    path = tmp_path / "mapping.pkl"
    path.write_bytes(payload)
    with pytest.raises(InputError, match="mapping.pkl: not a readable pickle"):
        load_mapping(path)


def test_bad_json_not_a_dict_wrong_suffix_and_missing_file(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="bad.json: not valid JSON"):
        load_mapping(tmp_path / "bad.json")
    (tmp_path / "list.pkl").write_bytes(pickle.dumps(["a", "b"]))
    with pytest.raises(InputError, match="list.pkl: a feature mapping must be a dict, got list"):
        load_mapping(tmp_path / "list.pkl")
    (tmp_path / "mapping.yaml").write_text("a: 1")
    with pytest.raises(InputError, match="must be a .json or .pkl file"):
        load_mapping(tmp_path / "mapping.yaml")
    with pytest.raises(InputError, match="absent.pkl: feature mapping file not found"):
        load_mapping(tmp_path / "absent.pkl")


def test_codecs_encode_only_rebuilds_latin1_bytes():
    payload = b"c_codecs\nencode\n(Vabc\nVrot13\ntR."
    with pytest.raises(InputError, match="'_codecs.encode' with encoding 'rot13'"):
        restricted_loads(payload, source="m.pkl")
