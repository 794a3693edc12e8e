"""``SalesDataModule``: the panel's train/val/test windows as a LightningDataModule."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import lightning

from benchlab.augment.data.datasets import AugmentedSalesDataset, SalesDataset
from benchlab.augment.data.preprocess import SPLITS
from benchlab.augment.data.windows import WindowArrays, make_windows, read_panel
from benchlab.data.validation import source_name
from benchlab.neural.data import batch_loader

if TYPE_CHECKING:
    import polars as pl
    from torch.utils.data import DataLoader

    from benchlab.augment.config import AugmentRunConfig


class SalesDataModule(lightning.LightningDataModule):
    """Windows of ``config.data`` (history, horizon, stride, batch size, workers) from
    ``panel_path`` (default: the config's processed panel). With ``synthetic`` (training-split
    windows in the scaled space), the training set is real + synthetic
    (:class:`AugmentedSalesDataset`); validation and test stay real. Training batches are
    shuffled from ``config.seed``.

    :meth:`setup` reads the panel and builds every split once; a panel too short for one window
    of a split raises :class:`~benchlab.errors.InputError`.
    """

    def __init__(
        self,
        config: AugmentRunConfig,
        panel_path: str | Path | None = None,
        synthetic: WindowArrays | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.panel_path = Path(panel_path) if panel_path is not None else config.data.panel_path
        self.synthetic = synthetic
        self.panel: pl.DataFrame | None = None
        self.windows: dict[str, WindowArrays] = {}
        self.datasets: dict[str, SalesDataset] = {}

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        data = self.config.data
        source = source_name(self.panel_path)
        self.panel = read_panel(self.panel_path)
        self.windows = {
            split: make_windows(
                self.panel,
                history=data.history_window,
                horizon=data.forecast_horizon,
                stride=data.stride,
                split=split,
                source=source,
            )
            for split in SPLITS
        }
        self.datasets = {split: SalesDataset(w) for split, w in self.windows.items()}
        if self.synthetic is not None:
            self.datasets["train"] = AugmentedSalesDataset(self.windows["train"], self.synthetic)

    def _loader(self, split: str, *, shuffle: bool) -> DataLoader:
        self.setup()
        data = self.config.data
        return batch_loader(
            self.datasets[split],
            batch_size=data.batch_size,
            shuffle=shuffle,
            seed=self.config.seed,
            workers=data.num_workers,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
