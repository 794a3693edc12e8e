from __future__ import annotations

import pytest

from benchlab.errors import InputError
from benchlab.release.refs import ReleaseRef, check_name, check_version, highest


def test_parse_name_and_version() -> None:
    assert ReleaseRef.parse("demand-eu@1.2.0") == ReleaseRef("demand-eu", "1.2.0")
    assert ReleaseRef.parse("demand-eu@latest").version == "latest"
    assert str(ReleaseRef.parse("demand_eu.v2")) == "demand_eu.v2@latest"


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", "", "x..y", "a\\b", "-x"])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="not allowed"):
        check_name(name)


@pytest.mark.parametrize("version", ["1.2", "v1.2.0", "1.2.0/../../x", "latest-ish", ""])
def test_non_semantic_versions_are_refused(version: str) -> None:
    with pytest.raises(InputError, match="semantic version"):
        check_version(version)


def test_highest_compares_semantically_not_as_text() -> None:
    assert highest(["1.2.0", "1.10.0", "1.9.3", "1.10.0-rc.1"]) == "1.10.0"
    assert highest([]) is None
