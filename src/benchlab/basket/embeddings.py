"""The maths of stage 2's embeddings, on arrays of the training weeks only.

* products [P+3, d]: PPMI of within-basket co-occurrence factorised by truncated SVD
  (:func:`cooccurrence_vectors`, the default) or item2vec, skip-gram with negative sampling
  (:func:`item2vec_vectors`); :func:`product_table` adds PAD (zeros), UNK (the mean product)
  and MASK (a fixed seeded vector) in rows 0–2;
* customer history [C+1, d]: truncated SVD of the customers' TF-IDF product profiles, columns
  in order of singular value (the most informative first); row 0 (unknown) the mean customer;
* segments: k-means on the history (seeded), the centroids' leading columns as segment
  embeddings, one extra row for the unknown customer;
* sinusoidal positional encodings [max_seq_len, d].

Every function is seeded where it draws, returns float32, and reads nothing but its arguments.

>>> positional_encodings(3, 4)[1].astype(float).round(3).tolist()
[0.841, 0.54, 0.01, 1.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import polars as pl
import scipy.sparse as sp

PAD_ID, UNK_ID, MASK_ID = 0, 1, 2
FIRST_PRODUCT_ID = 3
#: Context-distribution smoothing of PPMI and item2vec's negative sampling.
SMOOTHING = 0.75
#: Up to this many products the PPMI matrix is factorised exactly (dense SVD).
DENSE_SVD_LIMIT = 1024
#: Up to this many products co-occurrence and PPMI are dense float32 matrices (256 MiB at most).
DENSE_COOCCURRENCE_LIMIT = 8192
#: item2vec takes at least this many optimiser steps per epoch (smaller batches on small data).
MIN_STEPS = 100


def fit_width(matrix: np.ndarray, dim: int) -> np.ndarray:
    """``matrix`` with exactly ``dim`` columns: zero-padded on the right or cut (float32)."""
    out = np.zeros((matrix.shape[0], dim), dtype=np.float32)
    width = min(dim, matrix.shape[1])
    out[:, :width] = matrix[:, :width]
    return out


def incidence(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """Binary sparse matrix with a 1 at each (row, col) pair (repeats count once)."""
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=shape)
    matrix.data[:] = 1.0
    return matrix


def ppmi(
    cooccurrence: np.ndarray | sp.spmatrix, smoothing: float = SMOOTHING
) -> np.ndarray | sp.csr_matrix:
    """Positive pointwise mutual information of a symmetric count matrix (dense or sparse,
    returned alike), with context counts raised to ``smoothing`` (Levy et al. 2015); zero rows
    stay zero.

    >>> c = np.array([[0, 4, 0], [4, 0, 1], [0, 1, 0]], dtype=float)
    >>> (ppmi(c) > 0).astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    >>> bool(np.allclose(ppmi(sp.csr_matrix(c)).toarray(), ppmi(c)))
    True
    """
    sparse = sp.issparse(cooccurrence)
    total = float(cooccurrence.sum())
    if total <= 0:
        return (
            sp.csr_matrix(cooccurrence.shape, dtype=np.float32)
            if sparse
            else (np.zeros(cooccurrence.shape, dtype=np.float32))
        )
    row_sum = np.asarray(cooccurrence.sum(axis=1), dtype=np.float64).ravel()
    context = np.asarray(cooccurrence.sum(axis=0), dtype=np.float64).ravel() ** smoothing
    context /= context.sum()
    with np.errstate(divide="ignore"):
        log_row = np.where(row_sum > 0, np.log(row_sum / total), 0.0)
        log_context = np.where(context > 0, np.log(context), 0.0)
    if sparse:
        coo = sp.coo_matrix(cooccurrence, dtype=np.float64)
        pmi = np.log(coo.data / total) - log_row[coo.row] - log_context[coo.col]
        keep = pmi > 0
        return sp.csr_matrix(
            (pmi[keep].astype(np.float32), (coo.row[keep], coo.col[keep])), shape=coo.shape
        )
    counts = np.asarray(cooccurrence, dtype=np.float32)
    pmi = np.log(counts, out=np.full(counts.shape, -np.inf, np.float32), where=counts > 0)
    pmi -= np.float32(np.log(total))
    pmi -= log_row.astype(np.float32)[:, None]
    pmi -= log_context.astype(np.float32)[None, :]
    return np.maximum(pmi, 0, out=pmi)


def _svd(matrix: sp.spmatrix, dim: int, seed: int) -> np.ndarray:
    """``matrix`` projected on its ``dim`` leading singular vectors (U·Σ, columns in order of
    singular value); fewer columns where the matrix has fewer."""
    from sklearn.decomposition import TruncatedSVD

    k = min(dim, min(matrix.shape) - 1)
    if k < 1 or matrix.nnz == 0:
        return np.zeros((matrix.shape[0], 0), dtype=np.float32)
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=seed)
    return svd.fit_transform(matrix.astype(np.float32)).astype(np.float32)


def cooccurrence_counts(
    basket: np.ndarray, product: np.ndarray, n_products: int, *, chunk: int = 2_000_000
) -> np.ndarray | sp.csr_matrix:
    """[P, P]: in how many baskets each two products meet (diagonal 0). Dense float32 up to
    :data:`DENSE_COOCCURRENCE_LIMIT` products, summed over chunks of about ``chunk`` items (so
    memory stays near the matrix itself), sparse above."""
    order = np.argsort(basket, kind="stable")
    basket, product = basket[order], product[order]
    if n_products > DENSE_COOCCURRENCE_LIMIT:
        x = incidence(basket, product, (int(basket.max(initial=-1)) + 1, n_products))
        counts = (x.T @ x).tocsr()
        counts.setdiag(0)
        counts.eliminate_zeros()
        return counts
    counts = np.zeros((n_products, n_products), dtype=np.float32)
    starts = np.searchsorted(basket, basket[np.arange(0, len(basket), chunk)], side="left")
    bounds = [*np.unique(starts).tolist(), len(basket)]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        local = basket[lo:hi] - basket[lo]
        x = incidence(local, product[lo:hi], (int(local[-1]) + 1, n_products))
        block = (x.T @ x).tocoo()
        counts[block.row, block.col] += block.data  # (row, col) pairs are unique
    np.fill_diagonal(counts, 0)
    return counts


def cooccurrence_vectors(
    basket: np.ndarray, product: np.ndarray, n_products: int, dim: int, seed: int
) -> np.ndarray:
    """[n_products, ≤dim] product vectors: PPMI of how often two products share a basket,
    factorised by truncated SVD (rows U·√Σ; exact up to :data:`DENSE_SVD_LIMIT` products,
    randomized and seeded above). ``basket`` and ``product`` are 0-based codes of the
    training items (one pair per item; repeats in a basket count once)."""
    weights = ppmi(cooccurrence_counts(basket, product, n_products))
    k = min(dim, n_products - 1)
    empty = weights.nnz == 0 if sp.issparse(weights) else not weights.any()
    if k < 1 or empty:
        return np.zeros((n_products, 0), dtype=np.float32)
    if n_products <= DENSE_SVD_LIMIT:  # exact, and faster than the randomized solver here
        u, s, _ = np.linalg.svd(np.asarray(weights, dtype=np.float64))
        u, s = u[:, :k], s[:k]
    else:
        from sklearn.utils.extmath import randomized_svd

        u, s, _ = randomized_svd(weights, n_components=k, n_iter=5, random_state=seed)
    return (u * np.sqrt(s)).astype(np.float32)


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """torch's intra-op threads set to ``n`` inside the block, restored after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def item2vec_vectors(
    basket: np.ndarray,
    product: np.ndarray,
    n_products: int,
    dim: int,
    seed: int,
    *,
    epochs: int = 5,
    contexts: int = 2,
    negatives: int = 5,
    batch_size: int = 4096,
    learning_rate: float = 0.01,
    max_pairs: int = 2_000_000,
) -> np.ndarray:
    """[n_products, dim] item2vec vectors (Barkan & Koenigstein 2016): skip-gram with negative
    sampling where every other item of the same basket is a context. Per epoch each item takes
    ``contexts`` random co-items of its basket (at most ``max_pairs`` pairs), negatives come
    from the unigram distribution to the 3/4; Adam in torch (batches of ``batch_size`` pairs,
    smaller where an epoch would take fewer than :data:`MIN_STEPS` steps), every draw seeded by
    ``seed``. The vectors are returned centred (their common direction removed)."""
    import torch
    from torch import nn

    order = np.lexsort((product, basket))
    basket, product = basket[order], product[order]
    keep = np.ones(len(basket), dtype=bool)
    keep[1:] = (basket[1:] != basket[:-1]) | (product[1:] != product[:-1])
    basket, product = basket[keep], product[keep]
    _, starts, lengths = np.unique(basket, return_index=True, return_counts=True)
    start = np.repeat(starts, lengths)
    length = np.repeat(lengths, lengths)
    position = np.arange(len(basket)) - start

    centres = np.flatnonzero(length > 1)
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    counts = np.bincount(product, minlength=n_products).astype(np.float64) ** SMOOTHING
    noise = torch.from_numpy(counts / counts.sum() if counts.sum() else np.ones(n_products))
    scale = 0.5 / dim
    emb_in = nn.Parameter((torch.rand(n_products, dim, generator=generator) - 0.5) * 2 * scale)
    emb_out = nn.Parameter(torch.zeros(n_products, dim))
    optimiser = torch.optim.Adam([emb_in, emb_out], lr=learning_rate)
    logsig = nn.functional.logsigmoid
    with _torch_threads(1):  # small steps: little gain from more threads, stalls when shared
        for _ in range(epochs if len(centres) else 0):
            centre = np.repeat(centres, contexts)
            if len(centre) > max_pairs:
                centre = rng.choice(centre, max_pairs, replace=False)
            offset = rng.integers(1, length[centre])
            context = start[centre] + (position[centre] + offset) % length[centre]
            perm = rng.permutation(len(centre))
            u_all = torch.from_numpy(product[centre[perm]].astype(np.int64))
            v_all = torch.from_numpy(product[context[perm]].astype(np.int64))
            step = int(np.clip(len(perm) // MIN_STEPS, 32, batch_size))
            for lo in range(0, len(perm), step):
                u, v = u_all[lo : lo + step], v_all[lo : lo + step]
                neg = torch.multinomial(noise, len(u) * negatives, True, generator=generator)
                vec = emb_in[u]
                positive = (vec * emb_out[v]).sum(-1)
                negative = torch.bmm(emb_out[neg].view(len(u), negatives, dim), vec.unsqueeze(-1))
                loss = -(logsig(positive) + logsig(-negative.squeeze(-1)).sum(-1)).mean()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
    vectors = emb_in.detach().numpy().astype(np.float64)
    return (vectors - vectors.mean(axis=0)).astype(np.float32)


def product_table(vectors: np.ndarray, dim: int, seed: int) -> np.ndarray:
    """[P+3, dim]: row 0 PAD (zeros), 1 UNK (the mean product), 2 MASK (a fixed seeded
    direction), then ``vectors`` with each row scaled to norm √dim (one per dimension on
    average, above the sinusoidal positions' √(dim/2)). A product without a vector (no
    co-occurrence) takes the UNK row."""
    vectors = fit_width(np.asarray(vectors, dtype=np.float32), dim)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    known = norms[:, 0] > 0
    target = np.float32(np.sqrt(dim))
    vectors = np.where(known[:, None], vectors / np.maximum(norms, 1e-12) * target, 0)
    unknown = vectors[known].mean(axis=0) if known.any() else np.zeros(dim, np.float32)
    vectors[~known] = unknown
    mask = np.random.default_rng([seed, 2]).standard_normal(dim)
    mask *= target / np.linalg.norm(mask)
    table = np.zeros((len(vectors) + FIRST_PRODUCT_ID, dim), dtype=np.float32)
    table[UNK_ID] = unknown
    table[MASK_ID] = mask
    table[FIRST_PRODUCT_ID:] = vectors
    return table


def positional_encodings(max_seq_len: int, dim: int) -> np.ndarray:
    """[max_seq_len, dim] sinusoidal encodings (Vaswani et al. 2017): sin at even, cos at odd
    columns, wavelengths 2π … 10000·2π."""
    position = np.arange(max_seq_len, dtype=np.float64)[:, None]
    rate = np.exp(-np.log(10000.0) * np.arange(0, dim, 2) / dim)
    table = np.zeros((max_seq_len, dim), dtype=np.float64)
    table[:, 0::2] = np.sin(position * rate)
    table[:, 1::2] = np.cos(position * rate)[:, : dim // 2]
    return table.astype(np.float32)


def customer_history(
    customer: np.ndarray,
    product: np.ndarray,
    n_customers: int,
    n_products: int,
    dim: int,
    seed: int,
) -> np.ndarray:
    """[n_customers+1, dim]: row ``c`` (1-based customer code) is the truncated SVD of the
    customer's TF-IDF profile of bought products (log counts, rows normalised), columns in
    order of singular value, scaled to root-mean-square 1 over the customers; row 0 (unknown
    customer) the mean of the rows. ``customer`` is 1-based, ``product`` 0-based."""
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = sp.csr_matrix(
        (np.ones(len(customer), np.float32), (customer - 1, product)),
        shape=(n_customers, n_products),
    )
    counts.sum_duplicates()
    counts.data = np.log1p(counts.data)
    profile = TfidfTransformer(sublinear_tf=False).fit_transform(counts)
    vectors = _svd(profile, dim, seed)
    rms = float(np.sqrt(np.mean(vectors**2))) if vectors.size else 0.0
    if rms > 0:
        vectors /= rms
    return with_unknown_row(fit_width(vectors, dim))


def with_unknown_row(rows: np.ndarray) -> np.ndarray:
    """``rows`` under a first row holding their mean (the unknown entity; zeros if none)."""
    mean = rows.mean(axis=0, keepdims=True) if len(rows) else np.zeros((1, rows.shape[1]))
    return np.concatenate([mean, rows]).astype(np.float32)


def segments(
    history: np.ndarray, n_segments: int, dim: int, seed: int, *, columns: int = 96
) -> tuple[np.ndarray, np.ndarray]:
    """K-means (seeded, ``k = min(n_segments, C)`` clusters) on the known customers' leading
    history ``columns`` (rows 1…C of ``history``): the segment of every row (row 0, the unknown
    customer, gets segment ``k``, the unknown one) and [k+1, dim] segment embeddings: each
    centroid's first ``dim`` columns, then the unknown row's."""
    from sklearn.cluster import KMeans

    known = history[1:, :columns]
    k = min(n_segments, len(known))
    assigned = np.full(len(history), k, dtype=np.int64)
    centroids = np.zeros((k, known.shape[1]), dtype=np.float32)
    if k >= 1:
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(known)
        assigned[1:] = model.labels_
        centroids = model.cluster_centers_.astype(np.float32)
    table = np.concatenate([centroids, history[:1, :columns]], axis=0)
    return assigned, fit_width(table, dim)


# --- customer and store profiles --------------------------------------------------------------
LIFESTAGES = ("YA", "OA", "YF", "OF", "PE", "OT")
SENSITIVITIES = ("LA", "MM", "UM")
STORE_FORMATS = ("LS", "MS", "SS", "XLS")
STORE_REGIONS = (
    *(f"E0{i}" for i in range(1, 6)),
    *(f"N0{i}" for i in range(1, 4)),
    *(f"S0{i}" for i in range(1, 4)),
    *(f"W0{i}" for i in range(1, 3)),
)
AFFINITY_DIM = 32
#: Pseudo-spend (a fraction of the mean entity's spend) that pulls a small spender's category
#: shares towards the population's.
SHARE_PRIOR = 0.1

#: Column blocks of the static customer embedding (the rest, up to its width, is zero).
STATIC_BLOCKS: dict[str, slice] = {
    "affinity": slice(0, 32),
    "lifestage": slice(32, 39),
    "price_sensitivity": slice(39, 43),
    "spend": slice(43, 51),
    "prices_paid": slice(51, 55),
    "divisions": slice(55, 65),
    "hours": slice(65, 89),
    "weekdays": slice(89, 96),
    "store_formats": slice(96, 101),
}
#: Column blocks of the store embedding.
STORE_BLOCKS: dict[str, slice] = {
    "format": slice(0, 5),
    "region": slice(5, 19),
    "stats": slice(19, 27),
    "hours": slice(27, 51),
    "weekdays": slice(51, 58),
    "divisions": slice(58, 68),
    "departments": slice(68, 96),
}


def _codes(values: pl.Series, categories: tuple[str, ...]) -> np.ndarray:
    """Index of each value in ``categories``; anything else (XX, missing) → len(categories)."""
    lookup = {value: i for i, value in enumerate(categories)}
    return (
        values.cast(pl.String)
        .replace_strict(lookup, default=len(categories), return_dtype=pl.Int64)
        .to_numpy()
    )


def _one_hot(codes: np.ndarray, width: int) -> np.ndarray:
    return np.eye(width, dtype=np.float32)[np.clip(codes, 0, width - 1)]


def _shares(
    owner: np.ndarray, value: np.ndarray, weight: np.ndarray, n_owners: int, width: int
) -> np.ndarray:
    """[n_owners, width]: each owner's distribution of ``weight`` over ``value`` (rows sum to
    1 where the owner has any weight)."""
    matrix = np.zeros((n_owners, width), dtype=np.float64)
    np.add.at(matrix, (owner, np.clip(value, 0, width - 1)), weight)
    total = matrix.sum(axis=1, keepdims=True)
    return (matrix / np.where(total > 0, total, 1)).astype(np.float32)


def _standardise(columns: np.ndarray) -> np.ndarray:
    """Each column to mean 0, standard deviation 1 over the rows (constant columns → 0)."""
    mean = columns.mean(axis=0, keepdims=True) if len(columns) else 0
    std = columns.std(axis=0, keepdims=True) if len(columns) else 1
    return ((columns - mean) / np.where(std > 0, std, 1)).astype(np.float32)


def category_affinity(
    owner: np.ndarray,
    category: np.ndarray,
    spend: np.ndarray,
    n_owners: int,
    n_categories: int,
    dim: int,
    seed: int,
) -> np.ndarray:
    """[n_owners, dim]: log-lift of each owner's (smoothed) spend share per category over the
    population's share. With more categories than ``dim``, their PCA (seeded), leading
    components first; else the categories by total spend, zero-padded."""
    spend = np.clip(spend, 0, None)
    matrix = np.zeros((n_owners, n_categories), dtype=np.float64)
    np.add.at(matrix, (owner, category), spend)
    population = matrix.sum(axis=0)
    total = population.sum()
    if n_owners == 0 or total <= 0:
        return np.zeros((n_owners, dim), dtype=np.float32)
    population /= total
    prior = SHARE_PRIOR * total / n_owners
    shares = (matrix + prior * population) / (matrix.sum(axis=1, keepdims=True) + prior)
    lift = np.log(np.maximum(shares, 1e-9) / np.maximum(population, 1e-9))
    lift[:, population == 0] = 0
    if n_categories > dim:
        from sklearn.decomposition import PCA

        k = min(dim, n_owners, n_categories)
        if k >= 1 and n_owners > 1:
            lift = PCA(n_components=k, svd_solver="randomized", random_state=seed).fit_transform(
                lift
            )
        else:
            lift = lift[:, :0]
    else:
        lift = lift[:, np.argsort(-population, kind="stable")]
    return fit_width(lift.astype(np.float32), dim)


def customer_static(
    baskets: pl.DataFrame,
    items: pl.DataFrame,
    n_customers: int,
    n_departments: int,
    n_divisions: int,
    dim: int,
    seed: int,
) -> np.ndarray:
    """[n_customers+1, dim] from the training weeks (:data:`STATIC_BLOCKS`): department
    affinity, lifestage and price-sensitivity one-hots, spend statistics, prices paid (share
    bought on promotion, position in the class), division, hour, weekday and store-format
    shares; row 0 the mean customer.

    ``baskets``: one row per training basket of a known customer: ``customer`` (1-based),
    ``cust_lifestage``, ``cust_price_sensitivity``, ``total_spend``, ``n_products``,
    ``shop_hour``, ``shop_weekday``, ``shop_week``, ``store_format``. ``items``: ``customer``,
    ``dept_idx``, ``division_idx``, ``spend``, ``promo`` (bool), ``class_relative`` (log price
    − the class average, 0 if unknown).
    """
    c = n_customers
    out = np.zeros((c, max(dim, 101)), dtype=np.float32)
    b_owner = baskets["customer"].to_numpy().astype(np.int64) - 1
    i_owner = items["customer"].to_numpy().astype(np.int64) - 1
    spend = items["spend"].to_numpy().astype(np.float64)
    out[:, STATIC_BLOCKS["affinity"]] = category_affinity(
        i_owner, items["dept_idx"].to_numpy(), spend, c, n_departments, AFFINITY_DIM, seed
    )
    last = (
        baskets.sort("shop_week")
        .group_by("customer", maintain_order=True)
        .agg(pl.col("cust_lifestage").last(), pl.col("cust_price_sensitivity").last())
    )
    owner = last["customer"].to_numpy().astype(np.int64) - 1
    out[owner, STATIC_BLOCKS["lifestage"]] = _one_hot(_codes(last["cust_lifestage"], LIFESTAGES), 7)
    out[owner, STATIC_BLOCKS["price_sensitivity"]] = _one_hot(
        _codes(last["cust_price_sensitivity"], SENSITIVITIES), 4
    )
    first_week = int(baskets["shop_week"].min() or 1) if baskets.height else 1
    span = max(int(baskets["shop_week"].max() or 1) - first_week, 1) if baskets.height else 1
    stats = (
        baskets.group_by("customer")
        .agg(
            pl.len().alias("baskets"),
            pl.col("shop_week").n_unique().alias("weeks"),
            pl.col("total_spend").clip(lower_bound=0).log1p().mean().alias("spend"),
            pl.col("total_spend").clip(lower_bound=0).log1p().std().fill_null(0).alias("spread"),
            pl.col("n_products").cast(pl.Float64).log1p().mean().alias("items"),
            pl.col("shop_week").min().alias("first"),
            pl.col("shop_week").max().alias("last"),
        )
        .sort("customer")
    )
    owner = stats["customer"].to_numpy().astype(np.int64) - 1
    block = np.stack(
        [
            np.log1p(stats["baskets"].to_numpy()),
            np.log1p(stats["weeks"].to_numpy()),
            stats["baskets"].to_numpy() / stats["weeks"].to_numpy(),
            stats["spend"].to_numpy(),
            stats["spread"].to_numpy(),
            stats["items"].to_numpy(),
            (stats["first"].to_numpy() - first_week) / span,
            (stats["last"].to_numpy() - first_week) / span,
        ],
        axis=1,
    )
    out[owner, STATIC_BLOCKS["spend"]] = _standardise(block)
    paid = (
        items.group_by("customer")
        .agg(
            pl.col("promo").cast(pl.Float64).mean().alias("promo"),
            pl.col("class_relative").mean().alias("relative"),
            (pl.col("class_relative") > 0.25).cast(pl.Float64).mean().alias("premium"),
            (pl.col("class_relative") < -0.25).cast(pl.Float64).mean().alias("value"),
        )
        .sort("customer")
    )
    owner = paid["customer"].to_numpy().astype(np.int64) - 1
    out[owner, STATIC_BLOCKS["prices_paid"]] = _standardise(
        paid.select("promo", "relative", "premium", "value").to_numpy().astype(np.float64)
    )
    out[:, STATIC_BLOCKS["divisions"]] = fit_width(
        _shares(i_owner, items["division_idx"].to_numpy(), spend, c, max(n_divisions, 1)), 10
    )
    ones = np.ones(len(b_owner))
    out[:, STATIC_BLOCKS["hours"]] = _shares(
        b_owner, baskets["shop_hour"].to_numpy().astype(np.int64), ones, c, 24
    )
    out[:, STATIC_BLOCKS["weekdays"]] = _shares(
        b_owner, baskets["shop_weekday"].to_numpy().astype(np.int64) - 1, ones, c, 7
    )
    out[:, STATIC_BLOCKS["store_formats"]] = _shares(
        b_owner, _codes(baskets["store_format"], STORE_FORMATS), ones, c, 5
    )
    return with_unknown_row(fit_width(out, dim))


def store_profiles(
    baskets: pl.DataFrame,
    items: pl.DataFrame,
    n_stores: int,
    n_departments: int,
    n_divisions: int,
    dim: int,
) -> np.ndarray:
    """[n_stores+1, dim] from the training weeks (:data:`STORE_BLOCKS`): format and region
    one-hots, statistics (baskets per week, spend, items, anonymous and new-customer shares,
    customers, price level, promotion share), hour, weekday and division shares, and the shares
    of the departments that sell most overall; row 0 the mean store.

    ``baskets``: ``store`` (1-based), ``store_format``, ``store_region``, ``total_spend``,
    ``n_products``, ``shop_hour``, ``shop_weekday``, ``shop_week``, ``customer`` (0 =
    anonymous), ``history_length``. ``items``: ``store``, ``dept_idx``, ``division_idx``,
    ``spend``, ``promo``, ``store_relative`` (log price − the product's mean over stores).
    """
    s = n_stores
    out = np.zeros((s, max(dim, 96)), dtype=np.float32)
    b_owner = baskets["store"].to_numpy().astype(np.int64) - 1
    i_owner = items["store"].to_numpy().astype(np.int64) - 1
    first = baskets.group_by("store").agg(pl.col("store_format", "store_region").mode().first())
    owner = first["store"].to_numpy().astype(np.int64) - 1
    out[owner, STORE_BLOCKS["format"]] = _one_hot(_codes(first["store_format"], STORE_FORMATS), 5)
    out[owner, STORE_BLOCKS["region"]] = _one_hot(_codes(first["store_region"], STORE_REGIONS), 14)
    stats = (
        baskets.group_by("store")
        .agg(
            (pl.len() / pl.col("shop_week").n_unique()).log1p().alias("per_week"),
            pl.col("total_spend").clip(lower_bound=0).log1p().mean().alias("spend"),
            pl.col("n_products").cast(pl.Float64).log1p().mean().alias("items"),
            (pl.col("customer") == 0).cast(pl.Float64).mean().alias("anonymous"),
            (pl.col("history_length") == 0).cast(pl.Float64).mean().alias("new"),
            pl.col("customer").filter(pl.col("customer") > 0).n_unique().log1p().alias("people"),
        )
        .sort("store")
    )
    prices = (
        items.group_by("store")
        .agg(
            pl.col("store_relative").mean().alias("level"),
            pl.col("promo").cast(pl.Float64).mean().alias("promo"),
        )
        .sort("store")
    )
    block = np.zeros((s, 8), dtype=np.float64)
    owner = stats["store"].to_numpy().astype(np.int64) - 1
    block[owner, :6] = stats.select(
        "per_week", "spend", "items", "anonymous", "new", "people"
    ).to_numpy()
    owner = prices["store"].to_numpy().astype(np.int64) - 1
    block[owner, 6:] = prices.select("level", "promo").to_numpy()
    out[:, STORE_BLOCKS["stats"]] = _standardise(block)
    ones = np.ones(len(b_owner))
    out[:, STORE_BLOCKS["hours"]] = _shares(
        b_owner, baskets["shop_hour"].to_numpy().astype(np.int64), ones, s, 24
    )
    out[:, STORE_BLOCKS["weekdays"]] = _shares(
        b_owner, baskets["shop_weekday"].to_numpy().astype(np.int64) - 1, ones, s, 7
    )
    spend = items["spend"].to_numpy().astype(np.float64)
    out[:, STORE_BLOCKS["divisions"]] = fit_width(
        _shares(i_owner, items["division_idx"].to_numpy(), spend, s, max(n_divisions, 1)), 10
    )
    departments = _shares(i_owner, items["dept_idx"].to_numpy(), spend, s, max(n_departments, 1))
    overall = np.zeros(max(n_departments, 1))
    np.add.at(overall, np.clip(items["dept_idx"].to_numpy(), 0, None), spend)
    top = np.argsort(-overall, kind="stable")[:28]
    out[:, STORE_BLOCKS["departments"]] = fit_width(departments[:, top], 28)
    return with_unknown_row(fit_width(out, dim))
