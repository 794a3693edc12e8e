"""The public names of ``benchlab`` (seed 000's API), imported on first use (PEP 562)."""

from __future__ import annotations

import pytest

import benchlab


def test_every_public_name_resolves_and_is_then_kept() -> None:
    assert set(benchlab.__all__) <= set(dir(benchlab))
    for name in benchlab.__all__:
        value = getattr(benchlab, name)
        assert vars(benchlab)[name] is value, name
    from benchlab import ModelingStrategy, model_registry

    assert "xgboost_quantile" in model_registry.list_available_types()
    assert ModelingStrategy.INDIVIDUAL.value == "individual"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        benchlab.NoSuchThing  # noqa: B018
    with pytest.raises(ImportError):
        from benchlab import NoSuchThing  # noqa: F401
