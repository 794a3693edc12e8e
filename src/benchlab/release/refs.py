"""Release names, semantic versions and ``name@version`` references.

>>> ReleaseRef.parse("demand-eu@1.2.0")
ReleaseRef(name='demand-eu', version='1.2.0')
>>> ReleaseRef.parse("demand-eu").version
'latest'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import semver

from benchlab.errors import InputError

LATEST = "latest"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def check_name(name: str) -> str:
    """A release name is one safe path component: letters, digits, ``_ . -``, no ``..``."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise InputError(
            f"release name {name!r} is not allowed: use letters, digits, '_', '.' and '-' "
            "(starting with a letter or digit, no '..' and no '/')"
        )
    return name


def check_version(version: str) -> semver.Version:
    """A release version is a semantic version (``MAJOR.MINOR.PATCH[-pre][+build]``)."""
    try:
        return semver.Version.parse(str(version))
    except (ValueError, TypeError):
        raise InputError(
            f"release version {version!r} is not a semantic version such as 1.2.0"
        ) from None


@dataclass(frozen=True)
class ReleaseRef:
    """``name@version``; the version may be ``latest`` (the highest one released)."""

    name: str
    version: str = LATEST

    @classmethod
    def parse(cls, text: str) -> ReleaseRef:
        name, _, version = str(text).partition("@")
        check_name(name)
        version = version or LATEST
        if version != LATEST:
            check_version(version)
        return cls(name, version)

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


def highest(versions: list[str]) -> str | None:
    """The highest semantic version of ``versions`` (``None`` when empty).

    >>> highest(["1.2.0", "1.10.0", "1.9.3"])
    '1.10.0'
    """
    parsed = [semver.Version.parse(v) for v in versions]
    return str(max(parsed)) if parsed else None
