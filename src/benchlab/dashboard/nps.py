"""Net Promoter Score: the customers' NPS from their ratings against a model's NPS from its
predicted sentiment (seed 004's NPS tab).

``NPS = 100 × (promoters − detractors) / respondents``, from −100 (all detractors) to 100.

Customers, from a rating:

- 0–10 (the NPS question): 9–10 promoter, 7–8 passive, 0–6 detractor;
- 1–5 stars (reviews): 5 promoter, 4 passive, 1–3 detractor.

The scale is the 5-point one when no rating is above 5, unless given.

A model, from the label it predicts for each review:

- ``positive`` → promoter, ``neutral`` → passive, ``negative`` → detractor (any case; also
  ``pos``/``neu``/``neg``);
- integer classes: 0/1 → detractor/promoter (binary), 0/1/2 → detractor/passive/promoter;
- other integers are read as predicted ratings on the customers' scale.

>>> import numpy as np
>>> nps_score(categorise_ratings(np.array([5, 5, 4, 2, 1])))
0.0
>>> nps_score(categorise_predictions(np.array(["positive", "positive", "neutral", "negative"])))
25.0

A run shows an NPS tab when one of its Parquet files has a rating column (:data:`RATING_COLUMNS`)
and a prediction column (:data:`PREDICTION_COLUMNS`), with a ``model`` column when it holds
several models' predictions and optionally a category column (:data:`CATEGORY_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from benchlab.errors import InputError

PROMOTER, PASSIVE, DETRACTOR = 1, 0, -1
RATING_COLUMNS = ("rating", "stars", "review_score")
PREDICTION_COLUMNS = ("prediction", "predicted_label", "y_pred")
CATEGORY_COLUMNS = ("category", "branch")
_WORDS = {
    "positive": PROMOTER,
    "pos": PROMOTER,
    "neutral": PASSIVE,
    "neu": PASSIVE,
    "negative": DETRACTOR,
    "neg": DETRACTOR,
}


def rating_scale(ratings: np.ndarray) -> int:
    """5 when no rating is above 5, else 10.

    >>> rating_scale(np.array([1, 4, 5])), rating_scale(np.array([0, 7, 10]))
    (5, 10)
    """
    return 5 if float(np.nanmax(ratings)) <= 5 else 10


def categorise_ratings(ratings: np.ndarray, scale: int | None = None) -> np.ndarray:
    """Promoter (1), passive (0) or detractor (−1) for each rating."""
    values = np.asarray(ratings, dtype=float)
    if values.size == 0:
        return np.zeros(0, dtype=int)
    if np.isnan(values).any():
        raise InputError("NPS: a rating is missing")
    scale = scale or rating_scale(values)
    if scale not in (5, 10):
        raise InputError(f"NPS: the rating scale is 5 (stars) or 10; got {scale}")
    low = 1 if scale == 5 else 0
    outside = values[(values < low) | (values > scale)]
    if outside.size:
        raise InputError(
            f"NPS: ratings must lie in {low}–{scale}; got {', '.join(map(str, outside[:5]))}"
        )
    promoter, passive = (5, 4) if scale == 5 else (9, 7)
    return np.where(values >= promoter, PROMOTER, np.where(values >= passive, PASSIVE, DETRACTOR))


def categorise_predictions(predictions: np.ndarray, scale: int = 5) -> np.ndarray:
    """Promoter (1), passive (0) or detractor (−1) for each predicted label (see the module)."""
    values = np.asarray(predictions)
    if values.size == 0:
        return np.zeros(0, dtype=int)
    if values.dtype.kind in "OUS":
        words = np.char.lower(values.astype(str))
        unknown = sorted(set(words.tolist()) - set(_WORDS))
        if unknown:
            raise InputError(
                f"NPS: predicted labels {', '.join(map(repr, unknown[:5]))} are not sentiment "
                f"labels ({', '.join(_WORDS)})"
            )
        return np.vectorize(_WORDS.__getitem__, otypes=[int])(words)
    numbers = values.astype(float)
    if np.isnan(numbers).any() or (numbers != np.round(numbers)).any():
        raise InputError("NPS: predicted labels must be class numbers or sentiment words")
    if numbers.min() >= 0 and numbers.max() <= 1:
        return np.where(numbers == 1, PROMOTER, DETRACTOR)
    if numbers.min() >= 0 and numbers.max() <= 2:
        return (numbers - 1).astype(int)
    return categorise_ratings(numbers, scale)


def nps_score(categories: np.ndarray) -> float:
    """``100 × (promoters − detractors) / n``; NaN for no respondent."""
    categories = np.asarray(categories)
    if categories.size == 0:
        return float("nan")
    return float(100.0 * (categories == PROMOTER).mean() - 100.0 * (categories == DETRACTOR).mean())


def find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """The first column (any case) named like one of ``candidates``."""
    lowered = {c.lower(): c for c in columns}
    return next((lowered[c] for c in candidates if c in lowered), None)


def nps_table(predictions: pl.DataFrame, *, model: str | None = None) -> pl.DataFrame:
    """``model, category, n, customer_nps, model_nps, gap`` from one predictions frame.

    One row per model (``category`` = ``all``), then one per model and category when the frame
    has a category column. ``model`` names the model when the frame has no ``model`` column.
    """
    rating = find_column(predictions.columns, RATING_COLUMNS)
    predicted = find_column(predictions.columns, PREDICTION_COLUMNS)
    if rating is None or predicted is None:
        raise InputError(
            f"NPS: needs a rating column ({', '.join(RATING_COLUMNS)}) and a prediction column "
            f"({', '.join(PREDICTION_COLUMNS)}); got {', '.join(predictions.columns)}"
        )
    category = find_column(predictions.columns, CATEGORY_COLUMNS)
    if "model" not in predictions.columns:
        predictions = predictions.with_columns(pl.lit(model or "model").alias("model"))
    scale = rating_scale(predictions[rating].cast(pl.Float64).to_numpy())
    rows = []
    for (name,), group in predictions.group_by("model", maintain_order=True):
        parts = [("all", group)]
        if category is not None:
            parts += [
                (str(key), part)
                for (key,), part in group.sort(category).group_by(category, maintain_order=True)
            ]
        for label, part in parts:
            customers = nps_score(categorise_ratings(part[rating].to_numpy(), scale))
            predicted_nps = nps_score(categorise_predictions(part[predicted].to_numpy(), scale))
            rows.append(
                {"model": str(name), "category": label, "n": part.height,
                 "customer_nps": customers, "model_nps": predicted_nps,
                 "gap": predicted_nps - customers}
            )  # fmt: skip
    return pl.DataFrame(rows)


def nps_from_files(files: Sequence[tuple[str, Path]]) -> pl.DataFrame:
    """:func:`nps_table` over each ``(run, parquet file)``, with a ``run`` column first."""
    frames = []
    for run, path in files:
        table = nps_table(pl.read_parquet(path), model=path.stem)
        frames.append(table.select(pl.lit(run).alias("run"), pl.all()))
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="vertical_relaxed")
