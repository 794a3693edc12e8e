"""Where a basket project keeps its files (seed 003's layout), in one place.

>>> layout = ProjectLayout("shop")
>>> layout.raw_csv.as_posix(), layout.samples("train").as_posix()
('shop/raw_data/transactions.csv', 'shop/data/prepared/train_samples.parquet')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SPLITS: tuple[str, str, str] = ("train", "validation", "test")


@dataclass(frozen=True, init=False)
class ProjectLayout:
    """The paths of a project root: raw transactions, stage 1 samples, stage 2 tensor cache."""

    root: Path

    def __init__(self, root: str | Path) -> None:
        object.__setattr__(self, "root", Path(root))

    @property
    def raw_data(self) -> Path:
        return self.root / "raw_data"

    @property
    def raw_csv(self) -> Path:
        """The input as delivered (read once, to write :attr:`raw_parquet`)."""
        return self.raw_data / "transactions.csv"

    @property
    def raw_parquet(self) -> Path:
        """The input as read by every stage (written from the CSV once, or delivered as is)."""
        return self.raw_data / "transactions.parquet"

    @property
    def prepared(self) -> Path:
        return self.root / "data" / "prepared"

    def samples(self, split: str) -> Path:
        """``data/prepared/<split>_samples.parquet`` (stage 1)."""
        if split not in SPLITS:
            raise ValueError(f"split {split!r} is not one of {', '.join(SPLITS)}")
        return self.prepared / f"{split}_samples.parquet"

    @property
    def tensor_cache(self) -> Path:
        """``data/prepared/tensor_cache/`` (stage 2)."""
        return self.prepared / "tensor_cache"
