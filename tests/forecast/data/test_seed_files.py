"""Loading seed 000's files: happy path, SKU filter pushdown and every bad-input message."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.data.seed_files import load_seed_files, scan_features

PRODUCTS = (101, 102, 103)
STORES = (1, 2)
DAYS = 10
START = dt.date(2021, 3, 1)


def seed_frames(days: int = DAYS) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(features, targets, oracle) for 3 products x 2 stores x ``days`` days, rows shuffled."""
    keys = pl.DataFrame(
        [(p, s) for p in PRODUCTS for s in STORES],
        schema={"productID": pl.Int64, "storeID": pl.Int64},
        orient="row",
    )
    dates = pl.DataFrame({"date": pl.date_range(START, START + dt.timedelta(days - 1), eager=True)})
    grid = keys.join(dates, how="cross").sample(fraction=1.0, shuffle=True, seed=3)
    n = grid.height
    rng = np.random.default_rng(0)
    features = grid.with_columns(
        pl.Series("bdID", np.arange(1000, 1000 + n), dtype=pl.Int64),
        pl.Series("feature_price", rng.uniform(1, 5, n)),
        pl.Series("feature_lag1", rng.uniform(0, 10, n)),
        (pl.col("date").dt.weekday().cast(pl.Float64)).alias("feature_dow"),
    ).select("bdID", "productID", "storeID", "date", "feature_price", "feature_lag1", "feature_dow")
    targets = features.select(
        "bdID", pl.Series("target", rng.poisson(3.0, n).astype(np.float64))
    ).reverse()
    oracle = features.select(
        "bdID",
        pl.Series("oracle_mean", rng.uniform(1, 4, n)),
        pl.lit(2.5).alias("oracle_dispersion"),
    )
    return features, targets, oracle


def write_seed(
    folder: Path,
    features: pl.DataFrame | None = None,
    targets: pl.DataFrame | None = None,
    oracle: pl.DataFrame | None = None,
    *,
    mapping: object = None,
    with_oracle: bool = True,
) -> dict[str, Path]:
    """Write the seed files into ``folder``; returns their paths."""
    base_f, base_t, base_o = seed_frames()
    features = base_f if features is None else features
    targets = base_t if targets is None else targets
    oracle = base_o if oracle is None else oracle
    paths = {
        "features": folder / "train_data_features.feather",
        "target": folder / "train_data_target.feather",
        "mapping": folder / "feature_mapping_train.json",
    }
    features.write_ipc(paths["features"])
    targets.write_ipc(paths["target"])
    if with_oracle:
        paths["oracle"] = folder / "train_data_oracle.feather"
        oracle.write_ipc(paths["oracle"])
    mapping = {"price_feature": "feature_price", "freq": "D"} if mapping is None else mapping
    paths["mapping"].write_text(json.dumps(mapping))
    return paths


def load(paths: dict[str, Path], **kwargs):
    return load_seed_files(paths["features"], paths["target"], paths["mapping"], **kwargs)


# --------------------------------------------------------------------------------------------
# happy path
# --------------------------------------------------------------------------------------------


def test_loads_every_sku_with_oracle_price_and_narrow_dtypes(tmp_path):
    paths = write_seed(tmp_path)
    data = load(paths)
    frame = data.frame
    assert data.id_columns == ("product_id", "store_id")
    assert frame.columns == [
        "product_id",
        "store_id",
        "date",
        "target",
        "feature_price",
        "feature_lag1",
        "feature_dow",
        "price",
        "oracle_mean",
        "oracle_dispersion",
    ]
    assert frame.shape == (len(PRODUCTS) * len(STORES) * DAYS, 10)
    assert frame.schema["date"] == pl.Date
    assert frame.schema["target"] == pl.Float64
    assert all(frame.schema[c] == pl.Float32 for c in data.feature_columns)
    assert frame.schema["product_id"] == pl.Int64
    assert data.feature_columns == ("feature_price", "feature_lag1", "feature_dow")
    assert data.freq == "1d" and data.season_length == 7
    assert data.has_oracle and data.has_price
    assert data.n_series == 6
    assert frame.equals(frame.sort(["product_id", "store_id", "date"]))
    assert frame["price"].equals(frame["feature_price"].alias("price"))


def test_values_are_joined_on_bdid(tmp_path):
    features, targets, oracle = seed_frames()
    paths = write_seed(tmp_path, features, targets, oracle)
    frame = load(paths).frame
    expected = (
        features.join(targets, on="bdID")
        .join(oracle, on="bdID")
        .sort("productID", "storeID", "date")
    )
    assert frame["target"].to_list() == expected["target"].to_list()
    assert frame["oracle_mean"].to_list() == expected["oracle_mean"].to_list()
    assert np.allclose(frame["feature_lag1"].to_numpy(), expected["feature_lag1"].to_numpy())


def test_sku_filter_keeps_only_the_requested_tuples(tmp_path):
    paths = write_seed(tmp_path)
    data = load(paths, sku_tuples=[(102, 2), [101, 1], (102, 2)])
    assert data.sku_tuples() == [(101, 1), (102, 2)]
    assert data.frame.height == 2 * DAYS
    assert data.frame["target"].is_not_null().all()
    assert data.frame["oracle_mean"].is_not_null().all()


def test_sku_filter_is_pushed_into_the_scan(tmp_path):
    paths = write_seed(tmp_path)
    lf = scan_features(paths["features"], sku_tuples=[(101, 1)])
    assert isinstance(lf, pl.LazyFrame)
    plan = lf.explain()
    scan_line = next(i for i, line in enumerate(plan.splitlines()) if "SCAN" in line.upper())
    below_scan = "\n".join(plan.splitlines()[scan_line:])
    assert "SELECTION" in below_scan and "productID" in below_scan
    assert lf.collect().height == DAYS


def test_pickle_mapping_parquet_files_and_inferred_frequency(tmp_path):
    features, targets, _ = seed_frames()
    features.write_parquet(tmp_path / "features.parquet")
    targets.write_parquet(tmp_path / "target.parquet")
    (tmp_path / "mapping.pkl").write_bytes(pickle.dumps({"price_feature": "feature_price"}))
    data = load_seed_files(
        tmp_path / "features.parquet", tmp_path / "target.parquet", tmp_path / "mapping.pkl"
    )
    assert data.freq == "1d" and data.season_length == 7
    assert not data.has_oracle and data.has_price


def test_no_mapping_means_no_price(tmp_path):
    paths = write_seed(tmp_path, with_oracle=False)
    data = load_seed_files(paths["features"], paths["target"])
    assert not data.has_price and not data.has_oracle
    assert data.metadata["mapping"] == {}


def test_weekly_data_and_mapping_season_length(tmp_path):
    features, targets, oracle = seed_frames()
    weekly = features.with_columns(
        (pl.lit(START) + pl.duration(days=7 * (pl.col("date") - pl.lit(START)).dt.total_days()))
        .cast(pl.Date)
        .alias("date")
    )
    paths = write_seed(tmp_path, weekly, targets, oracle, mapping={"season_length": 13})
    data = load(paths)
    assert data.freq == "1w" and data.season_length == 13


def test_iso_string_dates_are_parsed(tmp_path):
    features, targets, oracle = seed_frames()
    as_text = features.with_columns(pl.col("date").dt.strftime("%Y-%m-%d"))
    paths = write_seed(tmp_path, as_text, targets, oracle)
    frame = load(paths).frame
    assert frame.schema["date"] == pl.Date
    assert frame.equals(frame.sort(["product_id", "store_id", "date"]))


def test_explicit_oracle_path_and_freq(tmp_path):
    features, targets, oracle = seed_frames()
    paths = write_seed(tmp_path, features, targets, oracle, with_oracle=False, mapping={})
    oracle.write_ipc(tmp_path / "elsewhere.feather")
    data = load(paths, oracle_path=tmp_path / "elsewhere.feather", freq="1d")
    assert data.has_oracle and data.freq == "1d"


def test_negative_targets_are_allowed(tmp_path):
    features, targets, oracle = seed_frames()
    targets = targets.with_columns(
        pl.when(pl.col("bdID") == 1000).then(-1.0).otherwise("target").alias("target")
    )
    data = load(write_seed(tmp_path, features, targets, oracle))
    assert data.frame["target"].min() == -1.0


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


def error_of(paths: dict[str, Path], **kwargs) -> str:
    with pytest.raises(InputError) as info:
        load(paths, **kwargs)
    return str(info.value)


def test_missing_feature_column(tmp_path):
    features, targets, oracle = seed_frames()
    message = error_of(write_seed(tmp_path, features.drop("storeID"), targets, oracle))
    assert message.startswith("train_data_features.feather: missing column 'storeID' (has: bdID")


def test_missing_target_column(tmp_path):
    features, targets, oracle = seed_frames()
    paths = write_seed(tmp_path, features, targets.rename({"target": "sales"}), oracle)
    message = error_of(paths)
    assert "train_data_target.feather: missing column 'target'" in message
    assert "sales" in message


def test_unparsable_string_dates(tmp_path):
    features, targets, oracle = seed_frames()
    bad = features.with_columns(pl.col("date").dt.strftime("%Y-%m-%d")).with_columns(
        pl.when(pl.col("bdID") == 1003).then(pl.lit("03/04/2021")).otherwise("date").alias("date")
    )
    message = error_of(write_seed(tmp_path, bad, targets, oracle))
    assert "train_data_features.feather" in message and "'date'" in message
    assert "'03/04/2021'" in message


def test_date_of_wrong_dtype(tmp_path):
    features, targets, oracle = seed_frames()
    bad = features.with_columns(pl.col("date").dt.year().alias("date"))
    message = error_of(write_seed(tmp_path, bad, targets, oracle))
    assert "column 'date' must hold dates" in message and "Int32" in message


def test_float_ids_with_fractions(tmp_path):
    features, targets, oracle = seed_frames()
    bad = features.with_columns(
        pl.col("productID") + pl.when(pl.col("bdID") == 1001).then(0.5).otherwise(0.0)
    )
    message = error_of(write_seed(tmp_path, bad, targets, oracle))
    assert "column 'productID' must hold integer ids" in message
    assert ".5" in message


def test_float_ids_with_whole_numbers_are_accepted(tmp_path):
    features, targets, oracle = seed_frames()
    ok = features.with_columns(pl.col("productID").cast(pl.Float64))
    data = load(write_seed(tmp_path, ok, targets, oracle), sku_tuples=[(101, 1)])
    assert data.sku_tuples() == [(101, 1)]


def test_non_numeric_feature(tmp_path):
    features, targets, oracle = seed_frames()
    bad = features.with_columns(pl.col("feature_lag1").cast(pl.String))
    message = error_of(write_seed(tmp_path, bad, targets, oracle))
    assert "'feature_lag1'" in message and "must be numeric" in message


def test_duplicate_sku_date_rows(tmp_path):
    features, targets, oracle = seed_frames()
    dup = features.filter(pl.col("bdID") == 1005).with_columns(pl.lit(5000, pl.Int64).alias("bdID"))
    key = dup.row(0, named=True)
    targets = pl.concat([targets, pl.DataFrame({"bdID": [5000], "target": [1.0]})])
    message = error_of(write_seed(tmp_path, pl.concat([features, dup]), targets, oracle))
    assert "train_data_features.feather: 1 duplicated (productID, storeID, date)" in message
    assert f"({key['productID']}, {key['storeID']}, {key['date'].isoformat()})" in message


def test_duplicate_bdid_in_targets(tmp_path):
    features, targets, oracle = seed_frames()
    doubled = pl.concat([targets, targets.filter(pl.col("bdID").is_in([1002, 1007]))])
    message = error_of(write_seed(tmp_path, features, doubled, oracle))
    assert "train_data_target.feather: 2 duplicated 'bdID' values" in message
    assert "1002, 1007" in message


def test_feature_rows_without_target(tmp_path):
    features, targets, oracle = seed_frames()
    partial = targets.filter(~pl.col("bdID").is_in([1010, 1011, 1012]))
    message = error_of(write_seed(tmp_path, features, partial, oracle))
    assert "train_data_target.feather: 3 feature rows without a target" in message
    assert "bdID 1010, 1011, 1012" in message


def test_non_finite_targets(tmp_path):
    features, targets, oracle = seed_frames()
    bad = targets.with_columns(
        pl.when(pl.col("bdID") == 1004)
        .then(float("nan"))
        .when(pl.col("bdID") == 1009)
        .then(float("inf"))
        .otherwise("target")
        .alias("target")
    )
    message = error_of(write_seed(tmp_path, features, bad, oracle))
    assert "train_data_target.feather: column 'target' has 2 non-finite values" in message
    assert "bdID 1004, 1009" in message


def test_non_numeric_target(tmp_path):
    features, targets, oracle = seed_frames()
    bad = targets.with_columns(pl.col("target").cast(pl.String))
    message = error_of(write_seed(tmp_path, features, bad, oracle))
    assert "train_data_target.feather: column 'target' (String) must be numeric" in message


def test_unknown_sku_tuples(tmp_path):
    message = error_of(write_seed(tmp_path), sku_tuples=[(101, 1), (999, 1), (101, 7)])
    assert (
        "train_data_features.feather: 2 unknown SKU tuple(s) requested, not in the data" in message
    )
    assert "(999, 1)" in message and "(101, 7)" in message
    assert "the data has 6 series, e.g. (productID, storeID) (101, 1)" in message


def test_empty_selection(tmp_path):
    paths = write_seed(tmp_path)
    assert "empty SKU selection" in error_of(paths, sku_tuples=[])
    features, targets, oracle = seed_frames()
    paths = write_seed(tmp_path, features.clear(), targets, oracle)
    assert "train_data_features.feather: the file has no rows" in error_of(paths)


def test_malformed_sku_tuple(tmp_path):
    message = error_of(write_seed(tmp_path), sku_tuples=[(101, 1, 3)])
    assert "SKU tuple (101, 1, 3) has 3 values; expected 2 (productID, storeID)" in message
    message = error_of(write_seed(tmp_path), sku_tuples=[("abc", 1)])
    assert "'abc'" in message and "'productID'" in message


def test_mapping_not_a_dict(tmp_path):
    message = error_of(write_seed(tmp_path, mapping=["feature_price"]))
    assert message == "feature_mapping_train.json: a feature mapping must be a dict, got list"


def test_mapping_price_feature_not_a_column(tmp_path):
    message = error_of(write_seed(tmp_path, mapping={"price_feature": "feature_cost"}))
    assert "feature_mapping_train.json: price_feature 'feature_cost'" in message
    assert "train_data_features.feather" in message


def test_mapping_with_unknown_freq(tmp_path):
    message = error_of(write_seed(tmp_path, mapping={"freq": "fortnightly"}))
    assert message.startswith("feature_mapping_train.json: freq: unknown frequency")
    assert "unknown frequency 'fortnightly'" in message


def test_gap_inside_a_series(tmp_path):
    features, targets, oracle = seed_frames()
    holed = features.filter(
        ~((pl.col("productID") == 103) & (pl.col("storeID") == 2) & (pl.col("date").dt.day() == 4))
    )
    message = error_of(write_seed(tmp_path, holed, targets, oracle))
    assert "train_data_features.feather: 1 series has gaps at frequency 1d" in message
    assert "(productID=103, storeID=2) misses 2021-03-04" in message
    data = load(write_seed(tmp_path, holed, targets, oracle), check_gaps=False)
    assert data.frame.height == features.height - 1


def test_oracle_problems(tmp_path):
    features, targets, oracle = seed_frames()
    short = oracle.filter(pl.col("bdID") != 1020)
    message = error_of(write_seed(tmp_path, features, targets, short))
    assert (
        "train_data_oracle.feather: 1 feature row without a matching oracle row (bdID 1020)"
        in message
    )
    bad = oracle.with_columns(
        pl.when(pl.col("bdID") == 1001)
        .then(0.0)
        .otherwise("oracle_dispersion")
        .alias("oracle_dispersion")
    )
    message = error_of(write_seed(tmp_path, features, targets, bad))
    assert "'oracle_dispersion' must be positive" in message and "bdID 1001" in message


def test_missing_and_corrupted_files(tmp_path):
    paths = write_seed(tmp_path)
    message = error_of({**paths, "target": tmp_path / "nope.feather"})
    assert message.startswith("nope.feather: file not found")
    (tmp_path / "broken.feather").write_bytes(b"not an arrow file at all")
    message = error_of({**paths, "features": tmp_path / "broken.feather"})
    assert message.startswith("broken.feather: cannot read")


def test_parquet_oracle_sibling_and_dataframe_of_sku_tuples(tmp_path):
    features, targets, oracle = seed_frames()
    features.write_parquet(tmp_path / "train_data_features.parquet")
    targets.write_parquet(tmp_path / "train_data_target.parquet")
    oracle.write_parquet(tmp_path / "train_data_oracle.parquet")
    wanted = pl.DataFrame({"productID": [103], "storeID": [2]})
    data = load_seed_files(
        tmp_path / "train_data_features.parquet",
        tmp_path / "train_data_target.parquet",
        sku_tuples=wanted,
    )
    assert data.has_oracle and data.sku_tuples() == [(103, 2)]
    assert data.metadata["oracle_path"].endswith("train_data_oracle.parquet")


def test_missing_key_values(tmp_path):
    features, targets, oracle = seed_frames()
    bad = features.with_columns(
        pl.when(pl.col("bdID") == 1002).then(None).otherwise("storeID").alias("storeID")
    )
    message = error_of(write_seed(tmp_path, bad, targets, oracle))
    assert message.startswith("train_data_features.feather: column 'storeID' has 1 missing value")
    assert "(bdID, productID, date) (1002," in message
