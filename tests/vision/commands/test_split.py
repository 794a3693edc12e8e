"""`benchlab vision split` as a user runs it: the index files, and every kind of bad input
refused with exit status 2, one message naming the path and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.errors import InputError
from benchlab.vision.data import splits as splits_module
from benchlab.vision.data.splits import write_splits
from tests.vision.conftest import write_image_folder

runner = CliRunner()


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file and folder under ``root`` (hidden ones too) with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(root.rglob("*"))
    }


def split(raw: Path, *extra: str) -> object:
    return runner.invoke(app, ["vision", "split", "--raw-data", str(raw), "--folds", "3", *extra])


def assert_refused(result, named: Path, before: dict[str, bytes], root: Path) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1
    assert str(named) in result.output
    assert "Traceback" not in result.output
    assert snapshot(root) == before  # nothing written, not even a temporary folder
    assert not (root / "splits").exists()


def test_split_writes_the_index_files(tmp_path: Path) -> None:
    data_dir = write_image_folder(tmp_path / "pets", {"cat": 9, "dog": 12}, size=(3, 3))
    result = runner.invoke(
        app, ["vision", "split", "--raw_data", str(data_dir / "raw"), "--folds", "3",
              "--test_fraction", "0.2", "--seed", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (data_dir / "splits").iterdir())
    assert names == [*(f"fold_{k}_{s}.txt" for k in range(3) for s in ("train", "val")), "test.txt"]
    test = (data_dir / "splits" / "test.txt").read_text().splitlines()
    assert len(test) == 5 and all(line.startswith("raw/") for line in test)
    assert "5 test images" in result.stdout and "fold 2:" in result.stdout
    assert sorted(p.name for p in (data_dir / "raw").iterdir()) == ["cat", "dog"]  # not copied


def make_missing(raw: Path) -> Path:
    return raw.parent / "nowhere"


def make_empty_class(raw: Path) -> Path:
    (raw / "empty").mkdir()
    return raw / "empty"


def make_corrupt(raw: Path) -> Path:
    (raw / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    return raw / "a" / "broken.png"


def make_non_image(raw: Path) -> Path:
    (raw / "b" / "labels.csv").write_text("a,b\n")
    return raw / "b" / "labels.csv"


def make_too_few(raw: Path) -> Path:
    write_image_folder(raw.parent, {"rare": 2}, size=(3, 3))
    return raw / "rare"


@pytest.mark.parametrize(
    "make", [make_missing, make_empty_class, make_corrupt, make_non_image, make_too_few]
)
def test_bad_input_exits_2_naming_the_path(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    data_dir = write_image_folder(tmp_path / "data", {"a": 6, "b": 6}, size=(3, 3))
    bad = make(data_dir / "raw")
    before = snapshot(tmp_path)
    raw = bad if make is make_missing else data_dir / "raw"
    assert_refused(split(raw), bad, before, tmp_path)


def test_a_failure_while_writing_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: here index files are written before the error, yet none is
    left, because they go to a temporary folder that is removed."""
    data_dir = write_image_folder(tmp_path / "data", {"a": 6, "b": 6}, size=(3, 3))
    before = snapshot(tmp_path)
    seen: list[Path] = []
    real = splits_module.fold_files

    def fail_at_fold_2(fold: int) -> tuple[str, str]:
        if fold == 2:
            seen.extend(data_dir.rglob("fold_*.txt"))
            raise InputError(f"{data_dir / 'splits'}: simulated failure")
        return real(fold)

    monkeypatch.setattr(splits_module, "fold_files", fail_at_fold_2)
    assert_refused(split(data_dir / "raw"), data_dir / "splits", before, tmp_path)
    assert len(seen) == 4  # folds 0 and 1 were on disk when it failed


def test_an_index_file_naming_a_missing_image_stops_a_run(tmp_path: Path) -> None:
    data_dir = write_image_folder(tmp_path / "data", {"a": 6, "b": 6}, size=(3, 3))
    splits_dir = write_splits(data_dir / "raw", folds=2, seed=0)
    gone = (splits_dir / "fold_0_train.txt").read_text().splitlines()[0]
    (data_dir / gone).unlink()
    config = tmp_path / "config.yaml"
    runs = tmp_path / "runs"
    config.write_text(
        yaml.safe_dump(
            {
                "task": "vision",
                "data": {"data_dir": str(data_dir)},
                "output_dir": str(runs),
                "tracking": {"enabled": False},
                "training": {"num_epochs": 1},
            }
        )
    )
    before = snapshot(tmp_path)
    result = runner.invoke(app, ["run", str(config)])
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1 and "Traceback" not in result.output
    assert str(splits_dir / "fold_0_train.txt") in result.output
    assert str(data_dir / gone) in result.output
    assert snapshot(tmp_path) == before and not runs.exists()
