"""Feature mappings from JSON or from pickles read through a restricted unpickler.

Seed 000 ships its feature mapping as a pickle. A pickle can run any code while it loads, so
benchlab reads pickles only through :class:`RestrictedUnpickler`, which admits plain containers
and scalars and refuses every other global (``os.system``, NumPy arrays, classes …).
"""

from __future__ import annotations

import _compat_pickle
import io
import json
import pickle
from pathlib import Path
from typing import Any

from benchlab.data.validation import source_name
from benchlab.errors import InputError

#: (module, name) pairs a feature-mapping pickle may reference.
ALLOWED_GLOBALS = frozenset(
    {
        ("builtins", name)
        for name in (
            "dict",
            "list",
            "tuple",
            "set",
            "frozenset",
            "str",
            "bytes",
            "bytearray",
            "int",
            "float",
            "bool",
            "complex",
            "NoneType",
        )
    }
    | {
        ("collections", "OrderedDict"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
    }
)

JSON_SUFFIXES = (".json",)
PICKLE_SUFFIXES = (".pkl", ".pickle")


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals in :data:`ALLOWED_GLOBALS`."""

    def __init__(self, file: io.BufferedIOBase, *, source: str = "pickle") -> None:
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        # Protocols 0-2 write Python 2 names ('__builtin__.set'); map them as pickle does.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        if (module, name) == ("_codecs", "encode"):
            return self._encode_bytes
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise InputError(
            f"{self.source}: refused to unpickle '{module}.{name}' — feature mappings may hold "
            "only plain containers and scalars"
        )

    def _encode_bytes(self, text: str, encoding: str = "utf-8") -> bytes:
        """How protocols 0-2 rebuild ``bytes``: ``_codecs.encode(text, 'latin1')`` only."""
        if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
            raise InputError(
                f"{self.source}: refused to unpickle '_codecs.encode' with encoding {encoding!r}"
            )
        return text.encode("latin1")

    def persistent_load(self, pid: Any) -> Any:
        raise InputError(f"{self.source}: refused to unpickle a persistent id ({pid!r})")


def restricted_loads(data: bytes, *, source: str = "pickle") -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`; any failure is an InputError."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), source=source).load()
    except InputError:
        raise
    except Exception as exc:  # a corrupted pickle fails in many ways
        raise InputError(f"{source}: not a readable pickle ({type(exc).__name__}: {exc})") from exc


def load_mapping(path: str | Path) -> dict:
    """Read a feature mapping (a dict) from a ``.json`` or ``.pkl`` file."""
    path = Path(path)
    source = source_name(path)
    suffix = path.suffix.lower()
    if suffix not in JSON_SUFFIXES + PICKLE_SUFFIXES:
        raise InputError(
            f"{source}: a feature mapping must be a .json or .pkl file, not '{path.suffix}'"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{source}: feature mapping file not found ({path})") from exc
    except OSError as exc:
        raise InputError(f"{source}: cannot read the feature mapping ({exc})") from exc
    if suffix in JSON_SUFFIXES:
        try:
            mapping = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{source}: not valid JSON ({exc})") from exc
    else:
        mapping = restricted_loads(data, source=source)
    if not isinstance(mapping, dict):
        raise InputError(
            f"{source}: a feature mapping must be a dict, got {type(mapping).__name__}"
        )
    return mapping
