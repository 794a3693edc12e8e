"""A global LSTM over history windows of every series given: ``lstm`` and ``lstm_quantile``.

As in seed 001's ``LSTMForecaster``, ``input_size`` past values (30) map to the next
``output_size`` values (7); any horizon is forecast by rolling forward in blocks, feeding the
point (median) forecasts back as inputs. One network serves every series given (under COMBINED
every SKU; under INDIVIDUAL one SKU): each series is divided by the mean absolute value of its
own training history, so series of different levels share the weights. A series shorter than
one window is left-padded with its first value.

For early stopping every series long enough holds out its latest periods (``val_fraction`` of
its length, at least ``output_size``): validation windows forecast only those periods, training
windows only earlier ones. ``lstm_quantile`` predicts ``output_size`` steps × one output per
fitted alpha, monotone per step, trained with pinball loss; its quantiles come from the same
median-fed roll-forward, so they do not widen for uncertainty in fed-back values.

>>> model = LSTMQuantile(quantile_alphas=[0.1, 0.9])
>>> point, quantiles = model.fit_series(y, indptr, season_length=7).forecast(28)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from benchlab.errors import InputError
from benchlab.forecast.model_types import model_registry
from benchlab.forecast.models.base import ModelInfo, check_series, sort_quantiles
from benchlab.forecast.models.neural import NeuralModel, NeuralParams

if TYPE_CHECKING:
    import torch


class LSTMParams(NeuralParams):
    """Hyperparameters of the LSTMs: window, network size, and the shared training ones."""

    input_size: int = Field(30, gt=0, description="past values the network reads")
    output_size: int = Field(7, gt=0, description="future values one pass predicts")
    hidden_size: int = Field(64, gt=0)
    num_layers: int = Field(1, gt=0)
    batch_size: int = Field(64, gt=0)
    learning_rate: float = Field(3e-3, gt=0.0)


class _LSTMModel(NeuralModel):
    """Windowing, scaling, training, roll-forward forecasting and persistence of both LSTMs."""

    Params = LSTMParams

    @property
    def _alphas(self) -> tuple[float, ...]:
        return ()

    def fit_series(self, y: np.ndarray, indptr: np.ndarray, *, season_length: int) -> _LSTMModel:
        """Scale each series by its own history and train on its windows; returns ``self``."""
        import torch

        from benchlab.forecast.models._nets import WindowDataset

        name, p = self.info.name, self.params_
        y, indptr = check_series(y, indptr, model=name)
        if int(season_length) < 1:
            raise InputError(f"{name}: season_length must be at least 1; got {season_length}")
        lengths = np.diff(indptr)
        self.scale_ = series_scale(y, indptr)
        scaled = y / np.repeat(self.scale_, lengths)
        width = p.input_size + p.output_size
        values, padded_indptr = left_pad(scaled, indptr, width)
        train, val = window_starts(
            padded_indptr, lengths, p.input_size, p.output_size, p.val_fraction
        )
        self.last_window_ = values[padded_indptr[1:, None] - p.input_size + np.arange(p.input_size)]
        values_t = torch.from_numpy(values.astype(np.float32))

        def dataset(starts: np.ndarray) -> WindowDataset:
            return WindowDataset(values_t, torch.from_numpy(starts), p.input_size, width)

        self._train(dataset(train), dataset(val) if val.size else None, self._alphas)
        return self

    def _build_net(self) -> torch.nn.Module:
        from benchlab.forecast.models._nets import LSTMNet

        p = self.params_
        return LSTMNet(p.output_size, p.hidden_size, p.num_layers, p.dropout, len(self._alphas))

    def _roll(self, horizon: int) -> np.ndarray:
        """Scaled outputs for ``horizon`` steps, ``(n_series, horizon[, n_alphas])``."""
        self._check_fitted("net_")
        if horizon < 0:
            raise InputError(f"{self.info.name}: horizon must be non-negative; got {horizon}")
        window = self.last_window_.astype(np.float32)
        blocks = []
        for _ in range(math.ceil(horizon / self.params_.output_size)):
            out = self._run(window)
            blocks.append(out)
            fed = out[..., self._alphas.index(0.5)] if self._alphas else out
            window = np.concatenate([window, fed.astype(np.float32)], axis=1)[:, -window.shape[1] :]
        if not blocks:
            extra = (len(self._alphas),) if self._alphas else ()
            return np.zeros((window.shape[0], 0, *extra))
        return np.concatenate(blocks, axis=1)[:, :horizon]

    def _scaling(self) -> dict[str, Any]:
        return {"scale": self.scale_.tolist(), "last_window": self.last_window_.tolist()}

    def _restore_scaling(self, data: dict[str, Any]) -> None:
        self.scale_ = np.asarray(data["scale"], np.float64)
        self.last_window_ = np.asarray(data["last_window"], np.float64).reshape(
            self.scale_.shape[0], self.params_.input_size
        )


def series_scale(y: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each series' mean absolute value (1 where that is 0).

    >>> series_scale(np.array([2.0, -4.0, 0.0]), np.array([0, 2, 3])).tolist()
    [3.0, 1.0]
    """
    scale = np.add.reduceat(np.abs(y), indptr[:-1]) / np.diff(indptr)
    return np.where(scale > 0, scale, 1.0)


def left_pad(y: np.ndarray, indptr: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Series shorter than ``width`` left-padded with their first value; the new layout.

    >>> values, indptr = left_pad(np.array([5.0, 6.0, 1.0, 2.0, 3.0]), np.array([0, 2, 5]), 3)
    >>> values.tolist(), indptr.tolist()
    ([5.0, 5.0, 6.0, 1.0, 2.0, 3.0], [0, 3, 6])
    """
    lengths = np.diff(indptr)
    padded = np.maximum(lengths, width)
    new_indptr = np.concatenate([[0], np.cumsum(padded)])
    series = np.repeat(np.arange(lengths.size), padded)
    position = np.arange(new_indptr[-1]) - np.repeat(new_indptr[:-1], padded)
    source = indptr[series] + np.maximum(position - (padded - lengths)[series], 0)
    return y[source], new_indptr


def window_starts(
    indptr: np.ndarray, lengths: np.ndarray, input_size: int, output_size: int, val_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """Start positions of the training and validation windows in the padded flat layout.

    Series ``i`` holds out its last ``v = max(output_size, ceil(val_fraction * length))``
    periods when at least one training window fits before them: validation windows forecast
    only those periods, training windows only earlier ones (the straddling ones are dropped).

    >>> train, val = window_starts(np.array([0, 10]), np.array([10]), 3, 2, val_fraction=0.2)
    >>> train.tolist(), val.tolist()
    ([0, 1, 2, 3], [5])
    """
    width = input_size + output_size
    padded = np.diff(indptr)
    counts = padded - width + 1
    series = np.repeat(np.arange(counts.size), counts)
    relative = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    held = np.maximum(output_size, np.ceil(val_fraction * lengths - 1e-9)).astype(np.int64)
    has_val = (val_fraction > 0) & (padded - held >= width)
    end = relative + width  # exclusive end of the window's targets
    cut = (padded - held)[series]
    is_val = has_val[series] & (end - output_size >= cut)
    is_train = ~has_val[series] | (end <= cut)
    starts = indptr[series] + relative
    return starts[is_train].astype(np.int64), starts[is_val].astype(np.int64)


@model_registry.register
class LSTM(_LSTMModel):
    """A global LSTM point forecaster (MSE loss), rolled forward over the horizon."""

    info = ModelInfo(
        name="lstm",
        input_kind="series",
        supports_quantiles=False,
        description="Global PyTorch Lightning LSTM over history windows (30 → 7), MSE loss",
    )

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Point forecasts ``(n_series, horizon)``; no quantiles."""
        return self._roll(horizon) * self.scale_[:, None], None


@model_registry.register
class LSTMQuantile(_LSTMModel):
    """A global LSTM with a monotone pinball-loss quantile head per forecast step."""

    info = ModelInfo(
        name="lstm_quantile",
        input_kind="series",
        supports_quantiles=True,
        description="Global PyTorch Lightning LSTM, monotone quantile head with pinball loss",
    )

    @property
    def _alphas(self) -> tuple[float, ...]:
        return self.fit_alphas_

    def forecast(self, horizon: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Median point ``(n_series, horizon)`` and quantiles ``(n_series, horizon, n_alphas)``."""
        every = sort_quantiles(self._roll(horizon) * self.scale_[:, None, None])
        columns = [self.fit_alphas_.index(a) for a in self.quantile_alphas]
        return every[..., self.fit_alphas_.index(0.5)], every[..., columns]
