"""Table files (Parquet, CSV, Feather/Arrow IPC) read lazily, with read errors as InputError.

>>> table_format("panel.parquet"), table_format("sales.csv"), table_format("f.feather")
('parquet', 'csv', 'ipc')
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from benchlab.data.validation import source_name
from benchlab.errors import InputError

__all__ = ["FORMATS", "collect", "scan_table", "table_format"]

#: File suffix → table format.
FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".feather": "ipc",
    ".ipc": "ipc",
    ".arrow": "ipc",
}


def table_format(path: str | Path) -> str:
    """``"parquet"``, ``"csv"`` or ``"ipc"`` from the file's suffix; InputError otherwise."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{source_name(path)}: unknown table format '{path.suffix}' "
            f"(use one of {', '.join(FORMATS)})"
        )
    return kind


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def scan_table(path: str | Path) -> pl.LazyFrame:
    """Lazy scan of a Parquet, CSV or Feather/Arrow IPC file, chosen by suffix.

    CSV dates stay strings here; :func:`~benchlab.data.validation.parse_date_column` parses them
    with clear errors.
    """
    path = Path(path)
    source = source_name(path)
    kind = table_format(path)
    if not path.is_file():
        raise InputError(f"{source}: file not found ({path})")
    try:
        if kind == "parquet":
            lf = pl.scan_parquet(path)
        elif kind == "csv":
            lf = pl.scan_csv(path, infer_schema_length=10_000)
        else:
            lf = pl.scan_ipc(path)
        lf.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{source}: cannot read the {kind} file ({_first_line(exc)})") from exc
    return lf


def collect(lf: pl.LazyFrame, *, source: str) -> pl.DataFrame:
    """Collect ``lf``, turning read errors (a corrupted file, a bad CSV cell) into InputError."""
    try:
        return lf.collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{source}: cannot read the data ({_first_line(exc)})") from exc
