"""Stage 2: the tensor cache's files, vocabulary, lookups, training-weeks-only rule, input hash
and whole-folder writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.basket import cache as cache_module
from benchlab.basket.cache import (
    ARRAYS,
    PRICE_KEYS_FILE,
    TensorCache,
    prepare_tensor_cache,
    stale_reason,
)
from benchlab.basket.config import CacheConfig
from benchlab.basket.layout import ProjectLayout
from benchlab.basket.samples import enhance_temporal_metadata, sample_transactions
from benchlab.errors import InputError


@pytest.fixture()
def prepared_copy(basket_prepared_root: Path, tmp_path: Path) -> Path:
    """A writable copy of the prepared tiny project."""
    root = tmp_path / "project"
    shutil.copytree(basket_prepared_root, root)
    return root


@pytest.fixture(scope="module")
def cache(basket_prepared_root: Path) -> TensorCache:
    return TensorCache(ProjectLayout(basket_prepared_root).tensor_cache)


def _train_rows(root: Path) -> pl.DataFrame:
    return (
        sample_transactions(root, ["BASKET_ID", "PROD_CODE", "STORE_CODE", "CUST_CODE"])
        .filter(pl.col("split") == "train")
        .collect()
    )


def test_every_file_has_its_shape_and_dtype(cache: TensorCache) -> None:
    p, c, s = cache.n_products, cache.n_customers, cache.n_stores
    k = cache.vocab["n_segments"]
    expected = {
        "product_embeddings": ((p + 3, 256), np.float32),
        "customer_history_embeddings": ((c + 1, 160), np.float32),
        "customer_static_embeddings": ((c + 1, 160), np.float32),
        "customer_segments": ((c + 1,), np.int64),
        "segment_embeddings": ((k + 1, 64), np.float32),
        "store_embeddings": ((s + 1, 96), np.float32),
        "positional_encodings": ((50, 256), np.float32),
    }
    for name, (shape, dtype) in expected.items():
        array = getattr(cache, name)
        assert isinstance(array, np.memmap), name  # loaded with mmap_mode='r'
        assert array.shape == shape and array.dtype == dtype, name
        assert np.isfinite(array).all(), name
    assert cache.price_features.shape[1] == 64 and cache.price_features.dtype == np.float32
    keys = pl.read_parquet(cache.cache_dir / PRICE_KEYS_FILE)
    assert keys["row"].to_list() == list(range(cache.price_features.shape[0]))
    assert keys.select("product_idx", "store_idx", "shop_week").is_unique().all()
    assert 1 <= k <= 8 and cache.customer_segments[0] == k
    assert set(np.unique(cache.customer_segments[1:])) <= set(range(k))
    assert not cache.product_embeddings[0].any()  # PAD
    assert cache.vocab_size == p + 3 and cache.vocab["special"] == {"PAD": 0, "UNK": 1, "MASK": 2}


def _department_neighbours(cache: TensorCache) -> tuple[float, float]:
    """Share of products whose nearest product (cosine) is of their department, and chance."""
    vectors = np.asarray(cache.product_embeddings[3:])
    dept = np.array(cache.vocab["product_categories"]["PROD_CODE_20"][3:])
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    same = (dept[sim.argmax(axis=1)] == dept).mean()
    return float(same), float(np.mean([(dept == d).mean() for d in dept]))


def test_product_embeddings_group_products_of_a_department(cache: TensorCache) -> None:
    same, chance = _department_neighbours(cache)
    assert same > 2 * chance


def test_vocabulary_comes_from_the_training_weeks(
    cache: TensorCache, basket_prepared_root: Path
) -> None:
    train = _train_rows(basket_prepared_root)
    products = sorted(train["PROD_CODE"].unique())
    assert list(cache.vocab["products"]) == products
    assert list(cache.vocab["products"].values()) == list(range(3, 3 + len(products)))
    assert sorted(cache.vocab["customers"]) == sorted(train["CUST_CODE"].drop_nulls().unique())
    assert sorted(cache.vocab["stores"].values()) == list(range(1, cache.n_stores + 1))
    later = pl.read_parquet(ProjectLayout(basket_prepared_root).samples("test"))
    newcomers = later.filter(~pl.col("customer_id").is_in(list(cache.vocab["customers"])))
    assert (cache.customer_index(newcomers["customer_id"]) == 0).all()


def test_lookups_are_vectorised_and_default_to_unknown(
    cache: TensorCache, basket_prepared_root: Path
) -> None:
    known = next(iter(cache.vocab["products"]))
    assert cache.product_index([known, "PRD_NOT_SOLD", None]).tolist() == [3, 1, 1]
    assert cache.customer_index(pl.Series([None, "CUST_NOBODY"], dtype=pl.String)).tolist() == [
        0,
        0,
    ]
    assert cache.product_id_to_idx(known) == 3
    history, static = cache.get_customer_embedding(None)
    np.testing.assert_array_equal(history, cache.customer_history_embeddings[0])
    assert static.shape == (160,)
    items = (
        sample_transactions(basket_prepared_root, ["PROD_CODE", "STORE_CODE", "QUANTITY"])
        .filter(pl.col("QUANTITY") > 0)
        .collect()
    )
    product = cache.product_index(items["PROD_CODE"])
    store = cache.store_index(items["STORE_CODE"])
    rows = cache.price_rows(product, store, items["shop_week"].to_numpy())
    assert (rows >= 0).all()  # every sold (known product, known store, week) has a row
    keys = pl.read_parquet(cache.cache_dir / PRICE_KEYS_FILE)
    np.testing.assert_array_equal(keys["product_idx"].to_numpy()[rows], product)
    np.testing.assert_array_equal(keys["shop_week"].to_numpy()[rows], items["shop_week"])
    missing = cache.price_rows([1, product[0], product[0]], [store[0], 0, store[0]], [1, 1, 999])
    assert missing.tolist() == [-1, -1, -1]
    features = cache.get_price_features([1, product[0]], [store[0], store[0]], [1, 1])
    assert not features[0].any() and features.shape == (2, 64)


def _modify_later_weeks(source: Path, target: Path) -> None:
    """Copy the project with its validation and test rows changed: prices up 70 %, a third
    of the test baskets gone, one product renamed to a new one, a new customer."""
    shutil.copytree(source / "raw_data", target / "raw_data")
    info = json.loads((ProjectLayout(source).prepared / "samples_info.json").read_text())
    train_last = info["ranges"]["train"][1]
    later = [raw for raw, week in info["weeks"] if week > train_last]
    frame = pl.read_parquet(ProjectLayout(source).raw_parquet)
    is_later = pl.col("SHOP_WEEK").is_in(later)
    product = frame["PROD_CODE"][0]
    frame = frame.filter(~(is_later & (pl.col("BASKET_ID") % 3 == 0))).with_columns(
        pl.when(is_later).then(pl.col("SPEND") * 1.7).otherwise(pl.col("SPEND")).alias("SPEND"),
        pl.when(is_later & (pl.col("PROD_CODE") == product))
        .then(pl.lit("PRD0999999"))
        .otherwise(pl.col("PROD_CODE"))
        .alias("PROD_CODE"),
        pl.when(is_later & (pl.col("BASKET_ID") % 5 == 0))
        .then(pl.lit("CUST9999999999"))
        .otherwise(pl.col("CUST_CODE"))
        .alias("CUST_CODE"),
    )
    (target / "raw_data" / "transactions.csv").unlink()
    frame.write_parquet(target / "raw_data" / "transactions.parquet")


def test_validation_and_test_rows_change_nothing_learned(basket_root: Path, tmp_path: Path) -> None:
    enhance_temporal_metadata(basket_root)
    prepare_tensor_cache(basket_root)
    changed = tmp_path / "changed"
    _modify_later_weeks(basket_root, changed)
    enhance_temporal_metadata(changed)
    summary = prepare_tensor_cache(changed)
    assert summary.unknown_product_items["train"] == 0
    assert summary.unknown_product_items["validation"] + summary.unknown_product_items["test"] > 0
    a = TensorCache(ProjectLayout(basket_root).tensor_cache)
    b = TensorCache(ProjectLayout(changed).tensor_cache)
    assert a.input_hash != b.input_hash
    for kind in ("products", "customers", "stores", "categories", "product_categories"):
        assert a.vocab[kind] == b.vocab[kind], kind
    for name in ARRAYS:
        if name != "price_features":
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    train_last = a.vocab["train_weeks"][1]
    keys = ["product_idx", "store_idx", "shop_week"]
    ka = pl.read_parquet(a.cache_dir / PRICE_KEYS_FILE)
    kb = pl.read_parquet(b.cache_dir / PRICE_KEYS_FILE)
    train_keys = ka.filter(pl.col("shop_week") <= train_last)
    same = train_keys.join(kb, on=keys, how="inner", suffix="_b")
    assert same.height == train_keys.height == kb.filter(pl.col("shop_week") <= train_last).height
    np.testing.assert_array_equal(
        a.price_features[same["row"].to_numpy()], b.price_features[same["row_b"].to_numpy()]
    )
    later = ka.filter(pl.col("shop_week") > train_last).join(kb, on=keys, suffix="_b")
    assert later.height > 0  # the comparison can fail: later weeks' features did move
    assert not np.allclose(
        a.price_features[later["row"].to_numpy()], b.price_features[later["row_b"].to_numpy()]
    )


def test_a_cache_of_other_samples_is_refused(prepared_copy: Path) -> None:
    layout = ProjectLayout(prepared_copy)
    recorded = json.loads((layout.tensor_cache / "vocab.json").read_text())["input_hash"]
    assert TensorCache(layout.tensor_cache).input_hash == recorded
    assert stale_reason(prepared_copy) is None
    with pytest.raises(InputError, match="rerun `benchlab basket prepare-cache"):
        TensorCache(layout.tensor_cache, expected_hash="0" * 64)
    train = pl.read_parquet(layout.samples("train"))
    train.head(train.height - 1).write_parquet(layout.samples("train"))
    with pytest.raises(InputError) as error:
        TensorCache(layout.tensor_cache)
    message = str(error.value)
    assert recorded[:16] in message and "prepare-cache --project-root" in message
    current = cache_module.input_hash(prepared_copy)
    assert current != recorded and current[:16] in message
    assert "changed" in (stale_reason(prepared_copy) or "")
    from benchlab.basket.dataset import WorldModelDataset

    with pytest.raises(InputError, match="input_hash"):
        WorldModelDataset(prepared_copy, split="train")
    TensorCache(layout.tensor_cache, verify=False)  # opening without the check still works


def test_stale_reason_names_changed_settings(basket_prepared_root: Path) -> None:
    assert stale_reason(basket_prepared_root, CacheConfig(), max_seq_len=50) is None
    reason = stale_reason(basket_prepared_root, CacheConfig(product_method="item2vec"))
    assert reason is not None and "item2vec" in reason
    assert "max_seq_len 50 → 20" in (stale_reason(basket_prepared_root, max_seq_len=20) or "")


def test_a_failed_build_leaves_the_old_cache(
    prepared_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchlab.basket import embeddings

    layout = ProjectLayout(prepared_copy)
    before = {p.name: p.read_bytes() for p in layout.tensor_cache.iterdir()}

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(embeddings, "customer_history", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        prepare_tensor_cache(prepared_copy, max_seq_len=30)
    after = {p.name: p.read_bytes() for p in layout.tensor_cache.iterdir()}
    assert after == before
    assert [p.name for p in layout.prepared.iterdir() if p.name.startswith(".")] == []


def test_a_rebuild_replaces_the_whole_folder(prepared_copy: Path) -> None:
    layout = ProjectLayout(prepared_copy)
    (layout.tensor_cache / "leftover.txt").write_text("from an older cache")
    summary = prepare_tensor_cache(prepared_copy, max_seq_len=20, seed=1)
    assert not (layout.tensor_cache / "leftover.txt").exists()
    assert [p.name for p in layout.prepared.iterdir() if p.name.startswith(".")] == []
    rebuilt = TensorCache(layout.tensor_cache)
    assert rebuilt.positional_encodings.shape == (20, 256)
    assert rebuilt.input_hash == summary.input_hash
    assert stale_reason(prepared_copy, max_seq_len=20, seed=1) is None


def test_item2vec_products(prepared_copy: Path) -> None:
    summary = prepare_tensor_cache(prepared_copy, CacheConfig(product_method="item2vec"))
    built = TensorCache(summary.path)
    assert built.vocab["settings"]["config"]["product_method"] == "item2vec"
    vectors = np.asarray(built.product_embeddings[3:])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 16.0, rtol=1e-4)
    same, chance = _department_neighbours(built)
    assert same > 2 * chance


def test_bad_input_is_one_message(basket_root: Path, basket_prepared_root: Path) -> None:
    with pytest.raises(InputError, match="train_samples.parquet: missing; run stage 1"):
        prepare_tensor_cache(basket_root)
    with pytest.raises(InputError, match="cache.price_dim: 32 is not 64"):
        prepare_tensor_cache(basket_prepared_root, CacheConfig(price_dim=32))
    with pytest.raises(InputError, match="no tensor cache"):
        TensorCache(basket_root / "nowhere")
