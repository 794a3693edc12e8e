"""The synthetic M5-like generator: files, schema, reproducibility, no leakage, oracle."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchlab.errors import InputError
from benchlab.forecast.data import synthetic
from benchlab.forecast.data.synthetic import (
    SIZES,
    SynthPaths,
    SynthSize,
    generate_synthetic,
    history_features,
)

TINY = SIZES["tiny"]
END = dt.date(2020, 3, 28)
HISTORY_PREFIXES = ("feature_lag_", "feature_rolling_")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> SynthPaths:
    return generate_synthetic("tiny", seed=42, out_dir=tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def panel(tiny: SynthPaths) -> pl.DataFrame:
    """Features, target and oracle joined on bdID."""
    features = pl.read_ipc(tiny.features)
    return features.join(pl.read_ipc(tiny.target), on="bdID", how="inner").join(
        pl.read_ipc(tiny.oracle), on="bdID", how="inner"
    )


def _history_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith(HISTORY_PREFIXES)]


def test_sizes_match_the_spec() -> None:
    assert SIZES["tiny"] == SynthSize(5, 2, 730)
    assert SIZES["small"] == SynthSize(25, 4, 1095)
    assert SIZES["medium"] == SynthSize(100, 10, 1826)
    assert SIZES["m5"] == SynthSize(3049, 10, 1941)
    assert SIZES["m5"].n_series == 30_490


def test_files_schema_and_dtypes(tiny: SynthPaths) -> None:
    out = tiny.features.parent
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "train_data_features.feather",
            "train_data_target.feather",
            "train_data_oracle.feather",
            "feature_mapping_train.json",
            "feature_mapping_train.pkl",
        ]
    )  # no temporary folder left behind
    features = pl.scan_ipc(tiny.features).collect_schema()
    assert list(features)[:4] == ["bdID", "productID", "storeID", "date"]
    assert [features[c] for c in ("bdID", "productID", "storeID", "date")] == [
        pl.Int64,
        pl.Int64,
        pl.Int64,
        pl.Date,
    ]
    feature_cols = list(features)[4:]
    assert all(c.startswith("feature_") for c in feature_cols)
    assert all(features[c] == pl.Float32 for c in feature_cols)
    for name in ("lag_28", "sell_price", "price_ratio", "promo", "event", "snap", "category"):
        assert f"feature_{name}" in feature_cols
    assert "feature_department" in feature_cols
    assert dict(pl.scan_ipc(tiny.target).collect_schema()) == {
        "bdID": pl.Int64,
        "target": pl.Float64,
    }
    assert dict(pl.scan_ipc(tiny.oracle).collect_schema()) == {
        "bdID": pl.Int64,
        "oracle_mean": pl.Float64,
        "oracle_dispersion": pl.Float64,
    }


def test_rows_ids_and_dates(tiny: SynthPaths, panel: pl.DataFrame) -> None:
    n_rows = TINY.n_series * TINY.n_days
    for path in (tiny.features, tiny.target, tiny.oracle):
        frame = pl.read_ipc(path)
        assert frame.height == n_rows
        assert frame["bdID"].n_unique() == n_rows
    assert panel.height == n_rows  # bdID joins the three files 1:1
    assert panel.equals(panel.sort("productID", "storeID", "date"))
    products = set(panel["productID"].unique())
    assert {80558, 80651} <= products
    assert products == {80558 + 93 * k for k in range(TINY.n_products)}
    assert set(panel["storeID"].unique()) == {1, 2}
    per_series = panel.group_by("productID", "storeID").agg(
        pl.len(), pl.col("date").min().alias("first"), pl.col("date").max().alias("last")
    )
    assert per_series.height == TINY.n_series
    assert (per_series["len"] == TINY.n_days).all()
    assert (per_series["last"] == END).all()
    assert (per_series["first"] == END - dt.timedelta(days=TINY.n_days - 1)).all()
    test_days = panel.filter(pl.col("date") >= dt.date(2020, 3, 1))["date"].n_unique()
    assert test_days == 28


def test_target_and_oracle_values(panel: pl.DataFrame) -> None:
    target = panel["target"].to_numpy()
    assert np.isfinite(target).all() and (target >= 0).all()
    assert (target == np.round(target)).all()
    assert (panel["oracle_mean"] >= 0).all()
    assert (panel["oracle_dispersion"] > 0).all()


def test_same_seed_same_bytes_other_seed_other_data(tiny: SynthPaths, tmp_path: Path) -> None:
    again = generate_synthetic("tiny", seed=42, out_dir=tmp_path / "again")
    for name in ("features", "target", "oracle", "mapping_json", "mapping_pkl"):
        assert getattr(again, name).read_bytes() == getattr(tiny, name).read_bytes(), name
    other = generate_synthetic("tiny", seed=7, out_dir=tmp_path / "other")
    assert not pl.read_ipc(other.target).equals(pl.read_ipc(tiny.target))
    assert not pl.read_ipc(other.oracle).equals(pl.read_ipc(tiny.oracle))


@pytest.mark.parametrize("chunk_series", [1, 3, 7])
def test_output_does_not_depend_on_chunk_size(
    tiny: SynthPaths, tmp_path: Path, chunk_series: int
) -> None:
    chunked = generate_synthetic("tiny", seed=42, out_dir=tmp_path, chunk_series=chunk_series)
    for name in ("features", "target", "oracle"):
        assert_frame_equal(pl.read_ipc(getattr(chunked, name)), pl.read_ipc(getattr(tiny, name)))
    assert chunked.mapping_json.read_bytes() == tiny.mapping_json.read_bytes()


def test_lag_features_equal_past_targets(panel: pl.DataFrame) -> None:
    keys = ["productID", "storeID", "date"]
    for lag in (28, 35, 42):
        past = panel.select(
            "productID",
            "storeID",
            (pl.col("date") + pl.duration(days=lag)).alias("date"),
            pl.col("target").alias("past"),
        )
        joined = panel.select(*keys, f"feature_lag_{lag}").join(past, on=keys, how="left")
        assert joined[f"feature_lag_{lag}"].null_count() == TINY.n_series * lag
        defined = joined.drop_nulls(f"feature_lag_{lag}")
        assert (defined[f"feature_lag_{lag}"].cast(pl.Float64) == defined["past"]).all()


def test_rolling_features_read_only_the_lagged_window(panel: pl.DataFrame) -> None:
    series = panel.filter((pl.col("productID") == 80651) & (pl.col("storeID") == 2))
    y = series["target"].to_numpy()
    for window in (7, 28):
        mean = series[f"feature_rolling_mean_lag28_window{window}"].to_numpy()
        std = series[f"feature_rolling_std_lag28_window{window}"].to_numpy()
        for t in (28 + window - 1, 200, 500, len(y) - 1):
            past = y[t - 28 - window + 1 : t - 28 + 1]
            assert mean[t] == pytest.approx(past.mean(), rel=1e-5, abs=1e-5)
            assert std[t] == pytest.approx(past.std(ddof=1), rel=1e-4, abs=1e-4)


def test_mutating_future_targets_leaves_earlier_features_unchanged(panel: pl.DataFrame) -> None:
    long = panel.select("productID", "storeID", "date", "target")
    cut = dt.date(2019, 6, 1)
    mutated = long.with_columns(
        pl.when(pl.col("date") >= cut).then(pl.col("target") + 1000.0).otherwise("target")
    )
    before, after = history_features(long), history_features(mutated)
    cols = _history_columns(before)
    assert len(cols) == 7
    known = pl.col("date") < cut + dt.timedelta(days=28)
    assert_frame_equal(before.filter(known).select(cols), after.filter(known).select(cols))
    later = before.filter(~known).select(cols)
    assert not later.equals(after.filter(~known).select(cols))  # the mutation is visible later
    assert_frame_equal(before.select(cols), panel.select(cols))  # same as the written features


def test_oracle_is_the_expected_demand(panel: pl.DataFrame) -> None:
    ratio = panel["target"].mean() / panel["oracle_mean"].mean()
    assert abs(ratio - 1.0) < 0.05
    mu, k, y = (panel[c].to_numpy() for c in ("oracle_mean", "oracle_dispersion", "target"))
    pearson = np.mean((y - mu) ** 2 / (mu + mu**2 / k))  # NB variance mu + mu^2/k
    assert 0.8 < pearson < 1.2
    stats = panel.group_by("productID", "storeID").agg(
        (pl.col("target") == 0).mean().alias("zeros"), pl.col("target").mean().alias("mean")
    )
    assert (stats["zeros"] > 0.4).any()  # intermittent series
    assert (stats["mean"] > 2.0).any()  # fast sellers


def test_price_and_calendar_features(panel: pl.DataFrame) -> None:
    assert (panel["feature_sell_price"] > 0).all()
    assert set(panel["feature_promo"].unique()) == {0.0, 1.0}
    assert set(panel["feature_snap"].unique()) == {0.0, 1.0}
    assert panel["feature_event"].min() == 0 and panel["feature_event"].max() >= 9
    christmas = panel.filter(pl.col("date") == dt.date(2019, 12, 25))
    assert christmas["feature_event"].unique().to_list() == [9.0]
    promo = panel.group_by("productID", "feature_promo").agg(pl.col("feature_price_ratio").mean())
    wide = promo.pivot("feature_promo", index="productID", values="feature_price_ratio")
    assert (wide["1.0"] < wide["0.0"]).all()  # promotions are discounts
    oracle = panel.group_by("productID", "storeID", "feature_promo").agg(
        pl.col("oracle_mean").mean()
    )
    lift = oracle.pivot("feature_promo", index=["productID", "storeID"], values="oracle_mean")
    assert (lift["1.0"] > lift["0.0"]).mean() > 0.5  # promotions sell more


def test_mapping_json_equals_pickle(tiny: SynthPaths) -> None:
    mapping = json.loads(tiny.mapping_json.read_text())
    assert pickle.loads(tiny.mapping_pkl.read_bytes()) == mapping
    feature_cols = list(pl.scan_ipc(tiny.features).collect_schema())[4:]
    assert list(mapping["feature_columns"]) == feature_cols
    assert mapping["feature_columns"]["feature_lag_28"] == "target lagged 28 days"
    assert mapping["price_feature"] == "feature_sell_price"
    assert (mapping["freq"], mapping["season_length"], mapping["horizon"]) == ("1d", 7, 28)
    assert mapping["id_columns"] == {"productID": "product_id", "storeID": "store_id"}
    generator = mapping["generator"]
    assert generator["size"] == "tiny" and generator["seed"] == 42
    assert generator["n_series"] == 10
    assert (generator["start"], generator["end"]) == ("2018-03-30", "2020-03-28")
    assert set(mapping["hierarchy"]) == {str(80558 + 93 * k) for k in range(5)}
    categories = {h["category"] for h in mapping["hierarchy"].values()}
    assert categories <= {"FOODS", "HOUSEHOLD", "HOBBIES"} and len(categories) == 3
    assert all(h["department"].startswith(h["category"]) for h in mapping["hierarchy"].values())


def test_custom_size_and_horizon(tmp_path: Path) -> None:
    paths = generate_synthetic(SynthSize(2, 3, 120), seed=1, out_dir=tmp_path, horizon=7)
    features = pl.read_ipc(paths.features)
    assert features.height == 6 * 120
    assert "feature_lag_7" in features.columns and "feature_lag_28" not in features.columns
    mapping = json.loads(paths.mapping_json.read_text())
    assert mapping["horizon"] == 7 and mapping["generator"]["size"] == "custom"


def test_unknown_size_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="tiny, small, medium, m5"):
        generate_synthetic("huge", out_dir=tmp_path)
    with pytest.raises(InputError, match="horizon"):
        generate_synthetic("tiny", out_dir=tmp_path, horizon=0)
    with pytest.raises(InputError, match="seed"):
        generate_synthetic("tiny", out_dir=tmp_path, seed=-1)
    assert list(tmp_path.iterdir()) == []


def test_crash_leaves_no_partial_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = synthetic._chunk_frames
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic, "_chunk_frames", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        generate_synthetic("tiny", out_dir=tmp_path, chunk_series=4)
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_runs(tmp_path: Path) -> None:
    paths = generate_synthetic(SynthSize(1, 1, 60), out_dir=tmp_path, progress=True)
    assert pl.read_ipc(paths.target).height == 60
