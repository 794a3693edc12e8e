"""The augment task's data: Olist-shaped CSVs, the product-day panel, windows and datasets.

* :mod:`~benchlab.augment.data.olist`: ``write_olist`` (``benchlab data olist``);
* :mod:`~benchlab.augment.data.preprocess`: ``preprocess_olist`` (``benchlab augment
  preprocess``), with :mod:`~benchlab.augment.data.features` and
  :mod:`~benchlab.augment.data.scaling` (``load_scalers``, ``to_original_scale``);
* :mod:`~benchlab.augment.data.windows`: ``WindowArrays``, ``make_windows``, ``read_panel``;
* :mod:`~benchlab.augment.data.datasets` and :mod:`~benchlab.augment.data.datamodule` (torch):
  ``SalesDataset``, ``AugmentedSalesDataset``, ``SalesDataModule``.

The names are importable from here too, each module imported on first use (PEP 562), so
importing this package loads neither torch nor Lightning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchlab.lazy import lazy_exports

if TYPE_CHECKING:
    from benchlab.augment.data.datamodule import SalesDataModule
    from benchlab.augment.data.datasets import AugmentedSalesDataset, SalesDataset
    from benchlab.augment.data.olist import write_olist
    from benchlab.augment.data.preprocess import PreprocessResult, preprocess_olist
    from benchlab.augment.data.scaling import Scalers, load_scalers, to_original_scale
    from benchlab.augment.data.windows import WindowArrays, make_windows, read_panel

_EXPORTS: dict[str, str] = {
    "write_olist": ".olist",
    "preprocess_olist": ".preprocess",
    "PreprocessResult": ".preprocess",
    "Scalers": ".scaling",
    "load_scalers": ".scaling",
    "to_original_scale": ".scaling",
    "WindowArrays": ".windows",
    "make_windows": ".windows",
    "read_panel": ".windows",
    "SalesDataset": ".datasets",
    "AugmentedSalesDataset": ".datasets",
    "SalesDataModule": ".datamodule",
}

__all__ = [
    "AugmentedSalesDataset",
    "PreprocessResult",
    "SalesDataModule",
    "SalesDataset",
    "Scalers",
    "WindowArrays",
    "load_scalers",
    "make_windows",
    "preprocess_olist",
    "read_panel",
    "to_original_scale",
    "write_olist",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
