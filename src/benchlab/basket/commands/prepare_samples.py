"""``benchlab basket prepare-samples --project-root DIR``: stage 1, transactions → the
train/validation/test sample index files (seed 003's ``enhance_temporal_metadata``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, err, out, print_json, user_errors, wide
from benchlab.errors import InputError

_RANGE = re.compile(r"^\s*(\d+)\s*[-–:]\s*(\d+)\s*$")


def parse_weeks(text: str, option: str) -> dict[str, int]:
    """``"1-80"`` → ``{"first": 1, "last": 80}``; anything else raises naming ``option``.

    >>> parse_weeks("81–95", "--validation-weeks")
    {'first': 81, 'last': 95}
    """
    match = _RANGE.match(text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise InputError(f"{option}: {text!r} is not a week range like 1-80 (first ≤ last)")
    return {"first": int(match[1]), "last": int(match[2])}


def split_config(
    train: str | None,
    validation: str | None,
    test: str | None,
    proportional: bool | None,
    n_buckets: int | None,
    returns: str | None,
) -> Any:
    """The :class:`SplitConfig` of the options: given week ranges are taken as they are unless
    ``--proportional`` is given too."""
    from pydantic import ValidationError

    from benchlab.basket.config import SplitConfig

    values: dict[str, Any] = {}
    for name, text in (("train", train), ("validation", validation), ("test", test)):
        if text is not None:
            values[name] = parse_weeks(text, f"--{name}-weeks")
    if proportional is not None:
        values["proportional"] = proportional
    elif values:
        values["proportional"] = False
    if n_buckets is not None:
        values["n_buckets"] = n_buckets
    if returns is not None:
        values["returns"] = returns
    try:
        return SplitConfig(**values)
    except ValidationError as exc:
        raise InputError(f"splits: {exc.errors()[0]['msg']}") from None


def prepare_samples_command(
    project_root: Annotated[
        Path, typer.Option("--project-root", help="folder holding raw_data/transactions.csv")
    ] = Path("data/baskets"),
    train_weeks: Annotated[
        str | None, typer.Option(help="sequential weeks of train, e.g. 1-80 (default 1-80)")
    ] = None,
    validation_weeks: Annotated[
        str | None, typer.Option(help="sequential weeks of validation (default 81-95)")
    ] = None,
    test_weeks: Annotated[
        str | None, typer.Option(help="sequential weeks of test (default 96-117)")
    ] = None,
    proportional: Annotated[
        bool | None,
        typer.Option(
            "--proportional/--exact",
            help="cut data of another length at the ranges' fractions (default, unless week "
            "ranges are given) or take the ranges as they are",
        ),
    ] = None,
    n_buckets: Annotated[
        int | None, typer.Option(min=1, help="basket-length buckets (default 8)")
    ] = None,
    returns: Annotated[
        Literal["drop", "keep"] | None,
        typer.Option(help="rows with negative QUANTITY: drop (default) or keep"),
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Stage 1: sequential weeks, train/validation/test by week range, one row per basket
    (history length, first-time flags, length bucket) in data/prepared/*_samples.parquet."""
    from rich.table import Table

    from benchlab.basket.samples import enhance_temporal_metadata

    with user_errors():
        config = split_config(
            train_weeks, validation_weeks, test_weeks, proportional, n_buckets, returns
        )
        summary = enhance_temporal_metadata(
            project_root, config, progress=progress and err.is_terminal, console=err
        )
    table = Table(title=f"stage 1: {summary.n_weeks} weeks from {summary.source}")
    headers = (
        "split",
        "weeks",
        "YYYYWW",
        "rows",
        "baskets",
        "customers",
        "first-time",
        "anonymous",
    )
    for header in headers:
        table.add_column(
            header, justify="left" if header in ("split", "weeks", "YYYYWW") else "right"
        )
    for s in summary.splits.values():
        table.add_row(
            s.split,
            f"{s.weeks[0]}–{s.weeks[1]}",
            f"{s.raw_weeks[0]}–{s.raw_weeks[1]}",
            f"{s.rows:,}",
            f"{s.baskets:,}",
            f"{s.customers:,}",
            f"{s.first_time_customers:,}",
            f"{s.anonymous_baskets:,}",
        )
    console = wide(out)
    console.print(table)
    handled = "dropped" if summary.returns_handling == "drop" else "kept"
    lines = [
        f"returns: {summary.returns:,} rows with negative QUANTITY "
        f"({summary.returns_positive_spend:,} with positive SPEND), {handled}"
        + (
            f"; {summary.returned_baskets_dropped:,} baskets left empty"
            if summary.returned_baskets_dropped
            else ""
        ),
        "length buckets (n_products upper edges, from train): "
        + (", ".join(map(str, summary.bucket_edges)) or "one bucket"),
    ]
    if summary.unassigned_baskets:
        lines.append(f"{summary.unassigned_baskets:,} baskets in weeks outside every range")
    lines += [f"{s.split}: {s.path}" for s in summary.splits.values()]
    console.print("\n".join(lines), highlight=False, soft_wrap=True)
    if as_json:
        print_json(
            {
                "source": str(summary.source.resolve()),
                "n_weeks": summary.n_weeks,
                "proportional": summary.proportional,
                "returns": summary.returns,
                "returns_handling": summary.returns_handling,
                "bucket_edges": summary.bucket_edges,
                "unassigned_baskets": summary.unassigned_baskets,
                "splits": {
                    s.split: {
                        "weeks": list(s.weeks),
                        "raw_weeks": list(s.raw_weeks),
                        "rows": s.rows,
                        "baskets": s.baskets,
                        "customers": s.customers,
                        "first_time_customers": s.first_time_customers,
                        "anonymous_baskets": s.anonymous_baskets,
                        "path": str(s.path.resolve()),
                    }
                    for s in summary.splits.values()
                },
            }
        )
