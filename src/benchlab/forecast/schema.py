"""Column names shared by every forecasting module.

Internally every forecasting frame is *long*: the configured id columns (for the seed 000 files
``product_id, store_id``), ``date``, ``target``, then feature columns. Prediction frames add
``y_pred``, one ``q_<alpha>`` column per quantile and, when the data has an oracle,
``oracle_mean`` and ``oracle_dispersion``.
"""

from __future__ import annotations

from collections.abc import Sequence

DATE = "date"
TARGET = "target"
Y_TRUE = "y_true"
Y_PRED = "y_pred"
ORACLE_MEAN = "oracle_mean"
ORACLE_DISPERSION = "oracle_dispersion"
PRICE = "price"
SEED_ID_COLUMNS = ("product_id", "store_id")


def quantile_column(alpha: float) -> str:
    """Name of the prediction column of quantile ``alpha``: ``quantile_column(0.1) == 'q_0.1'``."""
    return f"q_{alpha:g}"


def quantile_columns(alphas: Sequence[float]) -> list[str]:
    return [quantile_column(a) for a in alphas]
