"""Forecast with a loaded release: ``benchlab predict name@version --input … --out …``.

Feature models (trees) read a features table with the release's SKU columns, ``date`` and every
feature column it was trained on, and forecast each row. Series models (``statquant``, ``theta``
…) hold no weights: they read each SKU's history (SKU columns, ``date``, ``target``) and forecast
the release's horizon after its last date.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from benchlab.data.tables import collect, scan_table
from benchlab.data.validation import (
    check_finite,
    check_not_empty,
    check_not_null,
    check_unique,
    parse_date_column,
    require_columns,
    require_numeric,
    source_name,
)
from benchlab.errors import InputError
from benchlab.forecast.data.skus import sku_key
from benchlab.forecast.engine import ForecastTask, fit_and_forecast
from benchlab.forecast.schema import DATE, TARGET, Y_PRED, quantile_columns
from benchlab.release.manager import LoadedRelease
from benchlab.runs import atomic_path


def read_input(path: str | Path, release: LoadedRelease, *, needs_target: bool) -> pl.DataFrame:
    """Read and check a predict/monitor input against the release's schema.

    Returns the frame with the release's internal SKU column names, ``date`` parsed, features as
    Float32 and (when ``needs_target``) a finite Float64 ``target``.
    """
    path = Path(path)
    source = source_name(path)
    data = release.dataset
    file_ids, ids = data["file_id_columns"], data["id_columns"]
    features = _feature_inputs(release)
    wanted = [*file_ids, DATE, *features, *([TARGET] if needs_target else [])]
    lf = scan_table(path)
    require_columns(lf, wanted, source=source)
    require_numeric(lf, [*features, *([TARGET] if needs_target else [])], source=source)
    frame = collect(lf.select(wanted), source=source)
    check_not_empty(frame, source=source, what="the file")
    check_not_null(frame, [*file_ids, DATE], source=source, id_column=file_ids)
    frame = parse_date_column(frame, DATE, source=source)
    check_unique(frame, [*file_ids, DATE], source=source)
    if needs_target:
        check_finite(frame, TARGET, source=source, id_column=[*file_ids, DATE])
    frame = frame.rename(dict(zip(file_ids, ids, strict=True)))
    return frame.with_columns(
        *(pl.col(c).cast(pl.Float32) for c in features),
        *([pl.col(TARGET).cast(pl.Float64)] if needs_target else []),
    ).sort([*ids, DATE])


def _feature_inputs(release: LoadedRelease) -> list[str]:
    kind = _input_kind(release)
    if kind == "series":
        return []
    features = release.dataset.get("feature_columns") or []
    if not features:
        raise InputError(
            f"release {release.ref}: its features were built by benchlab from a long panel; "
            "serving such releases is not supported yet (release a run on seed 000 feature "
            "files, or a series model)"
        )
    return list(features)


def _input_kind(release: LoadedRelease) -> str:
    return next(iter(release.models.values())).info.input_kind


def _task(release: LoadedRelease) -> ForecastTask:
    info, data = release.info, release.dataset
    return ForecastTask(
        model_type=info["model_type"],
        id_columns=tuple(data["id_columns"]),
        season_length=int(data["season_length"]),
        horizon=int(data["horizon"]),
        quantile_alphas=tuple(info.get("quantile_alphas") or ()),
        hyperparameters=dict(info.get("hyperparameters") or {}),
        random_state=0,
        feature_columns=tuple(data.get("feature_columns") or ()),
    )


def forecast(release: LoadedRelease, frame: pl.DataFrame) -> pl.DataFrame:
    """Forecasts (internal SKU columns, ``date``, ``y_pred``, ``q_*``) for ``frame``."""
    ids = list(release.dataset["id_columns"])
    _check_known_skus(release, frame, ids)
    if _input_kind(release) == "series":
        return _forecast_series(release, frame, ids)
    return _forecast_features(release, frame, ids)


def _check_known_skus(release: LoadedRelease, frame: pl.DataFrame, ids: list[str]) -> None:
    if release.info["strategy"] != "individual":
        return
    skus = frame.select(ids).unique(maintain_order=True).rows()
    unknown = [s for s in skus if sku_key(s) not in release.models]
    if unknown:
        raise InputError(
            f"release {release.ref} has one model per SKU and none for {len(unknown)} SKU(s) "
            f"of the input, e.g. {unknown[:5]}"
        )


def _forecast_features(release: LoadedRelease, frame: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    alphas = tuple(release.info.get("quantile_alphas") or ())
    features = list(release.dataset["feature_columns"])
    if release.info["strategy"] == "individual":
        groups = frame.partition_by(ids, as_dict=True, maintain_order=True)
        parts = [(release.models[sku_key(sku)], part) for sku, part in groups.items()]
    else:
        parts = [(release.models["combined"], frame)]
    frames = []
    for model, part in parts:
        X = part.select(features).to_numpy().astype(np.float32, copy=False)
        columns = {Y_PRED: model.predict(X)}
        if alphas:
            q = model.predict_quantiles(X)
            columns.update({c: q[:, j] for j, c in enumerate(quantile_columns(alphas))})
        frames.append(
            part.select(*ids, DATE).with_columns(
                pl.Series(name, values, pl.Float64) for name, values in columns.items()
            )
        )
    return pl.concat(frames).sort([*ids, DATE])


def _forecast_series(release: LoadedRelease, frame: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    task = _task(release)
    last = frame.group_by(ids, maintain_order=True).agg(pl.col(DATE).max().alias("_last"))
    future = future_dates(last, ids, release.dataset["freq"], task.horizon)
    result = fit_and_forecast(task, frame.select(*ids, DATE, TARGET), future, keep_model=False)
    return result.predictions.sort([*ids, DATE])


def future_dates(last: pl.DataFrame, ids: list[str], freq: str, horizon: int) -> pl.DataFrame:
    """``horizon`` dates after each SKU's last date (column ``_last``), stepping by ``freq``.

    >>> import datetime as dt
    >>> last = pl.DataFrame({"sku": [1], "_last": [dt.date(2020, 1, 31)]})
    >>> future_dates(last, ["sku"], "1mo", 2)["date"].to_list()
    [datetime.date(2020, 2, 29), datetime.date(2020, 3, 31)]
    """
    every = int("".join(ch for ch in freq if ch.isdigit()) or "1")
    unit = "".join(ch for ch in freq if not ch.isdigit())
    steps = pl.DataFrame({"_step": np.arange(1, horizon + 1, dtype=np.int64) * every})
    offset = pl.format("{}" + unit, pl.col("_step"))  # from the last date: month ends stay
    return (
        last.join(steps, how="cross")
        .with_columns(pl.col("_last").dt.offset_by(offset).alias(DATE))
        .select(*ids, DATE)
    )


def to_file_columns(release: LoadedRelease, predictions: pl.DataFrame) -> pl.DataFrame:
    """Rename the internal SKU columns back to the ones of the release's input files."""
    data = release.dataset
    return predictions.rename(dict(zip(data["id_columns"], data["file_id_columns"], strict=True)))


def predict_file(
    release: LoadedRelease, input_path: str | Path, out_path: str | Path
) -> pl.DataFrame:
    """Read ``input_path``, forecast it with ``release`` and write ``out_path`` (Parquet)."""
    series = _input_kind(release) == "series"
    frame = read_input(input_path, release, needs_target=series)
    predictions = to_file_columns(release, forecast(release, frame))
    with atomic_path(out_path) as tmp:
        predictions.write_parquet(tmp)
    return predictions
