"""Index-file splits: stratified, one test set for all folds, each image used once, checked."""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchlab.errors import InputError
from benchlab.vision.data import splits as splits_module
from benchlab.vision.data.splits import (
    available_folds,
    class_of,
    fold_files,
    read_split,
    write_splits,
)
from tests.vision.conftest import write_image_folder


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def everything(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def check_splits(data_dir: Path, folds: int) -> None:
    """Every property the splits promise, checked on the written files."""
    splits_dir = data_dir / "splits"
    names = {"test.txt", *(name for k in range(folds) for name in fold_files(k))}
    assert {p.name for p in splits_dir.iterdir()} == names
    every = {p.relative_to(data_dir).as_posix() for p in (data_dir / "raw").glob("*/*.png")}
    counts = Counter(class_of(p) for p in every)
    test = lines(splits_dir / "test.txt")
    vals = []
    for fold in range(folds):
        train_file, val_file = (splits_dir / name for name in fold_files(fold))
        train, val = lines(train_file), lines(val_file)
        for listed in (train, val, test):
            assert listed == sorted(listed) and len(set(listed)) == len(listed)
        assert not set(train) & set(val) and not set(train) & set(test)
        assert not set(val) & set(test)
        assert set(train) | set(val) | set(test) == every  # every image used, none copied
        split = read_split(data_dir, fold)
        assert (split.train, split.val, split.test) == (train, val, test)
        assert split.classes == sorted(counts)
        vals.append(val)
    # the val sets partition what the test set leaves
    assert sorted(p for val in vals for p in val) == sorted(every - set(test))
    total = sum(counts.values())
    in_test = Counter(class_of(p) for p in test)
    for name, n in counts.items():
        assert abs(in_test[name] - n * len(test) / total) <= 1  # stratified test set
        rest = n - in_test[name]
        for val in vals:
            in_val = sum(class_of(p) == name for p in val)
            assert abs(in_val - rest / folds) < 1  # stratified folds


def test_digits_splits_hold_their_promises(digits_dir: Path) -> None:
    assert available_folds(digits_dir / "splits") == [0, 1]
    check_splits(digits_dir, 2)
    split = read_split(digits_dir, 0)
    assert len(split.test) == math.ceil(0.15 * 1797)
    assert split.labels(split.train[:3]) == [int(class_of(p)) for p in split.train[:3]]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    sizes=st.lists(st.integers(1, 14), min_size=2, max_size=4),
    folds=st.integers(2, 4),
    test_fraction=st.sampled_from([0.1, 0.15, 0.3, 0.5]),
    seed=st.integers(0, 2**16),
)
@example(sizes=[6, 9, 3], folds=2, test_fraction=0.15, seed=0)
@example(sizes=[2, 5], folds=3, test_fraction=0.15, seed=1)
def test_splits_property(sizes: list[int], folds: int, test_fraction: float, seed: int) -> None:
    counts = {f"c{i}": n for i, n in enumerate(sizes)}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = write_image_folder(Path(tmp) / "data", counts, size=(2, 2))
        too_small = [name for name, n in counts.items() if n < folds]
        try:
            write_splits(data_dir / "raw", folds=folds, test_fraction=test_fraction, seed=seed)
        except InputError as exc:
            assert not (data_dir / "splits").exists()
            message = str(exc)
            assert str(data_dir / "raw") in message
            if too_small:
                assert f"fewer than the {folds} folds" in message
            return
        assert not too_small, "a class with fewer images than folds must be refused"
        check_splits(data_dir, folds)


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    counts = {"a": 12, "b": 9}
    data_dir = write_image_folder(tmp_path, counts, size=(2, 2))

    def contents(seed: int) -> dict[str, str]:
        splits_dir = write_splits(data_dir / "raw", folds=3, seed=seed)
        return {p.name: p.read_text() for p in splits_dir.iterdir()}

    first = contents(7)
    assert contents(7) == first
    assert contents(8) != first
    # a data folder holding raw/ is accepted for --raw-data
    assert write_splits(data_dir, folds=3, seed=7) == data_dir / "splits"
    assert {p.name: p.read_text() for p in (data_dir / "splits").iterdir()} == first


def test_fewer_images_than_folds_names_the_class_folder(tmp_path: Path) -> None:
    data_dir = write_image_folder(tmp_path, {"many": 10, "few": 2})
    with pytest.raises(InputError, match="2 images, fewer than the 3 folds") as info:
        write_splits(data_dir / "raw", folds=3)
    assert str(data_dir / "raw" / "few") in str(info.value)
    assert everything(data_dir) == everything(tmp_path)  # data_dir is tmp_path
    assert not (data_dir / "splits").exists()


@pytest.mark.parametrize(
    ("folds", "fraction", "message"),
    [(1, 0.15, "folds must be"), (3, 0.0, "between 0 and 1"), (3, 1.0, "between 0 and 1")],
)
def test_bad_parameters(tmp_path: Path, folds: int, fraction: float, message: str) -> None:
    data_dir = write_image_folder(tmp_path, {"a": 5, "b": 5})
    with pytest.raises(InputError, match=message):
        write_splits(data_dir / "raw", folds=folds, test_fraction=fraction)


def test_a_failed_write_keeps_the_old_splits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = write_image_folder(tmp_path, {"a": 8, "b": 8}, size=(2, 2))
    old = {p.name: p.read_text() for p in write_splits(data_dir / "raw", folds=2).iterdir()}
    written: list[str] = []
    real = splits_module.fold_files

    def fold_files_then_fail(fold: int) -> tuple[str, str]:
        if fold == 1:
            raise OSError("disk full")
        written.append(str(fold))
        return real(fold)

    monkeypatch.setattr(splits_module, "fold_files", fold_files_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_splits(data_dir / "raw", folds=2, seed=1)
    assert written == ["0"]  # test.txt and fold 0 were written before the failure …
    # … yet the old splits are intact and no temporary folder is left
    assert {p.name: p.read_text() for p in (data_dir / "splits").iterdir()} == old
    assert sorted(p.name for p in data_dir.iterdir()) == ["raw", "splits"]


def broken_fold(data_dir: Path) -> Path:
    write_image_folder(data_dir, {"a": 6, "b": 6}, size=(2, 2))
    return write_splits(data_dir / "raw", folds=2, seed=0)


def test_read_split_names_a_missing_image_and_its_index_file(tmp_path: Path) -> None:
    splits_dir = broken_fold(tmp_path)
    victim = lines(splits_dir / "fold_0_val.txt")[0]
    (tmp_path / victim).unlink()
    with pytest.raises(InputError, match="is missing") as info:
        read_split(tmp_path, 0)
    assert str(splits_dir / "fold_0_val.txt") in str(info.value)
    assert str(tmp_path / victim) in str(info.value)


def test_read_split_refuses_an_image_in_two_splits(tmp_path: Path) -> None:
    splits_dir = broken_fold(tmp_path)
    shared = lines(splits_dir / "test.txt")[0]
    with (splits_dir / "fold_0_train.txt").open("a") as handle:
        handle.write(shared + "\n")
    with pytest.raises(InputError, match=f"{shared} is listed also in") as info:
        read_split(tmp_path, 0)
    assert str(splits_dir / "test.txt") in str(info.value)


@pytest.mark.parametrize("entry", ["/etc/passwd", "../outside/x.png", "a.png"])
def test_read_split_refuses_paths_outside_the_data_folder(tmp_path: Path, entry: str) -> None:
    splits_dir = broken_fold(tmp_path)
    with (splits_dir / "fold_1_val.txt").open("a") as handle:
        handle.write(entry + "\n")
    with pytest.raises(InputError, match="is not a path like raw/<class>/<image>"):
        read_split(tmp_path, 1)


def test_read_split_names_missing_folders_and_folds(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="data folder does not exist"):
        read_split(tmp_path / "nowhere", 0)
    write_image_folder(tmp_path, {"a": 3, "b": 3})
    with pytest.raises(InputError, match="benchlab vision split"):
        read_split(tmp_path, 0)
    write_splits(tmp_path / "raw", folds=2, test_fraction=0.3)
    with pytest.raises(InputError, match="no fold 5 .*folds there: 0, 1"):
        read_split(tmp_path, 5)
