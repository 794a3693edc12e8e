"""``benchlab predict REF --text …``: the shared predict verb hands texts to any task's release
adapter as an input file with one ``text`` column; without ``--out`` it prints the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.release import ComprehensiveReleaseManager
from benchlab.tasks import TaskSpec
from tests.release.test_adapter import ReleasedToy, ToyReleases, _toy_run

runner = CliRunner()
SEEN: list[pl.DataFrame] = []


class TextToyReleases(ToyReleases):
    """Predicts the length of each text, as a text task's adapter would predict its label."""

    def predict_file(self, release: Any, input_path: Path, out_path: Path) -> pl.DataFrame:
        given = pl.read_parquet(input_path)
        SEEN.append(given)
        frame = given.with_columns(pl.col("text").str.len_chars().alias("length"))
        frame.write_parquet(out_path)
        return frame


class TextToy(ReleasedToy):
    def release_adapter(self) -> TextToyReleases:
        return TextToyReleases()


TEXT_TOY = TaskSpec(name="toy", summary="toy that reads texts", task=f"{__name__}:TextToy")


def test_texts_reach_the_adapter_and_come_back(register_task, tmp_path: Path) -> None:
    register_task("toy", f"{__name__}:TEXT_TOY")
    releases = tmp_path / "releases"
    ComprehensiveReleaseManager(releases).create(_toy_run(tmp_path), "lengths", "1.0.0")
    SEEN.clear()

    out = tmp_path / "lengths.parquet"
    args = ["predict", "lengths@1.0.0", "--releases-dir", str(releases)]
    result = runner.invoke(
        app, [*args, "--text", "héllo, world", "--text", "ab", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 predictions from lengths@1.0.0" in result.output
    assert SEEN[0].columns == ["text"] and SEEN[0]["text"].to_list() == ["héllo, world", "ab"]
    assert pl.read_parquet(out)["length"].to_list() == [12, 2]

    printed = runner.invoke(app, [*args, "--text", "four"])
    assert printed.exit_code == 0, printed.output
    assert "four" in printed.output and "length" in printed.output and "4" in printed.output


def test_predict_needs_one_input(register_task, tmp_path: Path) -> None:
    register_task("toy", f"{__name__}:TEXT_TOY")
    releases = tmp_path / "releases"
    ComprehensiveReleaseManager(releases).create(_toy_run(tmp_path), "lengths", "1.0.0")
    args = ["predict", "lengths@1.0.0", "--releases-dir", str(releases)]
    for extra, message in (
        ([], "give --input FILE"),
        (["--input", "x.csv", "--text", "a"], "not both"),
        (["--input", "x.csv"], "--out is required with --input"),
    ):
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 2, result.output
        assert message in result.output and result.output.count("error:") == 1
