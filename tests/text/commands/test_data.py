"""`benchlab data tweets` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from benchlab.cli import app

runner = CliRunner()


def test_data_tweets_writes_parquet_and_says_what_it_dropped(tmp_path: Path) -> None:
    out = tmp_path / "tweets"
    result = runner.invoke(app, ["data", "tweets", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = pl.read_parquet(out / "tweets.parquet")
    assert f"wrote {written.height:,} rows" in result.stdout
    assert "read 38,158 rows" in result.stdout
    assert "duplicate" in result.stdout and "conflicting sentiment" in result.stdout


def test_data_tweets_bad_source_is_one_message(tmp_path: Path) -> None:
    source = tmp_path / "other.csv"
    source.write_text("a,b\n1,2\n")
    result = runner.invoke(
        app, ["data", "tweets", "--out", str(tmp_path / "t"), "--source", str(source)]
    )
    assert result.exit_code == 2
    assert result.output.count("error:") == 1 and "other.csv" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "t" / "tweets.parquet").exists()
