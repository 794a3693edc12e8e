"""Stage 1 (seed 003's ``enhance_temporal_metadata``): transactions → one row per basket in
``data/prepared/{train,validation,test}_samples.parquet``.

* ``SHOP_WEEK`` (ISO ``YYYYWW``) becomes ``shop_week`` 1, 2, … counted in the calendar
  (200652 → 200701 is one step; a week without data leaves a gap).
* Weeks go to the splits by range (:class:`~benchlab.basket.config.SplitConfig`, seed default
  1–80, 81–95, 96–117). With ``proportional`` (default) data of another length ``W`` is cut at
  the same fractions of the last configured week ``T`` (117): a range ``a–b`` becomes
  ``round((a-1)·W/T)+1 – round(b·W/T)`` (halves rounded up); 20 weeks give 1–14, 15–16, 17–20.
  Without it the ranges are taken as they are and weeks outside them are left out.
* ``history_length``: that customer's baskets in earlier weeks (never the same or a later
  week); ``is_first_time_customer``: in train ``history_length == 0``, in validation and test
  the customer has no basket in an earlier split; anonymous baskets have history 0 and count as
  first-time (nothing is known of them).
* ``bucket_id``: the basket's ``n_products`` (distinct products) against the quantile edges of
  the training split's ``n_products`` (``n_buckets`` quantiles; repeated edges merge).
* Returns (rows with negative ``QUANTITY``): counted and named in a warning, then dropped (the
  default; a basket left empty goes with them) or kept (``splits.returns``).

Everything is read from ``raw_data/transactions.parquet`` with Polars' streaming engine; the
three files are written together (all or none).
"""

from __future__ import annotations

import json
import math
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.basket.config import SplitConfig
from benchlab.basket.layout import SPLITS, ProjectLayout
from benchlab.basket.schema import (
    COLUMNS,
    check_required,
    read_transactions,
    sequential_weeks,
    show_values,
)
from benchlab.errors import InputError
from benchlab.logs import get_logger

log = get_logger("basket.samples")

#: Transaction rows aggregated at a time (whole weeks; bounds stage 1's memory).
CHUNK_ROWS = 2_000_000

#: Stage 1's decisions beside the samples files (read by :func:`sample_transactions`).
INFO_FILE = "samples_info.json"

#: The samples files' columns and dtypes (one row per basket).
SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "basket_id": pl.Int64(),
    "customer_id": pl.String(),
    "store_id": pl.String(),
    "shop_week": pl.Int32(),
    "shop_week_raw": pl.Int32(),
    "day": pl.Date(),
    "shop_weekday": pl.Int8(),
    "shop_hour": pl.Int8(),
    "n_products": pl.Int16(),
    "history_length": pl.Int32(),
    "is_first_time_customer": pl.Boolean(),
    "bucket_id": pl.Int8(),
    "total_spend": pl.Float64(),
    "total_quantity": pl.Int32(),
    "basket_size": pl.String(),
    "basket_price_sensitivity": pl.String(),
    "basket_type": pl.String(),
    "basket_dominant_mission": pl.String(),
    "cust_price_sensitivity": pl.String(),
    "cust_lifestage": pl.String(),
    "store_format": pl.String(),
    "store_region": pl.String(),
}

# basket-level transaction columns → sample columns (taken once per basket)
_BASKET_TEXT = {
    "CUST_CODE": "customer_id",
    "STORE_CODE": "store_id",
    "BASKET_SIZE": "basket_size",
    "BASKET_PRICE_SENSITIVITY": "basket_price_sensitivity",
    "BASKET_TYPE": "basket_type",
    "BASKET_DOMINANT_MISSION": "basket_dominant_mission",
    "CUST_PRICE_SENSITIVITY": "cust_price_sensitivity",
    "CUST_LIFESTAGE": "cust_lifestage",
    "STORE_FORMAT": "store_format",
    "STORE_REGION": "store_region",
}


@dataclass(frozen=True)
class SplitSummary:
    """One split's samples file and what it holds."""

    split: str
    weeks: tuple[int, int]  # sequential weeks of the range
    raw_weeks: tuple[int, int]  # first and last YYYYWW with data
    rows: int  # transaction rows of its baskets
    baskets: int
    customers: int
    first_time_customers: int
    anonymous_baskets: int
    path: Path


@dataclass(frozen=True)
class SampleSummary:
    """What stage 1 read and wrote."""

    source: Path
    n_weeks: int
    proportional: bool
    splits: dict[str, SplitSummary]
    returns: int  # rows with negative QUANTITY
    returns_positive_spend: int
    returns_handling: str
    returned_baskets_dropped: int  # baskets left empty once returns were dropped
    unassigned_baskets: int  # baskets in weeks outside every range
    bucket_edges: list[int] = field(default_factory=list)


def _round(x: float) -> int:
    return math.floor(x + 0.5)


def split_ranges(config: SplitConfig, n_weeks: int) -> dict[str, tuple[int, int]]:
    """Each split's sequential week range for data of ``n_weeks`` weeks (see the module doc).

    >>> split_ranges(SplitConfig(), 20)
    {'train': (1, 14), 'validation': (15, 16), 'test': (17, 20)}
    >>> split_ranges(SplitConfig(), 117)["validation"]
    (81, 95)
    """
    ranges = {split: getattr(config, split) for split in SPLITS}
    bounds = {split: (r.first, r.last) for split, r in ranges.items()}
    for before, after in zip(SPLITS, SPLITS[1:], strict=False):
        if bounds[before][1] >= bounds[after][0]:
            raise InputError(
                f"splits: {before} weeks {bounds[before][0]}–{bounds[before][1]} must end before "
                f"{after} weeks {bounds[after][0]}–{bounds[after][1]} begin"
            )
    total = bounds["test"][1]
    if not config.proportional or n_weeks == total:
        return bounds
    scale = n_weeks / total
    return {s: (_round((a - 1) * scale) + 1, _round(b * scale)) for s, (a, b) in bounds.items()}


def _returns(frame: pl.LazyFrame, source: Path, handling: str) -> tuple[int, int]:
    """Count the rows with negative QUANTITY and warn naming them."""
    stats = (
        frame.filter(pl.col("QUANTITY") < 0)
        .select(
            pl.len().alias("n"),
            (pl.col("SPEND") > 0).sum().alias("positive"),
            pl.col("BASKET_ID").unique(maintain_order=True).head(6).implode().alias("ids"),
        )
        .collect(engine="streaming")
    )
    n, positive = int(stats["n"][0]), int(stats["positive"][0])
    if n:
        log.warning(
            "%s: column QUANTITY has %s negative values (returns, %s with positive SPEND) in "
            "BASKET_ID %s: %s (splits.returns=%s)",
            source,
            f"{n:,}",
            f"{positive:,}",
            show_values(stats["ids"][0].to_list()),
            "dropped" if handling == "drop" else "kept",
            handling,
        )
    return n, positive


def week_chunks(counts: pl.DataFrame, max_rows: int) -> list[tuple[int, int]]:
    """Consecutive ``SHOP_WEEK`` spans holding at most ``max_rows`` rows each (a week larger
    than that is a span of its own); ``counts`` has ``SHOP_WEEK`` and ``len``.

    >>> week_chunks(pl.DataFrame({"SHOP_WEEK": [3, 1, 2], "len": [5, 4, 4]}), 8)
    [(1, 2), (3, 3)]
    """
    spans: list[tuple[int, int]] = []
    total = 0
    for week, n in counts.sort("SHOP_WEEK").select("SHOP_WEEK", "len").rows():
        if spans and total + n <= max_rows:
            spans[-1] = (spans[-1][0], week)
            total += n
        else:
            spans.append((week, week))
            total = n
    return spans


def _baskets(
    frame: pl.LazyFrame, source: Path, spans: list[tuple[int, int]] | None = None
) -> pl.DataFrame:
    """One row per basket: its fixed fields, counts and totals, streamed one span of weeks
    at a time (a basket lies in one week, so memory follows the span, not the file).
    ``n_products`` counts the basket's distinct products (dunnhumby has one row each)."""
    aggregations = [
        *(pl.col(c).min().alias(name) for c, name in _BASKET_TEXT.items()),
        pl.col("SHOP_WEEK").min().alias("shop_week_raw"),
        pl.col("SHOP_WEEK").max().alias("last_week"),
        pl.col("SHOP_DATE").min().alias("shop_date"),
        pl.col("SHOP_WEEKDAY").min().alias("shop_weekday"),
        pl.col("SHOP_HOUR").min().alias("shop_hour"),
        pl.len().alias("rows"),
        pl.col("PROD_CODE").n_unique().alias("n_products"),
        pl.col("SPEND").sum().round(6).alias("total_spend"),  # the same whatever the order
        pl.col("QUANTITY").sum().alias("total_quantity"),
    ]
    parts = []
    for first, last in spans or [(None, None)]:
        part = frame if first is None else frame.filter(pl.col("SHOP_WEEK").is_between(first, last))
        parts.append(part.group_by("BASKET_ID").agg(aggregations).collect(engine="streaming"))
    baskets = pl.concat(parts).rename({"BASKET_ID": "basket_id"})
    across = baskets.filter(
        (pl.col("shop_week_raw") != pl.col("last_week")) | pl.col("basket_id").is_duplicated()
    )["basket_id"].unique()
    if across.len():
        raise InputError(
            f"{source}: column BASKET_ID has baskets in more than one SHOP_WEEK: "
            f"{show_values(across.sort().to_list(), across.len())}"
        )
    day = pl.col("shop_date").cast(pl.String).str.to_date("%Y%m%d", strict=False)
    baskets = baskets.with_columns(day.alias("day")).drop("last_week")
    bad = baskets.filter(pl.col("day").is_null())
    if bad.height:
        raise InputError(
            f"{source}: column SHOP_DATE has values that are not YYYYMMDD dates: "
            f"{show_values(bad['shop_date'].unique().sort().to_list(), bad.height)}"
        )
    return baskets


def _history(baskets: pl.DataFrame) -> pl.DataFrame:
    """``history_length``: the customer's baskets in earlier weeks (0 for anonymous ones).

    >>> b = pl.DataFrame({"customer_id": ["a", "a", "a", None], "shop_week": [1, 1, 3, 3]})
    >>> _history(b)["history_length"].to_list()
    [0, 0, 2, 0]
    """
    weekly = (
        baskets.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id", "shop_week")
        .agg(pl.len().alias("n"))
        .sort("customer_id", "shop_week")
        .with_columns((pl.col("n").cum_sum().over("customer_id") - pl.col("n")).alias("history"))
    )
    return baskets.join(
        weekly.select("customer_id", "shop_week", "history"),
        on=["customer_id", "shop_week"],
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("history").fill_null(0).cast(pl.Int32).alias("history_length"))


def bucket_edges(n_products: np.ndarray, n_buckets: int) -> np.ndarray:
    """Upper edges of the length buckets: the ``k/n_buckets`` quantiles (k = 1 … n-1) of the
    training baskets' ``n_products``, repeated ones merged. Bucket ``i`` holds baskets with
    ``edges[i-1] < n_products <= edges[i]``.

    >>> bucket_edges(np.array([1, 1, 1, 2, 3, 4, 5, 8]), 4).tolist()
    [1, 2, 4]
    """
    if n_buckets <= 1 or not len(n_products):
        return np.array([], dtype=np.int64)
    quantiles = np.arange(1, n_buckets) / n_buckets
    edges = np.quantile(n_products, quantiles, method="lower")
    return np.unique(edges).astype(np.int64)


def _write(frames: dict[str, pl.DataFrame], info: dict, layout: ProjectLayout) -> None:
    """Write the three samples files and :data:`INFO_FILE`: all renamed into place at the
    end, or none."""
    from benchlab.runs import atomic_path

    with ExitStack() as stack:
        for split, frame in frames.items():
            tmp = stack.enter_context(atomic_path(layout.samples(split)))
            frame.write_parquet(tmp)
        tmp = stack.enter_context(atomic_path(layout.prepared / INFO_FILE))
        tmp.write_text(json.dumps(info, indent=1) + "\n")


def read_info(project_root: str | Path) -> dict:
    """What stage 1 decided (:data:`INFO_FILE`): ``weeks`` ([YYYYWW, sequential] pairs),
    ``ranges``, ``returns_handling``, ``bucket_edges``, ``n_weeks``."""
    path = ProjectLayout(project_root).prepared / INFO_FILE
    if not path.exists():
        raise InputError(
            f"{path}: missing; run stage 1 first (benchlab basket prepare-samples "
            f"--project-root {project_root})"
        )
    return json.loads(path.read_text())


def sample_transactions(project_root: str | Path, columns: list[str] | None = None) -> pl.LazyFrame:
    """The transaction rows behind the samples, as stage 1 saw them: returns dropped where it
    dropped them, rows of weeks outside every range left out, with ``shop_week`` (sequential,
    Int32) and ``split`` added to ``columns`` (default: all 22)."""
    info = read_info(project_root)
    frame = read_transactions(project_root, columns=None)
    if info["returns_handling"] == "drop":
        frame = frame.filter(pl.col("QUANTITY") >= 0)
    weeks = pl.LazyFrame(
        info["weeks"], schema={"SHOP_WEEK": pl.Int32, "shop_week": pl.Int32}, orient="row"
    )
    frame = frame.join(weeks, on="SHOP_WEEK", how="left", maintain_order="left")
    frame = frame.with_columns(_split_expr(info["ranges"]).alias("split")).filter(
        pl.col("split").is_not_null()
    )
    keep = [*(columns if columns is not None else COLUMNS), "shop_week", "split"]
    return frame.select(keep)


def _split_expr(ranges: dict[str, tuple[int, int] | list[int]]) -> pl.Expr:
    """``split`` of each ``shop_week`` (null outside every range)."""
    expr = pl.lit(None, dtype=pl.String)
    for split in reversed(SPLITS):
        first, last = ranges[split]
        expr = (
            pl.when(pl.col("shop_week").is_between(first, last)).then(pl.lit(split)).otherwise(expr)
        )
    return expr


def _check_weeks_cover(
    weeks: pl.DataFrame, ranges: dict[str, tuple[int, int]], source: Path, proportional: bool
) -> None:
    """Raise naming the first split whose range holds no week of data."""
    span = f"{weeks['shop_week_raw'].min()}–{weeks['shop_week_raw'].max()}"
    n_weeks = int(weeks["shop_week"].max())  # type: ignore[arg-type]
    short = [split for split, (first, last) in ranges.items() if first > last]
    if short:
        cut = ", ".join(f"{s} {a}–{b}" for s, (a, b) in ranges.items())
        raise InputError(
            f"{source}: column SHOP_WEEK has {n_weeks} weeks ({span}), too few to cut "
            f"proportionally: no week for {', '.join(short)} ({cut})"
        )
    for split, (first, last) in ranges.items():
        if not weeks["shop_week"].is_between(first, last).any():
            raise InputError(
                f"{source}: column SHOP_WEEK has no basket in the {split} split (weeks "
                f"{first}–{last}; the data has {n_weeks} weeks, {span}"
                f"{', split proportionally' if proportional else ''})"
            )


def _first_time(baskets: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each split's baskets with ``is_first_time_customer``: in train no basket in an earlier
    week, in validation and test no basket in an earlier split; anonymous: always."""
    frames: dict[str, pl.DataFrame] = {}
    seen = pl.Series("customer_id", [], dtype=pl.String)
    customer = pl.col("customer_id")
    for split in SPLITS:
        part = baskets.filter(pl.col("split") == split)
        new = pl.col("history_length") == 0 if split == "train" else ~customer.is_in(seen.implode())
        frames[split] = part.with_columns(
            (new | customer.is_null()).alias("is_first_time_customer")
        )
        seen = pl.concat([seen, part["customer_id"].drop_nulls()]).unique()
    return frames


def enhance_temporal_metadata(
    project_root: str | Path,
    config: SplitConfig | None = None,
    *,
    progress: bool = False,
    console: object | None = None,
) -> SampleSummary:
    """Stage 1: write ``data/prepared/{train,validation,test}_samples.parquet`` (see the module
    doc) from the project's transactions and return what each split holds."""
    from rich.progress import Progress

    config = config or SplitConfig()
    layout = ProjectLayout(project_root)
    steps = ["reading transactions", "checking", "baskets", "history", "writing"]
    with Progress(disable=not progress, console=console, transient=True) as bar:  # type: ignore[arg-type]
        task = bar.add_task("stage 1", total=len(steps))

        def step(name: str) -> None:
            bar.update(task, description=f"stage 1: {name}", completed=steps.index(name))

        step("reading transactions")
        frame = read_transactions(layout)
        source = layout.raw_parquet
        step("checking")
        check_required(frame, source)
        counts = frame.group_by("SHOP_WEEK").agg(pl.len()).collect(engine="streaming")
        weeks = sequential_weeks(
            counts["SHOP_WEEK"].to_list(), source=str(source), counts=counts["len"].to_list()
        )
        n_weeks = int(weeks["shop_week"].max())  # type: ignore[arg-type]
        ranges = split_ranges(config, n_weeks)
        _check_weeks_cover(weeks, ranges, source, config.proportional)
        returns, positive = _returns(frame, source, config.returns)
        step("baskets")
        kept = frame.filter(pl.col("QUANTITY") >= 0) if config.returns == "drop" else frame
        spans = week_chunks(counts, CHUNK_ROWS)
        baskets = _baskets(kept, source, spans).join(weeks, on="shop_week_raw", how="left")
        emptied = 0
        if returns and config.returns == "drop":
            emptied = frame.select(pl.col("BASKET_ID").n_unique()).collect().item() - baskets.height
        step("history")
        baskets = _history(baskets).with_columns(_split_expr(ranges).alias("split"))
        frames = _first_time(baskets)
        for split, part in frames.items():
            if not part.height:  # its weeks held only returns
                raise InputError(f"{source}: column QUANTITY: the {split} split holds only returns")
        edges = bucket_edges(frames["train"]["n_products"].to_numpy(), config.n_buckets)
        step("writing")
        for split, part in frames.items():
            bucket = np.searchsorted(edges, part["n_products"].to_numpy(), side="left")
            frames[split] = (
                part.with_columns(pl.Series("bucket_id", bucket))
                .select([pl.col(c).cast(t) for c, t in SAMPLE_SCHEMA.items()] + ["rows"])
                .sort("shop_week", "day", "shop_hour", "basket_id")
            )
        info = {
            "source": str(source.relative_to(layout.root)),
            "n_weeks": n_weeks,
            "proportional": config.proportional,
            "ranges": ranges,
            "returns_handling": config.returns,
            "returns": returns,
            "bucket_edges": edges.tolist(),
            "weeks": weeks.rows(),
        }
        _write({s: f.drop("rows") for s, f in frames.items()}, info, layout)
        bar.update(task, completed=len(steps))
    unassigned = baskets.filter(pl.col("split").is_null()).height
    return SampleSummary(
        source=source,
        n_weeks=n_weeks,
        proportional=config.proportional,
        splits={s: _summary(s, f, ranges[s], layout) for s, f in frames.items()},
        returns=returns,
        returns_positive_spend=positive,
        returns_handling=config.returns,
        returned_baskets_dropped=emptied,
        unassigned_baskets=unassigned,
        bucket_edges=edges.tolist(),
    )


def _summary(
    split: str, frame: pl.DataFrame, weeks: tuple[int, int], layout: ProjectLayout
) -> SplitSummary:
    customers = frame.filter(pl.col("customer_id").is_not_null())
    return SplitSummary(
        split=split,
        weeks=weeks,
        raw_weeks=(int(frame["shop_week_raw"].min()), int(frame["shop_week_raw"].max())),  # type: ignore[arg-type]
        rows=int(frame["rows"].sum()),
        baskets=frame.height,
        customers=customers["customer_id"].n_unique(),
        first_time_customers=customers.filter("is_first_time_customer")["customer_id"].n_unique(),
        anonymous_baskets=frame.height - customers.height,
        path=layout.samples(split),
    )


#: The seed's other name for stage 1.
prepare_samples = enhance_temporal_metadata
