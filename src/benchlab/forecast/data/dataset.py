"""The in-memory forecasting dataset every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from benchlab.forecast.schema import ORACLE_MEAN, PRICE


@dataclass
class ForecastData:
    """A long frame, sorted by ``id_columns`` then ``date``, with one row per series and period.

    Columns: ``*id_columns``, ``date`` (pl.Date or pl.Datetime), ``target`` (Float64), the
    ``feature_columns`` (precomputed model inputs, e.g. seed 000's ``feature_*``; empty for a
    panel whose features benchlab builds), the panel's ``exogenous_columns``, and optionally
    ``price`` (for revenue weights) and ``oracle_mean``/``oracle_dispersion`` (the generator's
    true demand distribution: negative binomial with that mean and dispersion ``k``, variance
    ``mean + mean**2 / k``).
    """

    frame: pl.DataFrame
    id_columns: tuple[str, ...]
    freq: str  # a Polars interval: "1d", "1w", "1mo", "1q", ...
    season_length: int
    feature_columns: tuple[str, ...] = ()
    exogenous_columns: tuple[str, ...] = ()
    source: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def has_oracle(self) -> bool:
        return ORACLE_MEAN in self.frame.columns

    @property
    def has_price(self) -> bool:
        return PRICE in self.frame.columns

    @property
    def n_series(self) -> int:
        return self.frame.select(pl.struct(list(self.id_columns)).n_unique()).item()

    def sku_tuples(self) -> list[tuple]:
        """Every series key, in frame order."""
        keys = self.frame.select(list(self.id_columns)).unique(maintain_order=True)
        return [tuple(row) for row in keys.iter_rows()]
