"""Stage 2 (seed 003's ``prepare_tensor_cache``): the training weeks → a memory-mapped tensor
cache in ``data/prepared/tensor_cache/``, and :class:`TensorCache` to read it.

=================================  ============  ==============================================
file                               shape         content
=================================  ============  ==============================================
product_embeddings.npy             [P+3, 256]    0 PAD, 1 UNK, 2 MASK, 3+ products (PPMI + SVD
                                                 of basket co-occurrence, or item2vec)
customer_history_embeddings.npy    [C+1, 160]    SVD of the product profile, most informative
                                                 columns first (T1 uses 0:96); 0 = unknown
customer_static_embeddings.npy     [C+1, 160]    department affinity (0:32, T1), lifestage,
                                                 price sensitivity, spend, prices paid, shares
customer_segments.npy              [C+1] int64   k-means segment of each customer (unknown: k)
segment_embeddings.npy             [k+1, 64]     segment centroids (history space); row k unknown
store_embeddings.npy               [S+1, 96]     format, region, statistics, sales mix
positional_encodings.npy           [L, 256]      sinusoidal, L = max_seq_len
price_features.npy                 [R, 64]       T4 (:mod:`benchlab.basket.prices`)
price_keys.parquet                 R rows        product_idx, store_idx, shop_week → row
vocab.json                                       products/customers/stores → index, categories,
                                                 settings, input_hash
=================================  ============  ==============================================

Everything is learned from the **training weeks only**: products, customers and stores first
seen later map to UNK (index 1 for products, 0 otherwise); price features exist for every
(product, store, week) of any split whose product and store are known, with reference prices
from earlier weeks only. ``input_hash`` covers the three samples files, stage 1's
``samples_info.json``, ``raw_data/transactions.parquet`` and the settings; :class:`TensorCache`
refuses a cache whose inputs changed. The folder is written beside its place and swapped in
whole (the old one renamed aside, the new one renamed in), so a reader finds the old cache, the
new one or, for the instant between the two renames, none; never a half-written one.

Memory stays bounded by the training items and one slice of price features: transactions
are read with Polars' streaming engine, co-occurrence is summed over chunks of baskets, and
the price features are written a slice of products at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from benchlab.basket.config import CacheConfig
from benchlab.basket.embeddings import (
    FIRST_PRODUCT_ID,
    MASK_ID,
    PAD_ID,
    STATIC_BLOCKS,
    STORE_BLOCKS,
    UNK_ID,
)
from benchlab.basket.layout import SPLITS, ProjectLayout
from benchlab.basket.prices import (
    CLASS_RELATIVE_COLUMN,
    LOG_PRICE_COLUMN,
    PRICE_BLOCKS,
    PRICE_DIM,
    PROMOTION_COLUMN,
)
from benchlab.errors import InputError
from benchlab.logs import get_logger

log = get_logger("basket.cache")

#: Bumped when the cache's content changes meaning (part of ``input_hash``).
FORMAT_VERSION = 1
#: Customer segments (k-means clusters; fewer when there are fewer customers).
N_SEGMENTS = 8
#: Product hierarchy levels recorded in ``vocab.json`` (finest first).
LEVELS = ("PROD_CODE_10", "PROD_CODE_20", "PROD_CODE_30", "PROD_CODE_40")
ARRAYS = (
    "product_embeddings",
    "customer_history_embeddings",
    "customer_static_embeddings",
    "customer_segments",
    "segment_embeddings",
    "store_embeddings",
    "positional_encodings",
    "price_features",
)
#: The samples columns stage 2 reads (one row per training basket).
BASKET_COLUMNS = [
    "basket_id",
    "customer_id",
    "store_id",
    "shop_week",
    "shop_weekday",
    "shop_hour",
    "n_products",
    "history_length",
    "total_spend",
    "cust_price_sensitivity",
    "cust_lifestage",
    "store_format",
    "store_region",
]
VOCAB_FILE = "vocab.json"
PRICE_KEYS_FILE = "price_keys.parquet"
_WEEK_BITS, _STORE_BITS = 12, 20


def _rerun(project_root: Path | str) -> str:
    return f"rerun `benchlab basket prepare-cache --project-root {project_root}`"


# --- input hash -------------------------------------------------------------------------------
_FILE_HASHES: dict[tuple[str, int, int, int], str] = {}


def _file_hash(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime, inode) within the process."""
    from benchlab.runs import sha256_file

    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _FILE_HASHES:
        _FILE_HASHES[key] = sha256_file(path)
    return _FILE_HASHES[key]


def input_files(layout: ProjectLayout) -> dict[str, Path]:
    """The files a cache is built from, by their path under the project root."""
    from benchlab.basket.samples import INFO_FILE

    paths = [*(layout.samples(s) for s in SPLITS), layout.prepared / INFO_FILE, layout.raw_parquet]
    return {p.relative_to(layout.root).as_posix(): p for p in paths}


def _settings(config: CacheConfig, max_seq_len: int, seed: int) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "config": config.model_dump(mode="json"),
        "max_seq_len": max_seq_len,
        "seed": seed,
        "n_segments": N_SEGMENTS,
    }


def input_hash(
    project_root: str | Path,
    config: CacheConfig | None = None,
    *,
    max_seq_len: int = 50,
    seed: int = 0,
) -> str:
    """sha256 over the input files' hashes and the settings: what ``vocab.json`` records."""
    layout = ProjectLayout(project_root)
    files = {}
    for name, path in input_files(layout).items():
        if not path.is_file():
            raise InputError(
                f"{path}: missing; run stage 1 first (benchlab basket prepare-samples "
                f"--project-root {project_root})"
            )
        files[name] = _file_hash(path)
    return _combine(files, _settings(config or CacheConfig(), max_seq_len, seed))


def _combine(files: dict[str, str], settings: dict[str, Any]) -> str:
    text = json.dumps({"files": files, "settings": settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def read_vocab(cache_dir: str | Path) -> dict[str, Any]:
    path = Path(cache_dir) / VOCAB_FILE
    if not path.is_file():
        raise InputError(f"{path}: missing; the tensor cache is incomplete or was never built")
    return json.loads(path.read_text())


def stale_reason(
    project_root: str | Path,
    config: CacheConfig | None = None,
    *,
    max_seq_len: int = 50,
    seed: int = 0,
) -> str | None:
    """Why the project's tensor cache must be built again (``None``: it is current)."""
    layout = ProjectLayout(project_root)
    path = layout.tensor_cache / VOCAB_FILE
    if not path.is_file():
        return "no tensor cache yet"
    vocab = json.loads(path.read_text())
    recorded = vocab.get("settings", {})
    wanted = _settings(config or CacheConfig(), max_seq_len, seed)
    changed = [
        f"{key} {recorded.get(key)!r} → {value!r}"
        for key, value in wanted.items()
        if recorded.get(key) != value
    ]
    if changed:
        return "settings changed: " + "; ".join(changed)
    current = input_hash(project_root, config, max_seq_len=max_seq_len, seed=seed)
    if current != vocab.get("input_hash"):
        return "the samples or transactions changed since the cache was built"
    return None


# --- building -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CacheSummary:
    """What stage 2 wrote."""

    path: Path
    input_hash: str
    product_method: str
    n_products: int
    n_customers: int
    n_stores: int
    n_segments: int
    price_rows: int
    train_baskets: int
    train_items: int
    unknown_product_items: dict[str, int]  # items per split whose product is not in train
    shapes: dict[str, tuple[int, ...]]
    seconds: float


def _index_frame(values: pl.Series, name: str, start: int) -> pl.DataFrame:
    """Sorted distinct non-null ``values`` → ``{name}_idx`` from ``start``."""
    distinct = values.drop_nulls().unique().sort()
    return pl.DataFrame(
        {
            values.name: distinct,
            f"{name}_idx": np.arange(start, start + len(distinct), dtype=np.int32),
        }
    )


def _product_frame(train_rows: pl.LazyFrame) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """The training products (sorted codes → ``product_idx`` from 3) with the index of their
    class, department, group and division, and each level's category codes."""
    first = [pl.col(level).drop_nulls().first() for level in LEVELS]
    products = (
        train_rows.group_by("PROD_CODE").agg(*first).sort("PROD_CODE").collect(engine="streaming")
    )
    products = products.with_columns(
        pl.Series(
            "product_idx",
            np.arange(FIRST_PRODUCT_ID, FIRST_PRODUCT_ID + products.height, dtype=np.int32),
        )
    )
    categories: dict[str, list[str]] = {}
    for level, name in zip(LEVELS, ("class", "dept", "group", "division"), strict=True):
        codes = products[level].fill_null("").unique().sort()
        categories[level] = codes.to_list()
        products = products.with_columns(
            products[level]
            .fill_null("")
            .replace_strict(codes, pl.int_range(len(codes), eager=True), return_dtype=pl.Int32)
            .alias(f"{name}_idx")
        )
    return products, categories


def _replace_directory(tmp: Path, final: Path) -> None:
    """Move the finished folder ``tmp`` onto ``final`` (an older ``final`` is moved aside
    first and removed after)."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.rename(final, old)
    try:
        os.rename(tmp, final)
    except OSError:
        if old is not None:
            os.rename(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _save(folder: Path, name: str, array: np.ndarray) -> tuple[int, ...]:
    np.save(folder / f"{name}.npy", array)
    return tuple(array.shape)


def prepare_tensor_cache(
    project_root: str | Path,
    config: CacheConfig | None = None,
    *,
    max_seq_len: int = 50,
    seed: int = 0,
    progress: bool = False,
    console: object | None = None,
) -> CacheSummary:
    """Stage 2: build ``data/prepared/tensor_cache/`` from stage 1's samples and the
    transactions (see the module doc) and return what it holds."""
    from rich.progress import Progress

    from benchlab.runs import scratch_directory

    started = time.perf_counter()
    config = config or CacheConfig()
    if config.price_dim != PRICE_DIM:
        raise InputError(
            f"cache.price_dim: {config.price_dim} is not {PRICE_DIM} (the T4 table's blocks "
            "fill 64 columns)"
        )
    if max_seq_len < 1:
        raise InputError(f"max_seq_len: {max_seq_len} must be ≥ 1")
    layout = ProjectLayout(project_root)
    digest = input_hash(project_root, config, max_seq_len=max_seq_len, seed=seed)
    files = {name: _file_hash(path) for name, path in input_files(layout).items()}
    steps = ["vocabulary", "products", "prices", "customers", "stores", "writing"]
    with (
        Progress(disable=not progress, console=console, transient=True) as bar,  # type: ignore[arg-type]
        scratch_directory(layout.prepared, "tensor_cache") as tmp,
    ):
        task = bar.add_task("stage 2", total=len(steps))

        def step(name: str) -> None:
            bar.update(task, description=f"stage 2: {name}", completed=steps.index(name))
            log.info("stage 2: %s", name)

        step("vocabulary")
        built = _build(layout, config, max_seq_len, seed, tmp, step)
        step("writing")
        vocab = {
            "format": FORMAT_VERSION,
            "input_hash": digest,
            "inputs": files,
            "settings": _settings(config, max_seq_len, seed),
            **built.pop("vocab"),
        }
        (tmp / VOCAB_FILE).write_text(json.dumps(vocab) + "\n")
        _replace_directory(tmp, layout.tensor_cache)
        bar.update(task, completed=len(steps))
    return CacheSummary(
        path=layout.tensor_cache,
        input_hash=digest,
        product_method=config.product_method,
        seconds=time.perf_counter() - started,
        **built,
    )


def _build(
    layout: ProjectLayout,
    config: CacheConfig,
    max_seq_len: int,
    seed: int,
    folder: Path,
    step: Any,
) -> dict[str, Any]:
    """Compute and save every array into ``folder``; returns the summary fields and the
    vocabulary part of ``vocab.json``."""
    from benchlab.basket import embeddings as emb
    from benchlab.basket.samples import sample_transactions

    root = layout.root
    for split in SPLITS:
        if not layout.samples(split).is_file():
            raise InputError(
                f"{layout.samples(split)}: missing; run stage 1 first (benchlab basket "
                f"prepare-samples --project-root {root})"
            )
    columns = ["BASKET_ID", "PROD_CODE", *LEVELS, "QUANTITY", "SPEND", "STORE_CODE"]
    rows = sample_transactions(root, columns)
    train_rows = rows.filter(pl.col("split") == "train")
    baskets = pl.read_parquet(layout.samples("train"), columns=BASKET_COLUMNS).with_row_index(
        "basket_row"
    )
    if baskets.height == 0:
        raise InputError(f"{layout.samples('train')}: no basket in the train split")

    # vocabulary: what the training weeks hold
    products, categories = _product_frame(train_rows)
    customers = _index_frame(baskets["customer_id"], "customer", 1)
    stores = _index_frame(baskets["store_id"], "store", 1)
    n_products, n_customers, n_stores = products.height, customers.height, stores.height
    n_depts, n_divisions = len(categories["PROD_CODE_20"]), len(categories["PROD_CODE_40"])
    baskets = (
        baskets.join(customers, on="customer_id", how="left", maintain_order="left")
        .join(stores, on="store_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("customer_idx").fill_null(0).alias("customer"),
            pl.col("store_idx").fill_null(0).alias("store"),
        )
    )
    hierarchy = products.select(
        "PROD_CODE", "product_idx", "class_idx", "dept_idx", "division_idx"
    ).lazy()

    step("products")
    items = (
        train_rows.select("BASKET_ID", "PROD_CODE", "QUANTITY", "SPEND", "shop_week")
        .join(hierarchy, on="PROD_CODE", how="inner")
        .join(
            baskets.lazy().select(
                pl.col("basket_id").alias("BASKET_ID"), "basket_row", "customer", "store"
            ),
            on="BASKET_ID",
            how="inner",
        )
        .group_by("basket_row", "product_idx")
        .agg(
            pl.col("QUANTITY").sum(),
            pl.col("SPEND").sum().round(6).cast(pl.Float32).alias("spend"),
            pl.col("shop_week", "customer", "store").first(),
            pl.col("dept_idx", "division_idx").first().cast(pl.Int16),
        )
        .sort("basket_row", "product_idx")
        .collect(engine="streaming")
    )
    n_items = items.height
    bought = items.filter(pl.col("QUANTITY") > 0)
    basket_code = bought["basket_row"].to_numpy().astype(np.int64)
    product_code = bought["product_idx"].to_numpy().astype(np.int64) - FIRST_PRODUCT_ID
    if config.product_method == "item2vec":
        vectors = emb.item2vec_vectors(
            basket_code, product_code, n_products, config.product_dim, seed
        )
    else:
        vectors = emb.cooccurrence_vectors(
            basket_code, product_code, n_products, config.product_dim, seed
        )
    shapes = {
        "product_embeddings": _save(
            folder, "product_embeddings", emb.product_table(vectors, config.product_dim, seed)
        ),
        "positional_encodings": _save(
            folder,
            "positional_encodings",
            emb.positional_encodings(max_seq_len, config.product_dim),
        ),
    }

    step("prices")
    price_items = rows.select(
        "PROD_CODE", "STORE_CODE", "shop_week", "QUANTITY", "SPEND", "split"
    ).join(hierarchy, on="PROD_CODE", how="left")
    unknown = (
        price_items.filter(pl.col("product_idx").is_null())
        .group_by("split")
        .agg(pl.len())
        .collect(engine="streaming")
    )
    unknown_items = {s: 0 for s in SPLITS} | dict(unknown.iter_rows())
    prices, price_shape = _write_prices(
        price_items.drop_nulls("product_idx").join(
            stores.lazy().rename({"store_id": "STORE_CODE"}), on="STORE_CODE", how="inner"
        ),
        folder,
    )
    shapes["price_features"] = price_shape

    step("customers")
    items = items.filter(pl.col("QUANTITY") > 0)  # bought: returns that stage 1 kept left out
    last_train_week = int(baskets["shop_week"].max())  # type: ignore[arg-type]
    items = items.with_columns(_prices_paid(items, prices, last_train_week))
    del prices
    known = items.filter(pl.col("customer") > 0)
    history = emb.customer_history(
        known["customer"].to_numpy().astype(np.int64),
        known["product_idx"].to_numpy().astype(np.int64) - FIRST_PRODUCT_ID,
        n_customers,
        n_products,
        config.customer_dim,
        seed,
    )
    segment_of, segment_table = emb.segments(history, N_SEGMENTS, config.segment_dim, seed)
    static = emb.customer_static(
        baskets.filter(pl.col("customer") > 0),
        known,
        n_customers,
        n_depts,
        n_divisions,
        config.customer_dim,
        seed,
    )
    shapes |= {
        "customer_history_embeddings": _save(folder, "customer_history_embeddings", history),
        "customer_static_embeddings": _save(folder, "customer_static_embeddings", static),
        "customer_segments": _save(folder, "customer_segments", segment_of),
        "segment_embeddings": _save(folder, "segment_embeddings", segment_table),
    }

    step("stores")
    store_table = emb.store_profiles(
        baskets.filter(pl.col("store") > 0),
        items.filter(pl.col("store") > 0),
        n_stores,
        n_depts,
        n_divisions,
        config.store_dim,
    )
    shapes["store_embeddings"] = _save(folder, "store_embeddings", store_table)

    product_categories = {
        level: [-1] * FIRST_PRODUCT_ID + products[f"{name}_idx"].to_list()
        for level, name in zip(LEVELS, ("class", "dept", "group", "division"), strict=True)
    }
    vocab = {
        "special": {"PAD": PAD_ID, "UNK": UNK_ID, "MASK": MASK_ID},
        "products": dict(
            zip(products["PROD_CODE"], products["product_idx"].to_list(), strict=True)
        ),
        "customers": dict(
            zip(customers["customer_id"], customers["customer_idx"].to_list(), strict=True)
        ),
        "stores": dict(zip(stores["store_id"], stores["store_idx"].to_list(), strict=True)),
        "categories": categories,
        "product_categories": product_categories,
        "n_segments": int(segment_table.shape[0] - 1),
        "unknown_segment": int(segment_table.shape[0] - 1),
        "train_weeks": [int(baskets["shop_week"].min()), int(baskets["shop_week"].max())],  # type: ignore[arg-type]
        "shapes": {name: list(shape) for name, shape in shapes.items()},
        "blocks": {
            "price_features": {k: [v.start, v.stop] for k, v in PRICE_BLOCKS.items()},
            "customer_static_embeddings": {k: [v.start, v.stop] for k, v in STATIC_BLOCKS.items()},
            "store_embeddings": {k: [v.start, v.stop] for k, v in STORE_BLOCKS.items()},
        },
    }
    return {
        "vocab": vocab,
        "n_products": n_products,
        "n_customers": n_customers,
        "n_stores": n_stores,
        "n_segments": int(segment_table.shape[0] - 1),
        "price_rows": price_shape[0],
        "train_baskets": baskets.height,
        "train_items": n_items,
        "unknown_product_items": unknown_items,
        "shapes": shapes,
    }


def _write_prices(
    items: pl.LazyFrame, folder: Path, chunk: int = 500_000
) -> tuple[dict[str, np.ndarray], tuple[int, int]]:
    """Weekly prices of every known (product, store, week) → ``price_features.npy`` (written
    a slice of products at a time, so memory holds one slice's features) and
    ``price_keys.parquet``. Returns, per key, the packed key, product, week, log price,
    promotion flag and log price − class average, for the profiles."""
    from benchlab.basket.prices import (
        category_references,
        price_context,
        price_features,
        product_chunks,
        weekly_prices,
    )

    weekly = weekly_prices(items).collect(engine="streaming")
    references = category_references(weekly)
    n = weekly.height
    paid = np.zeros((n, 3), dtype=np.float32)  # lp, promo, class_relative
    with (folder / "price_features.npy").open("wb") as handle:
        header = {"descr": "<f4", "fortran_order": False, "shape": (n, PRICE_DIM)}
        np.lib.format.write_array_header_1_0(handle, header)
        for lo, hi in product_chunks(weekly["product_idx"].to_numpy(), chunk):
            features = price_features(price_context(weekly.slice(lo, hi - lo), references))
            paid[lo:hi] = features[:, [LOG_PRICE_COLUMN, PROMOTION_COLUMN, CLASS_RELATIVE_COLUMN]]
            handle.write(features.astype("<f4", copy=False).tobytes())
    keys = weekly.select(
        pl.col("product_idx").cast(pl.Int32),
        pl.col("store_idx").cast(pl.Int32),
        pl.col("shop_week").cast(pl.Int32),
        pl.int_range(n, dtype=pl.Int64).alias("row"),
    )
    del weekly
    keys.write_parquet(folder / PRICE_KEYS_FILE)
    product, week = keys["product_idx"].to_numpy(), keys["shop_week"].to_numpy()
    prices = {
        "packed": _pack(product, keys["store_idx"].to_numpy(), week),  # ascending: keys sorted
        "product": product,
        "week": week,
        "lp": paid[:, 0],
        "promo": paid[:, 1] > 0.5,
        "class_relative": paid[:, 2],
    }
    return prices, (n, PRICE_DIM)


def _prices_paid(
    items: pl.DataFrame, prices: dict[str, np.ndarray], last_train_week: int
) -> list[pl.Series]:
    """Per item: bought on promotion, log price − class average, and log price − the
    product's mean over every store in the training weeks (the store's price level), looked
    up by (product, store, week) in the sorted price keys (0/False where there is none)."""
    product = items["product_idx"].to_numpy()
    wanted = _pack(product, items["store"].to_numpy(), items["shop_week"].to_numpy())
    packed = prices["packed"]
    pos = np.minimum(np.searchsorted(packed, wanted), max(len(packed) - 1, 0))
    found = (packed[pos] == wanted) if len(packed) else np.zeros(len(wanted), dtype=bool)
    train = prices["week"] <= last_train_week
    size = int(max(product.max(initial=0), prices["product"].max(initial=0))) + 1
    total = np.bincount(prices["product"][train], prices["lp"][train], minlength=size)
    count = np.bincount(prices["product"][train], minlength=size)
    mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    lp = prices["lp"][pos] if len(packed) else np.zeros(len(wanted), dtype=np.float32)
    return [
        pl.Series("promo", found & (prices["promo"][pos] if len(packed) else found)),
        pl.Series("class_relative", np.where(found, prices["class_relative"][pos], 0.0)),
        pl.Series("store_relative", np.where(found, lp - mean[product], 0.0)),
    ]


# --- reading --------------------------------------------------------------------------------
def _pack(product: np.ndarray, store: np.ndarray, week: np.ndarray) -> np.ndarray:
    """One int64 per (product, store, week)."""
    p, s, w = (np.asarray(a, dtype=np.int64) for a in (product, store, week))
    return (p << (_STORE_BITS + _WEEK_BITS)) | (s << _WEEK_BITS) | w


def _project_root(cache_dir: Path) -> Path | None:
    """The project root of a cache at its usual place (``<root>/data/prepared/tensor_cache``)."""
    parts = cache_dir.resolve().parts
    if parts[-3:] == ("data", "prepared", "tensor_cache"):
        return cache_dir.resolve().parents[2]
    return None


class TensorCache:
    """A prepared tensor cache: arrays memory-mapped (``mmap_mode='r'``), lookups vectorised.

    ``expected_hash`` (or, by default, the hash of the project's current samples and
    transactions when the cache sits at its usual place in a project) must equal the
    ``input_hash`` recorded in ``vocab.json``; a mismatch is an
    :class:`~benchlab.errors.InputError` naming both and saying to run stage 2 again.
    """

    def __init__(
        self, cache_dir: str | Path, *, expected_hash: str | None = None, verify: bool = True
    ) -> None:
        self.cache_dir = Path(cache_dir)
        if not self.cache_dir.is_dir():
            raise InputError(f"{self.cache_dir}: no tensor cache here (run prepare-cache)")
        self.vocab = read_vocab(self.cache_dir)
        self.input_hash: str = self.vocab.get("input_hash", "")
        root = _project_root(self.cache_dir)
        if expected_hash is None and verify and root is not None:
            expected_hash = self._current_hash(root)
        if expected_hash is not None and expected_hash != self.input_hash:
            raise InputError(
                f"{self.cache_dir / VOCAB_FILE}: input_hash {self.input_hash[:16]} was built from "
                f"other inputs than the current ones ({expected_hash[:16]}): "
                f"{_rerun(root or '<project root>')}"
            )
        for name in ARRAYS:
            path = self.cache_dir / f"{name}.npy"
            if not path.is_file():
                raise InputError(f"{path}: missing; the tensor cache is incomplete")
            setattr(self, name, np.load(path, mmap_mode="r"))
        self._lookups: dict[str, tuple[pl.Series, pl.Series]] = {}
        self._price_keys: np.ndarray | None = None
        self._price_rows: np.ndarray | None = None

    product_embeddings: np.ndarray
    customer_history_embeddings: np.ndarray
    customer_static_embeddings: np.ndarray
    customer_segments: np.ndarray
    segment_embeddings: np.ndarray
    store_embeddings: np.ndarray
    positional_encodings: np.ndarray
    price_features: np.ndarray

    def _current_hash(self, root: Path) -> str | None:
        """The hash of ``root``'s current inputs with the cache's recorded settings (``None``
        when the project lacks its samples: nothing to compare with)."""
        layout = ProjectLayout(root)
        paths = input_files(layout)
        if not all(p.is_file() for p in paths.values()):
            return None
        files = {name: _file_hash(path) for name, path in paths.items()}
        return _combine(files, self.vocab.get("settings", {}))

    # sizes
    @property
    def n_products(self) -> int:
        return len(self.vocab["products"])

    @property
    def n_customers(self) -> int:
        return len(self.vocab["customers"])

    @property
    def n_stores(self) -> int:
        return len(self.vocab["stores"])

    @property
    def vocab_size(self) -> int:
        """Rows of the product table: PAD, UNK, MASK and the products."""
        return self.n_products + FIRST_PRODUCT_ID

    # id → index, vectorised
    def _index(self, kind: str, ids: Any, default: int) -> np.ndarray:
        if kind not in self._lookups:
            mapping = self.vocab[kind]
            self._lookups[kind] = (
                pl.Series(list(mapping.keys()), dtype=pl.String),
                pl.Series(list(mapping.values()), dtype=pl.Int64),
            )
        keys, values = self._lookups[kind]
        series = ids if isinstance(ids, pl.Series) else pl.Series(list(np.atleast_1d(ids)))
        return (
            series.cast(pl.String)
            .replace_strict(keys, values, default=default, return_dtype=pl.Int64)
            .to_numpy()
        )

    def product_index(self, ids: Any) -> np.ndarray:
        """Vocabulary index of each product code (UNK = 1 for products not in the training
        weeks or missing)."""
        return self._index("products", ids, UNK_ID)

    def customer_index(self, ids: Any) -> np.ndarray:
        """Row of each customer code (0 for anonymous or unknown customers)."""
        return self._index("customers", ids, 0)

    def store_index(self, ids: Any) -> np.ndarray:
        """Row of each store code (0 for stores not in the training weeks)."""
        return self._index("stores", ids, 0)

    def product_id_to_idx(self, product_id: str) -> int:
        return int(self.product_index([product_id])[0])

    def customer_id_to_idx(self, customer_id: str | None) -> int:
        return int(self.customer_index([customer_id])[0])

    def store_id_to_idx(self, store_id: str) -> int:
        return int(self.store_index([store_id])[0])

    # lookups by index
    def price_rows(self, product_idx: Any, store_idx: Any, shop_week: Any) -> np.ndarray:
        """Row of ``price_features`` for each (product index, store index, sequential week),
        -1 where there is none (unknown product or store, no sale that week)."""
        if self._price_keys is None:
            keys = pl.read_parquet(self.cache_dir / PRICE_KEYS_FILE)
            packed = _pack(keys["product_idx"], keys["store_idx"], keys["shop_week"])
            order = np.argsort(packed, kind="stable")
            self._price_keys = packed[order]
            self._price_rows = keys["row"].to_numpy()[order]
        product = np.asarray(product_idx, dtype=np.int64)
        store = np.asarray(store_idx, dtype=np.int64)
        week = np.asarray(shop_week, dtype=np.int64)
        wanted = _pack(product, store, week)
        pos = np.searchsorted(self._price_keys, wanted)
        pos = np.minimum(pos, max(len(self._price_keys) - 1, 0))
        found = (
            (len(self._price_keys) > 0)
            & (self._price_keys[pos] == wanted)
            & (product >= FIRST_PRODUCT_ID)
            & (store > 0)
            & (week >= 0)
            & (week < (1 << _WEEK_BITS))
        )
        return np.where(found, self._price_rows[pos] if len(self._price_keys) else -1, -1)

    def get_price_features(self, product_idx: Any, store_idx: Any, shop_week: Any) -> np.ndarray:
        """[N, 64] price features (zeros where :meth:`price_rows` finds none)."""
        rows = self.price_rows(product_idx, store_idx, shop_week)
        out = np.take(self.price_features, np.maximum(rows, 0), axis=0)
        out[rows < 0] = 0
        return out

    def get_product_embeddings_batch(self, indices: Any) -> np.ndarray:
        return np.take(self.product_embeddings, np.asarray(indices, dtype=np.int64), axis=0)

    def get_product_embedding(self, product_id: str) -> np.ndarray:
        return np.asarray(self.product_embeddings[self.product_id_to_idx(product_id)])

    def get_customer_embedding(self, customer_id: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(history [160], static [160]) of a customer (the unknown row for anyone else)."""
        row = self.customer_id_to_idx(customer_id)
        return (
            np.asarray(self.customer_history_embeddings[row]),
            np.asarray(self.customer_static_embeddings[row]),
        )

    def get_customer_embeddings_batch(self, indices: Any) -> tuple[np.ndarray, np.ndarray]:
        idx = np.asarray(indices, dtype=np.int64)
        return (
            np.take(self.customer_history_embeddings, idx, axis=0),
            np.take(self.customer_static_embeddings, idx, axis=0),
        )

    def get_segment_embeddings_batch(self, customer_indices: Any) -> np.ndarray:
        segments = np.take(self.customer_segments, np.asarray(customer_indices, dtype=np.int64))
        return np.take(self.segment_embeddings, segments, axis=0)

    def get_store_embedding(self, store_id: str) -> np.ndarray:
        return np.asarray(self.store_embeddings[self.store_id_to_idx(store_id)])

    def get_store_embeddings_batch(self, indices: Any) -> np.ndarray:
        return np.take(self.store_embeddings, np.asarray(indices, dtype=np.int64), axis=0)
