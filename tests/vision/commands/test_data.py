"""`benchlab data digits` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def test_data_digits_writes_then_leaves_then_refuses(tmp_path: Path) -> None:
    out = tmp_path / "digits"
    result = runner.invoke(app, ["data", "digits", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 1,797 images of 10 classes" in result.stdout
    assert len(list(out.glob("raw/*/*.png"))) == 1797
    again = runner.invoke(app, ["data", "digits", "--out", str(out)])
    assert again.exit_code == 0 and "nothing written" in again.stdout
    refused = runner.invoke(app, ["data", "digits", "--out", str(out), "--seed", "1"])
    assert refused.exit_code == 2
    assert refused.output.count("error:") == 1 and str(out) in refused.output
    assert "Traceback" not in refused.output
    forced = runner.invoke(app, ["data", "digits", "--out", str(out), "--seed", "1", "--force"])
    assert forced.exit_code == 0 and "wrote" in forced.stdout
