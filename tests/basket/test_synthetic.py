"""The transactions generator: dunnhumby's shape, seeded, and structure a model can learn
beyond frequency counts (segments, missions, rhythms, promotions)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.stats import chi2_contingency

from benchlab.basket.layout import ProjectLayout
from benchlab.basket.schema import COLUMNS
from benchlab.basket.synthetic import generate_transactions, iter_transactions, write_transactions
from benchlab.errors import InputError


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    """Big enough for the structure tests (~40k rows), small enough for a second."""
    return generate_transactions(customers=400, products=150, stores=4, weeks=24, seed=3)


@pytest.fixture(scope="module")
def baskets(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.group_by("BASKET_ID").agg(
        pl.len().alias("n"),
        pl.col("SPEND").sum(),
        pl.col("BASKET_TYPE", "BASKET_SIZE", "SHOP_HOUR", "SHOP_WEEKDAY").first(),
        pl.col("CUST_PRICE_SENSITIVITY", "BASKET_PRICE_SENSITIVITY").first(),
    )


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    a = generate_transactions(customers=30, products=40, stores=2, weeks=3, seed=1)
    assert a.equals(generate_transactions(customers=30, products=40, stores=2, weeks=3, seed=1))
    assert not a.equals(generate_transactions(customers=30, products=40, stores=2, weeks=3, seed=2))


def test_columns_codes_and_dtypes(frame: pl.DataFrame) -> None:
    assert frame.schema == pl.Schema(COLUMNS)
    patterns = {
        "PROD_CODE": r"^PRD09\d{5}$",
        "PROD_CODE_10": r"^CL\d{5}$",
        "PROD_CODE_20": r"^DEP\d{5}$",
        "PROD_CODE_30": r"^G\d{5}$",
        "PROD_CODE_40": r"^D0000[123]$",
        "CUST_CODE": r"^CUST\d{10}$",
        "STORE_CODE": r"^STORE\d{5}$",
    }
    for column, pattern in patterns.items():
        assert frame[column].drop_nulls().str.contains(pattern).all(), column
    allowed = {
        "CUST_PRICE_SENSITIVITY": {"LA", "MM", "UM", "XX", None},
        "CUST_LIFESTAGE": {"YA", "OA", "YF", "OF", "PE", "OT", "XX", None},
        "BASKET_SIZE": {"S", "M", "L"},
        "BASKET_PRICE_SENSITIVITY": {"LA", "MM", "UM", "XX"},
        "BASKET_TYPE": {"Top Up", "Full Shop", "Small Shop", "Emergency", "XX"},
        "BASKET_DOMINANT_MISSION": {"Fresh", "Grocery", "Mixed", "Nonfood", "General", "XX"},
        "STORE_FORMAT": {"LS", "MS", "SS", "XLS"},
    }
    for column, values in allowed.items():
        assert set(frame[column].unique().to_list()) <= values, column
    assert frame["BASKET_ID"].min() == 994_100_100_000_001
    assert frame["SHOP_HOUR"].is_between(8, 21).all()
    # each product has one place in the hierarchy
    assert (
        frame.group_by("PROD_CODE").agg(pl.col("PROD_CODE_10").n_unique())["PROD_CODE_10"].max()
        == 1
    )


def test_weeks_dates_and_weekdays_agree() -> None:
    frame = generate_transactions(customers=60, products=30, stores=1, weeks=50, seed=0)
    weeks = frame["SHOP_WEEK"].unique().sort().to_list()
    assert weeks[0] == 200607 and 200652 in weeks and 200701 in weeks and len(weeks) == 50
    dates = frame.select("SHOP_WEEK", "SHOP_DATE", "SHOP_WEEKDAY").unique()
    for week, date, weekday in dates.rows():
        day = dt.datetime.strptime(str(date), "%Y%m%d").date()
        year, iso_week, iso_day = day.isocalendar()
        assert year * 100 + iso_week == week
        assert weekday == iso_day % 7 + 1  # 1 = Sunday … 7 = Saturday


def test_anonymous_baskets_and_returns(frame: pl.DataFrame) -> None:
    per_basket = frame.group_by("BASKET_ID").agg(pl.col("CUST_CODE").first())
    share = per_basket["CUST_CODE"].null_count() / per_basket.height
    assert 0.01 < share < 0.1
    returns = frame.filter(pl.col("QUANTITY") < 0)
    assert 0 < returns.height < 0.002 * frame.height
    assert (returns["SPEND"] > 0).all()
    assert (frame.filter(pl.col("QUANTITY") > 0)["SPEND"] > 0).all()


def test_labels_follow_the_contents(baskets: pl.DataFrame) -> None:
    size = np.select([baskets["n"] <= 4, baskets["n"] <= 12], ["S", "M"], "L")
    assert (baskets["BASKET_SIZE"].to_numpy() == size).all()
    known = baskets.filter(pl.col("BASKET_TYPE") != "XX")
    assert ((known["BASKET_TYPE"] == "Full Shop") == (known["n"] >= 15)).all()
    assert (known.filter(pl.col("BASKET_TYPE") == "Emergency")["n"] <= 3).all()
    assert (baskets.filter(pl.col("n") == 1)["BASKET_PRICE_SENSITIVITY"] == "XX").all()
    assert set(known["BASKET_TYPE"]) == {"Top Up", "Full Shop", "Small Shop", "Emergency"}


def test_missions_have_their_hours_and_days(baskets: pl.DataFrame) -> None:
    hour = baskets.group_by("BASKET_TYPE").agg(pl.col("SHOP_HOUR").mean())
    mean = dict(hour.rows())
    assert mean["Emergency"] > mean["Full Shop"] + 2
    weekend = baskets.with_columns(pl.col("SHOP_WEEKDAY").is_in([1, 7]).alias("weekend"))
    share = dict(weekend.group_by("BASKET_TYPE").agg(pl.col("weekend").mean()).rows())
    assert share["Full Shop"] > share["Top Up"] + 0.15


def test_promotions_cut_prices_and_lift_sales(frame: pl.DataFrame) -> None:
    weekly = (
        frame.filter(pl.col("QUANTITY") > 0)
        .group_by("PROD_CODE", "SHOP_WEEK", "STORE_CODE")
        .agg((pl.col("SPEND") / pl.col("QUANTITY")).median().alias("price"), pl.len().alias("rows"))
        .with_columns(
            (pl.col("price") / pl.col("price").max().over("PROD_CODE", "STORE_CODE")).alias("rel")
        )
    )
    promo, regular = weekly.filter(pl.col("rel") < 0.85), weekly.filter(pl.col("rel") > 0.95)
    assert promo.height > 50
    # promoted product-weeks sell in more baskets than the same products at full price
    lift = promo.join(
        regular.group_by("PROD_CODE", "STORE_CODE").agg(pl.col("rows").mean().alias("base")),
        on=["PROD_CODE", "STORE_CODE"],
    )
    assert (lift["rows"] / lift["base"]).mean() > 1.3


def test_segments_shape_what_customers_buy(frame: pl.DataFrame) -> None:
    known = frame.filter(pl.col("CUST_LIFESTAGE").is_in(["YA", "OA", "YF", "OF", "PE", "OT"]))
    table = known.pivot(
        on="PROD_CODE_20", index="CUST_LIFESTAGE", values="QUANTITY", aggregate_function="len"
    ).fill_null(0)
    statistic, p_value, *_ = chi2_contingency(table.drop("CUST_LIFESTAGE").to_numpy())
    assert p_value < 1e-12
    # value-minded customers fill value baskets more often than up-market ones
    la = (
        frame.filter(pl.col("CUST_PRICE_SENSITIVITY") == "LA")
        .group_by("BASKET_ID")
        .agg(pl.first("BASKET_PRICE_SENSITIVITY"))
    )
    um = (
        frame.filter(pl.col("CUST_PRICE_SENSITIVITY") == "UM")
        .group_by("BASKET_ID")
        .agg(pl.first("BASKET_PRICE_SENSITIVITY"))
    )
    share = lambda b: (b["BASKET_PRICE_SENSITIVITY"] == "LA").mean()  # noqa: E731
    assert share(la) > 2 * share(um)


def test_items_of_a_basket_hang_together(frame: pl.DataFrame) -> None:
    """Pairs of items in a basket share a department more often than the department shares
    alone would give: the rest of a basket tells which products are missing from it."""
    items = frame.select("BASKET_ID", "PROD_CODE_20")
    pairs = items.join(items, on="BASKET_ID").filter(pl.len().over("BASKET_ID") > 1)
    n = items.group_by("BASKET_ID").len()
    same = (
        items.group_by("BASKET_ID", "PROD_CODE_20")
        .len()
        .with_columns((pl.col("len") * (pl.col("len") - 1)).alias("pairs"))
    )
    observed = same["pairs"].sum() / (n["len"] * (n["len"] - 1)).sum()
    shares = items["PROD_CODE_20"].value_counts(normalize=True)["proportion"].to_numpy()
    expected = float((shares**2).sum())
    assert pairs.height > 0
    assert observed > 1.5 * expected


def test_write_streams_weeks_and_replaces_a_stale_parquet(tmp_path: Path) -> None:
    layout = ProjectLayout(tmp_path)
    layout.raw_data.mkdir()
    layout.raw_parquet.write_bytes(b"stale")
    result = write_transactions(tmp_path, customers=25, products=30, stores=2, weeks=4, seed=5)
    assert result.path == layout.raw_csv and not layout.raw_parquet.exists()
    written = pl.read_csv(layout.raw_csv, schema_overrides=COLUMNS)
    expected = generate_transactions(customers=25, products=30, stores=2, weeks=4, seed=5)
    assert written.equals(expected)
    assert result.rows == written.height and result.baskets == written["BASKET_ID"].n_unique()
    info = json.loads((layout.raw_data / "generator.json").read_text())
    assert info["seed"] == 5 and info["rows"] == result.rows
    assert [p.name for p in layout.raw_data.iterdir() if p.name.startswith(".")] == []


def test_weeks_are_chunks_with_unique_basket_ids() -> None:
    chunks = list(iter_transactions(customers=25, products=30, stores=2, weeks=3, seed=0))
    assert [c["SHOP_WEEK"].unique().to_list() for c in chunks] == [[200607], [200608], [200609]]
    ids = [set(c["BASKET_ID"]) for c in chunks]
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2])


@pytest.mark.parametrize("sizes", [{"products": 10}, {"customers": 0}, {"weeks": 0}])
def test_sizes_too_small_are_refused(sizes: dict[str, int]) -> None:
    with pytest.raises(InputError, match=f"basket generator: {next(iter(sizes))} must be at least"):
        generate_transactions(**sizes)


def _recall_at_10(scores: np.ndarray, target: np.ndarray, seen: np.ndarray) -> float:
    scores = np.where(seen, -np.inf, scores)
    top = np.argsort(-scores, axis=1)[:, :10]
    return float((top == target[:, None]).any(axis=1).mean())


def test_the_rest_of_a_basket_beats_frequency_counts(frame: pl.DataFrame) -> None:
    """Leave one item out of each late-week basket: the other items (through co-occurrence
    counted in the early weeks) rank it higher than popularity or the customer's own counts."""
    from scipy import sparse

    codes = {p: i for i, p in enumerate(sorted(frame["PROD_CODE"].unique()))}
    items = frame.select(
        "BASKET_ID",
        "CUST_CODE",
        pl.col("PROD_CODE").replace_strict(codes).alias("p"),
        (pl.col("SHOP_WEEK") >= 200625).alias("late"),
    )
    n = len(codes)

    def matrix(rows: pl.DataFrame, key: str) -> tuple[sparse.csr_matrix, list]:
        keys = rows[key].unique(maintain_order=True).to_list()
        index = rows[key].replace_strict({k: i for i, k in enumerate(keys)}, return_dtype=pl.Int64)
        shape = (len(keys), n)
        return sparse.csr_matrix((np.ones(rows.height), (index, rows["p"])), shape=shape), keys

    early = items.filter(~pl.col("late"))
    baskets, _ = matrix(early, "BASKET_ID")
    cooc = (baskets.T @ baskets).toarray()
    np.fill_diagonal(cooc, 0)
    popularity = np.asarray(baskets.sum(axis=0)).ravel()
    cooc = cooc / np.sqrt(np.outer(popularity + 1, popularity + 1))
    known = early.filter(pl.col("CUST_CODE").is_not_null())
    customers, customer_keys = matrix(known, "CUST_CODE")
    row_of = {c: i for i, c in enumerate(customer_keys)}

    late = items.filter(pl.col("late") & pl.col("CUST_CODE").is_in(customer_keys))
    late = late.filter(pl.len().over("BASKET_ID") >= 2)
    held_out = late.filter(pl.int_range(pl.len()).over("BASKET_ID") == 0)
    test, keys = matrix(late, "BASKET_ID")
    target = held_out.sort(
        pl.col("BASKET_ID").replace_strict(
            {k: i for i, k in enumerate(keys)}, return_dtype=pl.Int64
        )
    )
    target_p = target["p"].to_numpy()
    rest = test.toarray()
    rest[np.arange(len(target_p)), target_p] = 0
    own = customers[[row_of[c] for c in target["CUST_CODE"]]].toarray()
    recall = {
        "popularity": _recall_at_10(np.tile(popularity, (len(rest), 1)), target_p, rest > 0),
        "customer": _recall_at_10(own + 1e-3 * popularity, target_p, rest > 0),
        "basket": _recall_at_10(rest @ cooc, target_p, rest > 0),
    }
    assert len(target_p) > 300
    assert recall["basket"] > 1.1 * recall["customer"] > 1.1 * recall["popularity"], recall
