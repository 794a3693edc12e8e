"""Seed 000's input files: features, targets, feature mapping and (optionally) the oracle.

* features ``train_data_features.feather``: ``bdID, productID, storeID, date, feature_*``
* targets ``train_data_target.feather``: ``bdID, target``
* mapping ``feature_mapping_train.pkl`` or ``.json``: a dict; benchlab reads the keys
  ``price_feature``, ``freq`` and ``season_length`` when present
* oracle ``train_data_oracle.feather`` (benchlab's generator): ``bdID, oracle_mean,
  oracle_dispersion``

Files are scanned lazily (Feather/Arrow IPC, or Parquet by suffix); the SKU filter runs inside
the features scan and targets/oracle are semi-joined on the selected ``bdID`` values, so at M5
scale only the selected SKUs are materialised.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from benchlab.data.frequency import infer_panel_freq, parse_freq, season_length
from benchlab.data.safe_pickle import load_mapping
from benchlab.data.tables import collect, scan_table
from benchlab.data.validation import (
    check_finite,
    check_id_columns,
    check_not_empty,
    check_not_null,
    check_regular,
    check_unique,
    describe_rows,
    format_columns,
    is_sorted_by,
    parse_date_column,
    plural,
    require_columns,
    require_dates,
    require_numeric,
    source_name,
)
from benchlab.errors import InputError
from benchlab.forecast.data.dataset import ForecastData
from benchlab.forecast.data.skus import check_sku_tuples, normalise_sku_tuples, sku_filter
from benchlab.forecast.schema import (
    DATE,
    ORACLE_DISPERSION,
    ORACLE_MEAN,
    PRICE,
    SEED_ID_COLUMNS,
    TARGET,
)

#: The file names seed 000 uses (``benchlab data synth`` writes them, the demo reads them).
FEATURES_FILE = "train_data_features.feather"
TARGET_FILE = "train_data_target.feather"
MAPPING_JSON = "feature_mapping_train.json"
MAPPING_PKL = "feature_mapping_train.pkl"
#: benchlab's addition: the generator's true demand distribution.
ORACLE_FILE = "train_data_oracle.feather"

BDID = "bdID"
PRODUCT_ID = "productID"
STORE_ID = "storeID"
FILE_ID_COLUMNS = (PRODUCT_ID, STORE_ID)
FEATURE_PREFIX = "feature_"
FEATURE_KEY_COLUMNS = (BDID, PRODUCT_ID, STORE_ID, DATE)
_RENAME = dict(zip(FILE_ID_COLUMNS, SEED_ID_COLUMNS, strict=True))


def feature_columns_of(schema: pl.Schema | dict) -> list[str]:
    """The ``feature_*`` columns of a features file, in file order."""
    return [c for c in schema if c.startswith(FEATURE_PREFIX)]


def _scan_features(
    path: Path, sku_tuples: Iterable[Any] | None
) -> tuple[pl.LazyFrame, pl.DataFrame | None, list[str]]:
    """(validated, filtered lazy features, requested key frame or None, feature columns)."""
    source = source_name(path)
    lf = scan_table(path)
    schema = lf.collect_schema()
    require_columns(schema, FEATURE_KEY_COLUMNS, source=source)
    require_dates(schema, DATE, source=source)
    features = feature_columns_of(schema)
    require_numeric(schema, features, source=source, allow_bool=True)
    lf = check_id_columns(
        lf.select(*FEATURE_KEY_COLUMNS, *features), [BDID, *FILE_ID_COLUMNS], source=source
    )
    requested = None
    if sku_tuples is not None:
        requested = normalise_sku_tuples(
            sku_tuples, FILE_ID_COLUMNS, lf.collect_schema(), source=source
        )
        lf = lf.filter(sku_filter(requested))
    return lf, requested, features


def scan_features(
    features_path: str | Path, sku_tuples: Iterable[Any] | None = None
) -> pl.LazyFrame:
    """The features file as a validated LazyFrame, filtered to ``sku_tuples`` inside the scan.

    Columns keep the file's names; nothing is collected (``.explain()`` shows the filter at the
    scan).
    """
    lf, _, _ = _scan_features(Path(features_path), sku_tuples)
    return lf


def _mapping_settings(
    mapping: Any, source: str, features: list[str], features_source: str
) -> tuple[str | None, str | None, int | None]:
    """(price feature, freq, season length) from a feature mapping, each validated."""
    if not isinstance(mapping, dict):
        raise InputError(
            f"{source}: a feature mapping must be a dict, got {type(mapping).__name__}"
        )
    price = mapping.get("price_feature")
    if price is not None and price not in features:
        raise InputError(
            f"{source}: price_feature {price!r} is not a feature column of {features_source} "
            f"(features: {format_columns(features)})"
        )
    freq = mapping.get("freq")
    if freq is not None:
        try:
            freq = parse_freq(freq)
        except InputError as exc:
            raise InputError(f"{source}: freq: {exc}") from exc
    season = mapping.get("season_length")
    if season is not None and (
        isinstance(season, bool) or not isinstance(season, int) or season < 1
    ):
        raise InputError(f"{source}: season_length must be a positive integer, got {season!r}")
    return price, freq, season


def _scan_by_bdid(
    path: Path, columns: list[str], numeric: list[str], bdids: pl.DataFrame
) -> pl.DataFrame:
    """Rows of a ``bdID, …`` file whose bdID is in ``bdids`` (filtered inside the scan)."""
    source = source_name(path)
    lf = scan_table(path)
    schema = lf.collect_schema()
    require_columns(schema, [BDID, *columns], source=source)
    require_numeric(schema, numeric, source=source)
    lf = check_id_columns(lf.select(BDID, *columns), [BDID], source=source)
    want = bdids.schema[BDID]
    have = lf.collect_schema()[BDID]
    if have != want:
        if have.is_integer() != want.is_integer():
            raise InputError(
                f"{source}: column '{BDID}' is {have} but the features file's '{BDID}' is {want}"
            )
        lf = lf.with_columns(pl.col(BDID).cast(want))
    lf = lf.filter(pl.col(BDID).is_in(bdids[BDID].implode()))  # pushed into the scan
    return collect(lf.with_columns(pl.col(c).cast(pl.Float64) for c in numeric), source=source)


def _attach(frame: pl.DataFrame, rows: pl.DataFrame, *, source: str, what: str) -> pl.DataFrame:
    """Add the columns of ``rows`` (unique ``bdID``, no nulls) to ``frame`` by ``bdID``.

    Fast path: both files list the same bdIDs in the same order, so the columns are stacked
    without a join. Otherwise a left join; a feature row left without a match raises.
    """
    if rows.height == frame.height and frame[BDID].equals(rows[BDID]):
        return frame.hstack(rows.drop(BDID))
    joined = frame.lazy().join(rows.lazy(), on=BDID, how="left", maintain_order="left").collect()
    missing = joined.filter(pl.col(rows.columns[1]).is_null())
    if missing.height:
        ids = describe_rows(missing, [BDID])
        raise InputError(
            f"{source}: {plural(missing.height, 'feature row')} without a {what} ({ids})"
        )
    return joined


def load_seed_files(
    features_path: str | Path,
    target_path: str | Path,
    mapping_path: str | Path | None = None,
    *,
    sku_tuples: Iterable[Any] | None = None,
    oracle_path: str | Path | None = None,
    freq: str | None = None,
    check_gaps: bool = True,
) -> ForecastData:
    """Load seed 000's files as :class:`ForecastData` with ids ``("product_id", "store_id")``.

    ``sku_tuples`` lists ``(productID, storeID)`` pairs (None: every SKU). ``oracle_path`` None
    uses a sibling ``train_data_oracle.feather`` (or ``train_data_oracle`` with the target
    file's suffix) of the target file when there is one. ``freq``
    overrides the mapping's ``freq``; both missing, it is inferred from the dates. With
    ``check_gaps`` (default) every series must be regular at that frequency.
    """
    features_path, target_path = Path(features_path), Path(target_path)
    features_source, target_source = source_name(features_path), source_name(target_path)
    lf, requested, features = _scan_features(features_path, sku_tuples)
    mapping = load_mapping(mapping_path) if mapping_path is not None else {}
    mapping_source = source_name(mapping_path) if mapping_path is not None else "mapping"
    price_feature, mapping_freq, mapping_season = _mapping_settings(
        mapping, mapping_source, features, features_source
    )

    lf = lf.with_columns(pl.col(c).cast(pl.Float32) for c in features)
    frame = collect(lf, source=features_source)  # file order: targets usually align with it
    if requested is not None and frame.select(FILE_ID_COLUMNS).n_unique() < requested.height:
        check_sku_tuples(
            check_id_columns(
                scan_table(features_path).select(FILE_ID_COLUMNS),
                FILE_ID_COLUMNS,
                source=features_source,
            ),
            requested,
            source=features_source,
        )
    check_not_empty(
        frame, source=features_source, what="the file" if requested is None else "the selection"
    )
    check_not_null(
        frame, FEATURE_KEY_COLUMNS, source=features_source, id_column=FEATURE_KEY_COLUMNS
    )
    frame = parse_date_column(frame, DATE, source=features_source)
    check_unique(frame, [BDID], source=features_source)
    check_unique(frame, [*FILE_ID_COLUMNS, DATE], source=features_source)

    bdids = frame.select(BDID)
    targets = _scan_by_bdid(target_path, [TARGET], [TARGET], bdids)
    check_unique(targets, [BDID], source=target_source)
    check_finite(targets, TARGET, source=target_source, id_column=BDID)
    frame = _attach(frame, targets, source=target_source, what="target")

    if oracle_path is None:
        siblings = (ORACLE_FILE, ORACLE_FILE.replace(".feather", target_path.suffix))
        found = [target_path.with_name(n) for n in siblings if target_path.with_name(n).is_file()]
        oracle_path = found[0] if found else None
    if oracle_path is not None:
        oracle_path = Path(oracle_path)
        oracle_source = source_name(oracle_path)
        oracle_columns = [ORACLE_MEAN, ORACLE_DISPERSION]
        oracle = _scan_by_bdid(oracle_path, oracle_columns, oracle_columns, bdids)
        check_unique(oracle, [BDID], source=oracle_source)
        check_finite(oracle, ORACLE_MEAN, source=oracle_source, id_column=BDID)
        bad = oracle.filter(~(pl.col(ORACLE_DISPERSION) > 0).fill_null(False))
        if bad.height:
            raise InputError(
                f"{oracle_source}: column '{ORACLE_DISPERSION}' must be positive (inf for "
                f"Poisson); failing rows: {bad.height} ({describe_rows(bad, [BDID])})"
            )
        frame = _attach(frame, oracle, source=oracle_source, what="matching oracle row")

    keys = [*FILE_ID_COLUMNS, DATE]
    if not is_sorted_by(frame, keys):
        frame = frame.sort(keys)
    interval = (
        parse_freq(freq)
        if freq
        else mapping_freq
        or infer_panel_freq(
            frame, FILE_ID_COLUMNS, DATE, source=features_source, assume_sorted=True
        )
    )
    if check_gaps:
        check_regular(frame, FILE_ID_COLUMNS, interval, source=features_source)
    extra = [c for c in (ORACLE_MEAN, ORACLE_DISPERSION) if c in frame.columns]
    frame = frame.select(
        *(pl.col(c).alias(_RENAME[c]) for c in FILE_ID_COLUMNS),
        DATE,
        TARGET,
        *features,
        *([pl.col(price_feature).alias(PRICE)] if price_feature else []),
        *extra,
    )
    return ForecastData(
        frame=frame,
        id_columns=SEED_ID_COLUMNS,
        freq=interval,
        season_length=mapping_season or season_length(interval),
        feature_columns=tuple(features),
        exogenous_columns=(),
        source=str(features_path),
        metadata={
            "format": "seed",
            "features_path": str(features_path),
            "target_path": str(target_path),
            "mapping_path": None if mapping_path is None else str(mapping_path),
            "oracle_path": None if oracle_path is None else str(oracle_path),
            "mapping": mapping,
            "price_feature": price_feature,
        },
    )
