"""Table files: format by suffix, lazy scans, read errors as one clear line."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchlab.data.tables import collect, scan_table, table_format
from benchlab.errors import InputError

FRAME = pl.DataFrame({"unique_id": ["a", "a", "b"], "y": [1.0, 2.0, 3.0]})


def test_table_format_by_suffix() -> None:
    assert [table_format(f"t{s}") for s in (".parquet", ".PQ", ".csv", ".feather", ".arrow")] == [
        "parquet",
        "parquet",
        "csv",
        "ipc",
        "ipc",
    ]
    with pytest.raises(InputError, match=r"^t.xlsx: unknown table format '.xlsx' \(use one of"):
        table_format("t.xlsx")


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".feather"])
def test_scan_table_is_lazy_and_filters_in_the_scan(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    {".parquet": FRAME.write_parquet, ".csv": FRAME.write_csv, ".feather": FRAME.write_ipc}[suffix](
        path
    )
    lf = scan_table(path).filter(pl.col("unique_id") == "a")
    assert isinstance(lf, pl.LazyFrame) and "SELECTION" in lf.explain()
    assert collect(lf, source=path.name)["y"].to_list() == [1.0, 2.0]


def test_missing_and_corrupted_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^absent.csv: file not found"):
        scan_table(tmp_path / "absent.csv")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(InputError, match=r"^bad.parquet: cannot read the parquet file \("):
        scan_table(tmp_path / "bad.parquet")


def test_collect_turns_read_errors_into_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,y\n" + "a,1\n" * 3 + "b,not-a-number\n")
    lf = pl.scan_csv(path, infer_schema_length=2)
    with pytest.raises(InputError, match=r"^t.csv: cannot read the data \("):
        collect(lf, source="t.csv")
