"""``generate``: synthetic windows in units sold, with the conditions they were drawn under."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch

from benchlab.augment.data.scaling import load_scalers, to_original_scale
from benchlab.augment.data.windows import make_windows, read_panel
from benchlab.augment.generation import default_output, generate, load_synthetic, read_run_info
from benchlab.errors import InputError


@pytest.fixture(scope="module")
def run_dir(quick_gan_run: Path) -> Path:
    return quick_gan_run


def test_every_real_window_gets_its_samples_in_units(
    run_dir: Path, olist_processed: Path, tmp_path: Path
) -> None:
    path = generate(run_dir, samples_per_real=3, out=tmp_path / "syn.parquet", split="val")
    frame = pl.read_parquet(path)
    real = make_windows(
        read_panel(olist_processed / "product_daily_panel.parquet"),
        history=30,
        horizon=7,
        split="val",
    )
    assert frame.height == 3 * len(real)
    assert sorted(frame["sample"].unique().to_list()) == [0, 1, 2]
    first = frame.filter(pl.col("sample") == 1)
    assert first["product_id"].to_list() == real.product_ids.tolist()
    np.testing.assert_array_equal(np.stack(first["history"].to_numpy()), real.history)
    np.testing.assert_array_equal(np.stack(first["temporal"].to_numpy()), real.temporal)
    scalers = load_scalers(olist_processed)
    units = np.stack(frame["target_units"].to_numpy())
    ids = frame["product_id"].to_numpy()
    np.testing.assert_allclose(
        units, to_original_scale(np.stack(frame["target"].to_numpy()), ids, scalers), rtol=1e-6
    )
    np.testing.assert_allclose(
        np.stack(first["history_units"].to_numpy()),
        to_original_scale(real.history, real.product_ids, scalers),
        rtol=1e-6,
    )
    assert (units >= 0).all()
    windows = load_synthetic(path)
    assert len(windows) == frame.height and windows.split == "val"


def test_the_same_seed_gives_the_same_file_and_another_seed_another(
    run_dir: Path, tmp_path: Path
) -> None:
    a = pl.read_parquet(generate(run_dir, samples_per_real=2, out=tmp_path / "a.parquet"))
    b = pl.read_parquet(generate(run_dir, samples_per_real=2, out=tmp_path / "b.parquet"))
    c = pl.read_parquet(generate(run_dir, samples_per_real=2, out=tmp_path / "c.parquet", seed=9))
    assert a.equals(b)
    assert not a["target"].equals(c["target"])
    metadata = pl.read_parquet_metadata(tmp_path / "c.parquet")
    assert metadata["benchlab.seed"] == "9" and metadata["benchlab.samples_per_real"] == "2"


def test_the_pt_file_holds_the_same_windows(run_dir: Path, tmp_path: Path) -> None:
    path = generate(run_dir, samples_per_real=2, out=tmp_path / "gan_samples.parquet", pt=True)
    frame = pl.read_parquet(path)
    payload = torch.load(path.with_suffix(".pt"), weights_only=True)
    assert payload["product_ids"] == frame["product_id"].to_list()
    np.testing.assert_array_equal(payload["target"].numpy(), np.stack(frame["target"].to_numpy()))
    assert payload["temporal"].shape == (frame.height, 7, 8)
    assert payload["reviews"].shape == (frame.height, 2)


def test_by_default_the_file_goes_beside_the_processed_data(run_dir: Path) -> None:
    info = read_run_info(run_dir)
    path = generate(run_dir, samples_per_real=1)
    assert path == default_output(info, "train")
    assert path.parent == Path(info["processed_dir"]).parent / "synthetic"
    assert info["run_id"] in path.name and path.is_file()
    path.unlink()


def test_a_folder_that_is_not_a_gan_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a train-gan run folder"):
        generate(tmp_path)


def test_a_generator_file_from_another_model_is_refused(run_dir: Path, tmp_path: Path) -> None:
    fake = tmp_path / "run"
    (fake / "models").mkdir(parents=True)
    (fake / "models" / "gan.json").write_text((run_dir / "models" / "gan.json").read_text())
    torch.save({"state_dict": torch.nn.Linear(3, 1).state_dict()}, fake / "models" / "generator.pt")
    with pytest.raises(InputError, match="a checkpoint from another model"):
        generate(fake, out=tmp_path / "never.parquet")
    assert not (tmp_path / "never.parquet").exists()


def test_a_run_whose_windows_differ_from_its_generator_is_refused(
    run_dir: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "run"
    (fake / "models").mkdir(parents=True)
    info = json.loads((run_dir / "models" / "gan.json").read_text())
    (fake / "models" / "gan.json").write_text(json.dumps({**info, "horizon": 14}))
    (fake / "models" / "generator.pt").write_bytes(
        (run_dir / "models" / "generator.pt").read_bytes()
    )
    with pytest.raises(InputError, match="generates 7 days, the run's windows have 14"):
        generate(fake)


def test_at_least_one_sample_per_window(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 1"):
        generate(run_dir, samples_per_real=0, out=tmp_path / "x.parquet")


def test_generating_does_not_import_lightning(run_dir: Path, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from benchlab.augment.generation import generate\n"
        f"generate({str(run_dir)!r}, samples_per_real=1, out={str(tmp_path / 'g.parquet')!r})\n"
        "print('lightning' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert (tmp_path / "g.parquet").is_file()
