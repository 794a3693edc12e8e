"""Index-file cross-validation (seed 002): stratified folds written as lists of image paths.

``write_splits(Path("data/digits/raw"), folds=5)`` writes, beside ``raw/``::

    splits/test.txt           the held-out test set, shared by every fold
    splits/fold_K_train.txt   fold K's training images
    splits/fold_K_val.txt     fold K's validation images

one POSIX path relative to the data folder per line (``raw/3/12.png``), sorted. The images
themselves are never copied. :func:`read_split` reads one fold back, checked.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from benchlab.errors import InputError
from benchlab.runs import scratch_directory
from benchlab.vision.data.images import scan_raw

SPLITS_DIR = "splits"
TEST_FILE = "test.txt"


def fold_files(fold: int) -> tuple[str, str]:
    """The train and val index file names of ``fold``.

    >>> fold_files(2)
    ('fold_2_train.txt', 'fold_2_val.txt')
    """
    return f"fold_{fold}_train.txt", f"fold_{fold}_val.txt"


@dataclass(frozen=True)
class SplitIndex:
    """One fold: relative image paths of each split, and the classes in label order."""

    train: list[str]
    val: list[str]
    test: list[str]
    classes: list[str]

    def label(self, relative_path: str) -> int:
        """The label of an image: the index of its class folder (``raw/<class>/…``)."""
        return self.classes.index(class_of(relative_path))

    def labels(self, relative_paths: list[str]) -> list[int]:
        index = {name: i for i, name in enumerate(self.classes)}
        return [index[class_of(path)] for path in relative_paths]


def class_of(relative_path: str) -> str:
    """The class folder of an index path.

    >>> class_of("raw/cat/001.jpg")
    'cat'
    """
    parts = relative_path.split("/")
    return parts[1] if len(parts) >= 3 else ""


def locate_data(path: str | Path) -> tuple[Path, Path]:
    """``(raw_dir, data_dir)`` for a path naming either: ``data/digits/raw`` or ``data/digits``
    (a folder holding ``raw/``).

    >>> locate_data("data/digits/raw")
    (PosixPath('data/digits/raw'), PosixPath('data/digits'))
    """
    path = Path(path)
    if path.name != "raw" and (path / "raw").is_dir():
        path = path / "raw"
    return path, path.parent


def _check_parameters(folds: int, test_fraction: float) -> None:
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise InputError(f"folds must be an integer of at least 2, got {folds!r}")
    if not 0.0 < float(test_fraction) < 1.0:
        raise InputError(f"test fraction must lie strictly between 0 and 1, got {test_fraction!r}")


def test_split(labels: list[int], *, test_fraction: float, seed: int) -> list[int]:
    """Positions into ``labels`` of a stratified test set of ``ceil(test_fraction × n)``
    images (each class within one image of its share). Raises ``ValueError`` where
    scikit-learn cannot stratify; callers check first."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    y = np.asarray(labels)
    n_test = math.ceil(test_fraction * len(y))
    _, test = train_test_split(np.arange(len(y)), test_size=n_test, stratify=y, random_state=seed)
    return sorted(test.tolist())


def fold_split(
    labels: list[int], positions: list[int], *, folds: int, seed: int
) -> list[tuple[list[int], list[int]]]:
    """``(train, val)`` positions into ``labels`` for each of ``folds`` stratified folds of
    ``positions`` (each class's count in a fold's val within one of the other folds')."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    rest = np.asarray(positions)
    cutter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [
        (sorted(rest[train].tolist()), sorted(rest[val].tolist()))
        for train, val in cutter.split(rest, np.asarray(labels)[rest])
    ]


def _images(count: int) -> str:
    return f"{count} image" if count == 1 else f"{count} images"


def _check_sizes(
    images: dict[str, list[Path]], raw_dir: Path, folds: int, test_fraction: float
) -> None:
    for name, files in images.items():
        if len(files) < folds:
            raise InputError(
                f"{raw_dir / name}: {_images(len(files))}, fewer than the {folds} folds"
            )
    total, n_classes = sum(len(f) for f in images.values()), len(images)
    if n_classes < 2:
        raise InputError(f"{raw_dir}: one class folder; classification needs at least 2")
    n_test = math.ceil(test_fraction * total)
    if n_test < n_classes or total - n_test < n_classes:
        raise InputError(
            f"{raw_dir}: a test fraction of {test_fraction} of {total} images leaves "
            f"{n_test} test and {total - n_test} other images; each needs at least one per "
            f"class ({n_classes})"
        )


def write_splits(
    raw_dir: str | Path, *, folds: int, test_fraction: float = 0.15, seed: int = 42
) -> Path:
    """Write stratified index files for the images of ``raw_dir`` into ``<data>/splits/``.

    ``raw_dir`` is ``<data>/raw`` (or ``<data>`` itself when it holds ``raw/``). Every image
    is in the test set or in exactly one fold's val set; a fold's train set is the rest. The
    folder is written beside ``splits/`` and renamed into place, replacing an older one.
    A class with fewer images than ``folds`` (before or after the test images are taken out)
    raises :class:`InputError` naming its folder. Returns the splits folder.
    """
    _check_parameters(folds, test_fraction)
    raw_dir, data_dir = locate_data(raw_dir)
    images = scan_raw(raw_dir)
    _check_sizes(images, raw_dir, folds, test_fraction)
    classes = sorted(images)
    paths = [file.relative_to(data_dir).as_posix() for name in classes for file in images[name]]
    labels = [i for i, name in enumerate(classes) for _ in images[name]]
    test = test_split(labels, test_fraction=test_fraction, seed=seed)
    test_set = set(test)
    rest = [p for p in range(len(labels)) if p not in test_set]
    left = Counter(labels[p] for p in rest)
    for i, name in enumerate(classes):
        if left[i] < folds:
            raise InputError(
                f"{raw_dir / name}: {_images(len(images[name]))} leave {left[i]} after the test "
                f"split, fewer than the {folds} folds; lower --test-fraction or --folds"
            )
    fold_positions = fold_split(labels, rest, folds=folds, seed=seed)

    def lines(positions: list[int]) -> str:
        return "".join(f"{line}\n" for line in sorted(paths[p] for p in positions))

    final = data_dir / SPLITS_DIR
    with scratch_directory(data_dir, SPLITS_DIR) as tmp:
        (tmp / TEST_FILE).write_text(lines(test))
        for fold, (train, val) in enumerate(fold_positions):
            train_file, val_file = fold_files(fold)
            (tmp / train_file).write_text(lines(train))
            (tmp / val_file).write_text(lines(val))
        if final.exists():
            with scratch_directory(data_dir, f"{SPLITS_DIR}-replaced") as trash:
                os.rename(final, trash / "old")
                os.rename(tmp, final)
        else:
            os.rename(tmp, final)
    return final


def available_folds(splits_dir: Path) -> list[int]:
    """The folds that have both index files in ``splits_dir``, sorted."""
    folds = []
    for path in splits_dir.glob("fold_*_train.txt"):
        number = path.name[len("fold_") : -len("_train.txt")]
        if number.isdigit() and (splits_dir / fold_files(int(number))[1]).is_file():
            folds.append(int(number))
    return sorted(folds)


def _read_index(index_file: Path, data_dir: Path) -> list[str]:
    """The paths an index file lists, each checked to be a relative path to an existing file."""
    entries = []
    for number, raw_line in enumerate(index_file.read_text().splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        posix = PurePosixPath(line)
        if posix.is_absolute() or ".." in posix.parts or len(posix.parts) < 3:
            raise InputError(
                f"{index_file}, line {number}: {line!r} is not a path like raw/<class>/<image> "
                f"relative to {data_dir}"
            )
        if not (data_dir / posix).is_file():
            raise InputError(f"{index_file}, line {number}: image {data_dir / posix} is missing")
        entries.append(line)
    return entries


def read_split(data_dir: str | Path, fold: int) -> SplitIndex:
    """Fold ``fold`` of ``<data_dir>/splits``: its train, val and test paths and the classes.

    Every listed image must exist (else :class:`InputError` naming the index file and the
    image) and no image may be in two splits. The classes are the sorted class folder names
    of every listed image; an image's label is its class's index.
    """
    data_dir = Path(data_dir)
    splits_dir = data_dir / SPLITS_DIR
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: data folder does not exist")
    if not splits_dir.is_dir():
        raise InputError(
            f"{splits_dir}: no index files; write them with "
            f"`benchlab vision split --raw-data {data_dir / 'raw'} --folds 5`"
        )
    train_file, val_file = (splits_dir / name for name in fold_files(fold))
    test_file = splits_dir / TEST_FILE
    if not train_file.is_file() or not val_file.is_file():
        folds = available_folds(splits_dir)
        raise InputError(
            f"{splits_dir}: no fold {fold} ({train_file.name}, {val_file.name}); "
            f"folds there: {', '.join(map(str, folds)) or 'none'}"
        )
    if not test_file.is_file():
        raise InputError(f"{test_file}: index file is missing")
    named = {f: _read_index(f, data_dir) for f in (train_file, val_file, test_file)}
    seen: dict[str, Path] = {}
    for index_file, entries in named.items():
        if not entries:
            raise InputError(f"{index_file}: index file lists no images")
        for entry in entries:
            if entry in seen:
                where = "twice" if seen[entry] == index_file else f"also in {seen[entry]}"
                raise InputError(f"{index_file}: image {entry} is listed {where}")
            seen[entry] = index_file
    classes = sorted({class_of(path) for path in seen})
    return SplitIndex(
        train=named[train_file], val=named[val_file], test=named[test_file], classes=classes
    )
