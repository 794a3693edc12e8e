"""Reading labelled texts from where ``data.source`` points: a CSV or Parquet file, a folder
written by ``datasets``' ``save_to_disk``, or one of the seed's named data sets (hub cache).

Every reader returns a :class:`RawTable`: the ``text``, raw ``label`` (strings or ints) and,
when asked for, ``rating`` columns, with what error messages need to name the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from benchlab.errors import InputError
from benchlab.text.config import TextDataConfig
from benchlab.text.data.hub import SEED_DATASETS, hub_dataset, read_hub_dataset

#: Files that mark a folder written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``.
_SAVED_DATASET_MARKERS = ("dataset_dict.json", "state.json", "dataset_info.json")
_TWEETS_HINT = "write the embedded tweets with: benchlab data tweets --out data/tweets"


def reason(exc: BaseException) -> str:
    """The first line of an exception's message (library messages run over several lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True)
class RawTable:
    """Rows as read, before validation: ``text``, ``label`` and maybe ``rating``.

    ``class_names`` is set when ``label`` holds ids into known names (a ``ClassLabel``
    feature, a named hub data set). ``where``, ``text_column`` and ``label_column`` name the
    input in error messages.
    """

    frame: pl.DataFrame
    where: str
    text_column: str
    label_column: str
    rating_column: str | None = None
    class_names: tuple[str, ...] | None = None


def read_source(config: TextDataConfig) -> RawTable:
    """The rows ``config.source`` holds; a missing file or column is one InputError."""
    source = config.source
    named = hub_dataset(source)
    path = Path(source).expanduser()
    if named is not None and not path.exists():
        if config.rating_column is not None:
            raise InputError(f"data set {named.hub_id} has no rating column")
        return RawTable(
            frame=read_hub_dataset(named),
            where=named.hub_id,
            text_column=named.text_column,
            label_column=named.label_column,
            class_names=named.labels,
        )
    if path.is_dir():
        return _read_saved_dataset(path, config)
    if not path.exists():
        hint = f"; {_TWEETS_HINT}" if path.name == "tweets.parquet" else ""
        raise InputError(
            f"data.source {source}: no such file or folder, and not one of the named data sets "
            f"({', '.join(SEED_DATASETS)}){hint}"
        )
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        frame = _read_csv(path, separator="\t" if suffix == ".tsv" else ",")
    elif suffix in (".parquet", ".pq"):
        try:
            frame = pl.read_parquet(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(f"{path}: cannot be read as Parquet ({reason(exc)})") from exc
    else:
        raise InputError(
            f"{path}: unknown file type {suffix or '(none)'}; use .csv, .tsv or .parquet, or a "
            "folder written by datasets' save_to_disk"
        )
    return _table(frame, str(path), config)


def _read_csv(path: Path, *, separator: str) -> pl.DataFrame:
    try:
        return pl.read_csv(path, separator=separator, infer_schema_length=10_000)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise InputError(f"{path}: is not UTF-8 text; convert it to UTF-8") from exc
        raise InputError(f"{path}: cannot be read as CSV ({reason(exc)})") from exc
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({reason(exc)})") from exc


def _read_saved_dataset(path: Path, config: TextDataConfig) -> RawTable:
    if not any((path / marker).is_file() for marker in _SAVED_DATASET_MARKERS):
        raise InputError(
            f"{path}: a folder, but not one written by datasets' save_to_disk "
            f"(none of {', '.join(_SAVED_DATASET_MARKERS)})"
        )
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise InputError(
            f"{path}: cannot be read with datasets.load_from_disk ({reason(exc)})"
        ) from exc
    parts = list(loaded.values()) if isinstance(loaded, datasets.DatasetDict) else [loaded]
    if not parts:
        raise InputError(f"{path}: the saved data set has no splits")
    feature = parts[0].features.get(config.label_column)
    class_names = (
        tuple(str(name) for name in feature.names)
        if isinstance(feature, datasets.ClassLabel)
        else None
    )
    frame = pl.concat([part.to_polars() for part in parts], how="diagonal_relaxed")
    if class_names is not None and config.label_column in frame.columns:
        # -1 marks an unlabelled row of a ClassLabel column (e.g. a hidden test split)
        frame = frame.filter(pl.col(config.label_column) >= 0)
    return _table(frame, str(path), config, class_names=class_names)


def _table(
    frame: pl.DataFrame,
    where: str,
    config: TextDataConfig,
    *,
    class_names: tuple[str, ...] | None = None,
) -> RawTable:
    wanted = {"text": config.text_column, "label": config.label_column}
    if config.rating_column is not None:
        wanted["rating"] = config.rating_column
    for role, column in wanted.items():
        if column not in frame.columns:
            raise InputError(
                f"{where}: no {role} column {column!r} (columns: {', '.join(frame.columns)}); "
                f"set data.{role}_column"
            )
    return RawTable(
        frame=frame.select(**{role: pl.col(column) for role, column in wanted.items()}),
        where=where,
        text_column=config.text_column,
        label_column=config.label_column,
        rating_column=config.rating_column,
        class_names=class_names,
    )
