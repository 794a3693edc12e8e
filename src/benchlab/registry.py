"""A registry of named factories, as in timm's ``register_model``/``create_model``.

Example
-------
>>> reg = Registry("forecast model")
>>> from types import SimpleNamespace
>>> @reg.register
... class Naive:
...     info = SimpleNamespace(name="naive")
>>> reg.list_available_types()
['naive']
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from benchlab.errors import InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a unique name to a class; a duplicate name raises instead of overwriting.

    ``discover`` names modules imported on first lookup, so registration happens by decorator
    in each model's own module without a hand-kept list in the registry.
    """

    def __init__(self, kind: str, discover: Iterable[str] = ()) -> None:
        self.kind = kind
        self._entries: dict[str, type[T]] = {}
        self._discover = tuple(discover)
        self._discovered = False

    def register(self, cls: type[T]) -> type[T]:
        name = cls.info.name  # type: ignore[attr-defined]
        if name in self._entries and self._entries[name] is not cls:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = cls
        return cls

    def _ensure_discovered(self) -> None:
        if not self._discovered:
            self._discovered = True
            for module in self._discover:
                importlib.import_module(module)

    def list_available_types(self) -> list[str]:
        self._ensure_discovered()
        return sorted(self._entries)

    def get(self, name: str) -> type[T]:
        self._ensure_discovered()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries))
            raise InputError(f"unknown {self.kind} {name!r}; available: {known}") from None

    def create(self, name: str, **params: Any) -> T:
        return self.get(name)(**params)

    def items(self) -> list[tuple[str, type[T]]]:
        self._ensure_discovered()
        return sorted(self._entries.items())

    def __contains__(self, name: object) -> bool:
        self._ensure_discovered()
        return name in self._entries
