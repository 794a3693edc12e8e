"""Optional extras: a missing one stops with the pip install to run, nothing else is hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.extras import MissingExtraError, require, require_installed


def test_require_imports_an_installed_module() -> None:
    assert require("json.decoder", "forecast").__name__ == "json.decoder"


def test_a_missing_module_names_the_extra_and_its_pip_install() -> None:
    with pytest.raises(MissingExtraError) as caught:
        require("benchlab_no_such_library", "vision", what="image classification")
    assert str(caught.value) == (
        "image classification needs the 'vision' extra: pip install 'benchlab[vision]' "
        "(no module named 'benchlab_no_such_library')"
    )
    with pytest.raises(MissingExtraError, match=r"json\.no_such_part needs the 'text' extra"):
        require("json.no_such_part", "text")


def test_a_broken_install_is_not_mistaken_for_a_missing_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed module whose own import fails raises as it did."""
    (tmp_path / "half_installed_lib.py").write_text("import benchlab_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="benchlab_missing_dependency"):
        require("half_installed_lib", "forecast")


def test_require_installed_checks_without_importing() -> None:
    require_installed(["json", "polars"], "forecast", what="the forecast task")
    with pytest.raises(MissingExtraError, match=r"the forecast task needs the 'forecast' extra"):
        require_installed(
            ["json", "benchlab_no_such_library"], "forecast", what="the forecast task"
        )
