"""scalers.json: loading it and mapping scaled units back to units."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from benchlab.augment.data.preprocess import PANEL_FILE
from benchlab.augment.data.scaling import SCALERS_FILE, load_scalers, to_original_scale
from benchlab.errors import InputError


def test_to_original_scale_gives_back_the_panels_units(olist_processed: Path) -> None:
    panel = pl.read_parquet(olist_processed / PANEL_FILE)
    scalers = load_scalers(olist_processed)
    units = to_original_scale(
        panel["units_scaled"].to_numpy().astype(np.float32), panel["product_id"], scalers
    )
    assert units.dtype == np.float32
    np.testing.assert_allclose(units, panel["units"], atol=1e-4)
    # windows: one product per row, several values each
    stacked = np.stack([panel["units_scaled"].to_numpy()] * 3, axis=1)
    back = to_original_scale(stacked, panel["product_id"].to_numpy(), scalers)
    np.testing.assert_allclose(back, np.stack([panel["units"].to_numpy()] * 3, axis=1))


def test_unknown_products_and_missing_or_broken_files_are_one_error(
    olist_processed: Path, tmp_path: Path
) -> None:
    scalers = load_scalers(olist_processed)
    with pytest.raises(InputError, match=r"1 product without a scaler \('nope'\)"):
        to_original_scale(np.zeros(2), ["nope", next(iter(scalers.units_min))], scalers)
    with pytest.raises(InputError, match=f"{SCALERS_FILE}: file not found"):
        load_scalers(tmp_path)
    (tmp_path / SCALERS_FILE).write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_scalers(tmp_path)
    (tmp_path / SCALERS_FILE).write_text(json.dumps({"units": {}}))
    with pytest.raises(InputError, match="not a scalers file"):
        load_scalers(tmp_path)


def test_scalers_round_trip_through_json(olist_processed: Path) -> None:
    scalers = load_scalers(olist_processed)
    saved = json.loads((olist_processed / SCALERS_FILE).read_text())
    assert scalers.to_json() == saved
    assert set(scalers.splits) == {"train", "val", "test"}
    assert scalers.splits["train"][1] < scalers.splits["val"][0] <= scalers.splits["val"][1]
