"""Stage 1: sequential weeks, temporal splits, one row per basket, nothing read from later
weeks, bad input named."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.basket.config import SplitConfig, WeekRange
from benchlab.basket.layout import SPLITS, ProjectLayout
from benchlab.basket.samples import (
    SAMPLE_SCHEMA,
    _history,
    bucket_edges,
    enhance_temporal_metadata,
    prepare_samples,
    read_info,
    sample_transactions,
    split_ranges,
)
from benchlab.basket.schema import COLUMNS
from benchlab.errors import InputError


def _exact(
    train: tuple[int, int], validation: tuple[int, int], test: tuple[int, int], **kw
) -> SplitConfig:
    return SplitConfig(
        train=WeekRange(first=train[0], last=train[1]),
        validation=WeekRange(first=validation[0], last=validation[1]),
        test=WeekRange(first=test[0], last=test[1]),
        proportional=False,
        **kw,
    )


@pytest.fixture(scope="module")
def prepared(
    basket_raw_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, object]:
    """Stage 1 once on a copy of the tiny project (default config)."""
    import shutil

    root = tmp_path_factory.mktemp("stage1") / "project"
    shutil.copytree(basket_raw_root, root)
    return root, enhance_temporal_metadata(root)


def _samples(root: Path) -> dict[str, pl.DataFrame]:
    return {s: pl.read_parquet(ProjectLayout(root).samples(s)) for s in SPLITS}


def _raw(root: Path) -> pl.DataFrame:
    return pl.read_parquet(ProjectLayout(root).raw_parquet)


def test_three_files_with_the_binding_schema(prepared) -> None:
    root, summary = prepared
    samples = _samples(root)
    for split, frame in samples.items():
        assert frame.schema == pl.Schema(SAMPLE_SCHEMA), split
        assert frame["basket_id"].is_unique().all()
        assert summary.splits[split].baskets == frame.height
    assert prepare_samples is enhance_temporal_metadata


def test_splits_are_disjoint_in_time_and_baskets(prepared) -> None:
    root, summary = prepared
    samples = _samples(root)
    weeks = {s: set(f["shop_week"]) for s, f in samples.items()}
    ids = {s: set(f["basket_id"]) for s, f in samples.items()}
    for a, b in [("train", "validation"), ("train", "test"), ("validation", "test")]:
        assert not weeks[a] & weeks[b] and not ids[a] & ids[b]
        assert max(samples[a]["day"]) < min(samples[b]["day"])
    # 20 weeks cut at the seed's fractions of 117
    assert {s: summary.splits[s].weeks for s in SPLITS} == {
        "train": (1, 14),
        "validation": (15, 16),
        "test": (17, 20),
    }
    raw = _raw(root)
    kept = raw.filter(pl.col("QUANTITY") >= 0)
    assert sum(f.height for f in samples.values()) == kept["BASKET_ID"].n_unique()
    assert sum(summary.splits[s].rows for s in SPLITS) == kept.height


def test_sequential_weeks_and_basket_fields_match_the_transactions(prepared) -> None:
    root, _ = prepared
    samples = pl.concat(_samples(root).values())
    mapping = samples.select("shop_week_raw", "shop_week").unique().sort("shop_week")
    assert mapping["shop_week"].to_list() == list(range(1, 21))
    assert mapping["shop_week_raw"].to_list() == list(range(200607, 200627))
    raw = _raw(root).filter(pl.col("QUANTITY") >= 0)
    expected = raw.group_by("BASKET_ID").agg(
        pl.len().alias("n"),
        pl.col("SPEND").sum().alias("spend"),
        pl.col("SHOP_HOUR", "STORE_CODE", "BASKET_TYPE").first(),
    )
    joined = samples.join(expected, left_on="basket_id", right_on="BASKET_ID")
    assert joined.height == samples.height
    assert (joined["n_products"] == joined["n"]).all()
    assert np.allclose(joined["total_spend"], joined["spend"])
    assert (joined["shop_hour"] == joined["SHOP_HOUR"]).all()
    assert (joined["store_id"] == joined["STORE_CODE"]).all()
    assert (joined["basket_type"] == joined["BASKET_TYPE"]).all()
    assert (samples["day"].dt.weekday() % 7 + 1 == samples["shop_weekday"]).all()


def test_history_counts_only_earlier_weeks(prepared) -> None:
    root, _ = prepared
    samples = pl.concat(_samples(root).values())
    known = samples.filter(pl.col("customer_id").is_not_null())
    rows = known.select("customer_id", "shop_week", "history_length").rows()
    weeks_of: dict[str, list[int]] = {}
    for customer, week, _ in rows:
        weeks_of.setdefault(customer, []).append(week)
    for customer, week, history in rows[:400]:
        assert history == sum(w < week for w in weeks_of[customer])
    anonymous = samples.filter(pl.col("customer_id").is_null())
    assert anonymous.height and (anonymous["history_length"] == 0).all()
    assert anonymous["is_first_time_customer"].all()
    # dropping every later week changes no history: nothing is read from the future
    for cut in (5, 14, 17):
        early = samples.filter(pl.col("shop_week") <= cut).select(
            "basket_id", "customer_id", "shop_week"
        )
        recomputed = _history(early).sort("basket_id")
        original = samples.filter(pl.col("shop_week") <= cut).sort("basket_id")
        assert recomputed["history_length"].equals(original["history_length"])


def test_first_time_flags_per_split(prepared) -> None:
    root, summary = prepared
    samples = _samples(root)
    train = samples["train"]
    assert train["is_first_time_customer"].equals(
        (train["history_length"] == 0) | train["customer_id"].is_null()
    )
    seen = set(train["customer_id"].drop_nulls())
    for split in ("validation", "test"):
        frame = samples[split].filter(pl.col("customer_id").is_not_null())
        new = ~frame["customer_id"].is_in(list(seen))
        assert frame["is_first_time_customer"].equals(new.alias("is_first_time_customer"))
        seen |= set(frame["customer_id"])
    assert summary.splits["test"].first_time_customers > 0  # customers who join late


def test_buckets_come_from_training_lengths(prepared) -> None:
    root, summary = prepared
    samples = _samples(root)
    edges = bucket_edges(samples["train"]["n_products"].to_numpy(), 8)
    assert summary.bucket_edges == edges.tolist() and 1 < len(edges) <= 7
    for frame in samples.values():
        ids, n = frame["bucket_id"].to_numpy(), frame["n_products"].to_numpy()
        assert ids.min() >= 0 and ids.max() <= len(edges)
        order = np.argsort(n, kind="stable")
        assert (np.diff(ids[order]) >= 0).all()  # longer baskets never get a lower bucket
    assert bucket_edges(np.array([3, 3, 3]), 4).tolist() == [3]
    assert bucket_edges(np.array([3, 5]), 1).tolist() == []


def test_stage_one_reads_only_the_parquet_after_conversion(basket_root: Path) -> None:
    layout = ProjectLayout(basket_root)
    first = enhance_temporal_metadata(basket_root)
    before = _samples(basket_root)
    layout.raw_csv.write_text("SHOP_WEEK\nbroken\n")  # altered …
    enhance_temporal_metadata(basket_root)
    layout.raw_csv.unlink()  # … then gone
    second = enhance_temporal_metadata(basket_root)
    assert first.splits == second.splits
    for split, frame in _samples(basket_root).items():
        assert frame.equals(before[split])


def test_returns_are_counted_warned_and_dropped_or_kept(
    basket_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def quantities(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by("BASKET_ID").agg(pl.col("QUANTITY").sum().alias("expected"))

    def totals(root: Path) -> pl.DataFrame:
        return pl.concat(_samples(root).values()).select("basket_id", "total_quantity")

    with caplog.at_level(logging.WARNING, logger="benchlab"):
        dropped = enhance_temporal_metadata(basket_root)
    raw = _raw(basket_root)
    returns = raw.filter(pl.col("QUANTITY") < 0)
    assert dropped.returns == returns.height > 0
    assert dropped.returns_positive_spend == returns.height
    assert f"QUANTITY has {returns.height} negative values" in caplog.text
    assert str(returns["BASKET_ID"][0]) in caplog.text and "dropped" in caplog.text
    expected = quantities(raw.filter(pl.col("QUANTITY") >= 0))
    joined = totals(basket_root).join(expected, left_on="basket_id", right_on="BASKET_ID")
    assert (joined["total_quantity"] == joined["expected"]).all() and (joined["expected"] > 0).all()

    kept = enhance_temporal_metadata(basket_root, SplitConfig(returns="keep"))
    rows_dropped = sum(s.rows for s in dropped.splits.values())
    assert sum(s.rows for s in kept.splits.values()) == rows_dropped + returns.height
    joined = totals(basket_root).join(quantities(raw), left_on="basket_id", right_on="BASKET_ID")
    assert joined.height == raw["BASKET_ID"].n_unique()
    assert (joined["total_quantity"] == joined["expected"]).all()


def test_split_ranges_rule() -> None:
    assert split_ranges(SplitConfig(), 117) == {
        "train": (1, 80),
        "validation": (81, 95),
        "test": (96, 117),
    }
    assert split_ranges(SplitConfig(), 234) == {
        "train": (1, 160),
        "validation": (161, 190),
        "test": (191, 234),
    }
    exact = _exact((1, 5), (6, 7), (8, 30))
    assert split_ranges(exact, 10) == {"train": (1, 5), "validation": (6, 7), "test": (8, 30)}
    with pytest.raises(InputError, match="train weeks 1–10 must end before validation weeks 8–12"):
        split_ranges(_exact((1, 10), (8, 12), (13, 20)), 20)


def test_an_empty_split_is_named_and_nothing_is_written(basket_root: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"transactions\.parquet: column SHOP_WEEK has no basket in the test split "
        r"\(weeks 30–40; the data has 20 weeks, 200607–200626",
    ):
        enhance_temporal_metadata(basket_root, _exact((1, 10), (11, 20), (30, 40)))
    assert not ProjectLayout(basket_root).prepared.exists()


def test_too_few_weeks_for_proportional_splits(tmp_path: Path, basket_raw_root: Path) -> None:
    raw = pl.read_csv(ProjectLayout(basket_raw_root).raw_csv, schema_overrides=COLUMNS)
    layout = ProjectLayout(tmp_path)
    layout.raw_data.mkdir()
    raw.filter(pl.col("SHOP_WEEK") <= 200608).write_parquet(layout.raw_parquet)
    with pytest.raises(
        InputError, match=r"has 2 weeks \(200607–200608\), too few .*no week for test"
    ):
        enhance_temporal_metadata(tmp_path)


def test_a_basket_across_weeks_and_a_bad_date_are_named(
    tmp_path: Path, basket_raw_root: Path
) -> None:
    raw = pl.read_csv(ProjectLayout(basket_raw_root).raw_csv, schema_overrides=COLUMNS)
    layout = ProjectLayout(tmp_path)
    layout.raw_data.mkdir()
    first_id = raw["BASKET_ID"][0]
    moved = raw.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(200630)
        .otherwise(pl.col("SHOP_WEEK"))
        .cast(pl.Int32)
        .alias("SHOP_WEEK")
    )
    moved.write_parquet(layout.raw_parquet)
    with pytest.raises(
        InputError,
        match=rf"column BASKET_ID has baskets in more than one SHOP_WEEK: {first_id} \(1 rows\)",
    ):
        enhance_temporal_metadata(tmp_path)
    raw.with_columns(
        pl.when(pl.col("BASKET_ID") == first_id)
        .then(20060231)
        .otherwise(pl.col("SHOP_DATE"))
        .cast(pl.Int32)
        .alias("SHOP_DATE")
    ).write_parquet(layout.raw_parquet)
    with pytest.raises(
        InputError,
        match=r"column SHOP_DATE has values that are not YYYYMMDD dates: 20060231 \(1 rows\)",
    ):
        enhance_temporal_metadata(tmp_path)


def test_sample_transactions_are_the_rows_behind_the_samples(prepared) -> None:
    root, summary = prepared
    info = read_info(root)
    assert info["returns_handling"] == "drop" and info["n_weeks"] == 20
    rows = sample_transactions(root, ["BASKET_ID", "PROD_CODE"]).collect()
    assert rows.columns == ["BASKET_ID", "PROD_CODE", "shop_week", "split"]
    for split in SPLITS:
        part = rows.filter(pl.col("split") == split)
        assert part.height == summary.splits[split].rows
        counts = part.group_by("BASKET_ID").len().sort("BASKET_ID")
        samples = pl.read_parquet(ProjectLayout(root).samples(split)).sort("basket_id")
        assert counts["len"].cast(pl.Int16).equals(samples["n_products"].rename("len"))


def test_sample_transactions_need_stage_one(basket_root: Path) -> None:
    with pytest.raises(InputError, match="samples_info.json: missing; run stage 1 first"):
        sample_transactions(basket_root)


def test_week_spans_give_the_same_baskets_and_catch_a_basket_across_them(
    basket_root: Path,
) -> None:
    from benchlab.basket.samples import _baskets, week_chunks
    from benchlab.basket.schema import read_transactions

    frame = read_transactions(basket_root)
    counts = frame.group_by("SHOP_WEEK").agg(pl.len()).collect()
    spans = week_chunks(counts, 2000)
    assert len(spans) > 3 and spans[0][0] == 200607 and spans[-1][1] == 200626
    whole = _baskets(frame, Path("t")).sort("basket_id")
    assert _baskets(frame, Path("t"), spans).sort("basket_id").equals(whole)
    # the first basket of the second span, one row moved into the first span's last week
    moved_id = frame.filter(pl.col("SHOP_WEEK") == spans[1][0]).collect()["BASKET_ID"][0]
    first_row = pl.col("BASKET_ID") == moved_id
    moved = frame.with_columns(
        pl.when(first_row & (pl.int_range(pl.len()).over("BASKET_ID") == 0))
        .then(spans[0][1])
        .otherwise(pl.col("SHOP_WEEK"))
        .cast(pl.Int32)
        .alias("SHOP_WEEK")
    )
    with pytest.raises(InputError, match=rf"more than one SHOP_WEEK: {moved_id} \(1 rows\)"):
        _baskets(moved, Path("t"), spans)
