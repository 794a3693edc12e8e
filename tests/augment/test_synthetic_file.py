"""``evaluation.synthetic_path``: the evaluation reads a ``generate`` Parquet instead of
generating, after checking it against the panel; each mismatch is one message naming the file,
the column and the value."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from rich.console import Console

from benchlab.augment.config import AugmentRunConfig, GenerationConfig
from benchlab.augment.data.windows import make_windows, read_panel
from benchlab.augment.evaluation import EVALUATION_FILE, SYNTHETIC_TRAIN, prepare_evaluation
from benchlab.augment.generation import generate, load_synthetic
from benchlab.augment.synthetic_file import RUN_DIR_KEY, read_synthetic_file
from benchlab.errors import InputError
from benchlab.runner import run_task

from .evaluation_run import evaluation_config

QUIET = Console(quiet=True)


@pytest.fixture(scope="module")
def gan_run(quick_gan_run: Path) -> Path:
    return quick_gan_run


@pytest.fixture(scope="module")
def synthetic(gan_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "train.parquet"
    return generate(gan_run, samples_per_real=2, out=out, seed=11)


@pytest.fixture(scope="module")
def real_train(olist_processed: Path) -> pl.DataFrame:
    return read_panel(olist_processed / "product_daily_panel.parquet")


def _config(
    processed: Path, out: Path, gan_run: Path | None, path: Path, samples: int | None = None
) -> AugmentRunConfig:
    """The tiny evaluation reading ``path``; ``generation.samples_per_real`` set only when
    ``samples`` is given (otherwise the file's count is used)."""
    config = evaluation_config(processed, out, gan_run, evaluation={"synthetic_path": str(path)})
    given = {} if samples is None else {"samples_per_real": samples}
    return config.model_copy(update={"generation": GenerationConfig(**given)})


def _rewrite(source: Path, target: Path, frame: pl.DataFrame | None = None, **metadata) -> Path:
    (frame if frame is not None else pl.read_parquet(source)).write_parquet(
        target, metadata=metadata or None
    )
    return target


def test_the_evaluation_trains_on_the_file_and_finds_its_gan_run(
    olist_processed: Path, gan_run: Path, synthetic: Path, tmp_path: Path
) -> None:
    config = _config(olist_processed, tmp_path / "runs", None, synthetic)
    config = config.model_copy(
        update={"evaluation": config.evaluation.model_copy(update={"seeds": [0]})}
    )
    prepared = prepare_evaluation(config, console=QUIET)
    assert prepared.gan_run == gan_run.resolve()  # from the file's metadata
    assert prepared.samples_per_real == 2
    expected = load_synthetic(synthetic)
    np.testing.assert_array_equal(prepared.synthetic.windows.target, expected.target)
    summary = run_task(config, progress=False)
    run_dir = summary.run_dir
    assert not (run_dir / SYNTHETIC_TRAIN).exists()  # nothing generated again
    payload = json.loads((run_dir / EVALUATION_FILE).read_text())
    assert payload["synthetic_path"] == str(synthetic)
    assert payload["synthetic_sha256"] == prepared.synthetic.sha256
    assert payload["windows"]["synthetic_train"] == len(expected) == 2 * len(prepared.paired_train)
    assert f"read from `{synthetic}`" in (run_dir / "report.md").read_text()


def test_a_file_of_other_windows_is_refused_naming_the_column(
    synthetic: Path, real_train: pl.DataFrame, tmp_path: Path
) -> None:
    shorter = make_windows(real_train, history=14, horizon=7, split="train")
    with pytest.raises(InputError, match="column history holds 30 days per window; data.history"):
        read_synthetic_file(synthetic, shorter, panel="panel")
    longer = make_windows(real_train, history=30, horizon=5, split="train")
    with pytest.raises(InputError, match="column target holds 7 days per window; data.forecast"):
        read_synthetic_file(synthetic, longer, panel="panel")


def test_products_and_pairing_must_match_the_panel(
    synthetic: Path, real_train: pl.DataFrame, tmp_path: Path
) -> None:
    real = make_windows(real_train, history=30, horizon=7, split="train")
    frame = pl.read_parquet(synthetic)
    first = frame["product_id"][0]
    fewer = _rewrite(
        synthetic, tmp_path / "fewer.parquet", frame.filter(pl.col("product_id") != first)
    )
    with pytest.raises(
        InputError, match=r"fewer.parquet: column product_id lacks 1 product of panel"
    ):
        read_synthetic_file(fewer, real, panel="panel")
    renamed = frame.with_columns(
        pl.when(pl.col("product_id") == first)
        .then(pl.lit("ghost"))
        .otherwise("product_id")
        .alias("product_id")
    )
    ghost = _rewrite(synthetic, tmp_path / "ghost.parquet", renamed)
    with pytest.raises(
        InputError, match="column product_id has 1 product without training windows"
    ):
        read_synthetic_file(ghost, real, panel="panel")
    shuffled = _rewrite(
        synthetic,
        tmp_path / "shuffled.parquet",
        frame.with_row_index().sort("index", descending=True).drop("index"),
    )
    with pytest.raises(InputError, match="row 0 .* does not pair with the real training window"):
        read_synthetic_file(shuffled, real, panel="panel")


def test_a_validation_file_or_another_count_is_refused(
    olist_processed: Path, gan_run: Path, synthetic: Path, tmp_path: Path
) -> None:
    val = generate(gan_run, samples_per_real=1, out=tmp_path / "val.parquet", split="val")
    config = _config(olist_processed, tmp_path / "runs", gan_run, val)
    with pytest.raises(InputError, match="val.parquet: column split holds 'val' windows"):
        prepare_evaluation(config, console=QUIET)
    three = _config(olist_processed, tmp_path / "runs", gan_run, synthetic, samples=3)
    with pytest.raises(InputError, match="holds 2 samples per real window; generation.samples_"):
        prepare_evaluation(three, console=QUIET)
    assert not (tmp_path / "runs").exists()


def test_the_gan_run_must_be_the_one_that_wrote_the_file(
    olist_processed: Path, gan_run: Path, synthetic: Path, tmp_path: Path
) -> None:
    missing = _config(olist_processed, tmp_path, None, tmp_path / "nothing.parquet")
    with pytest.raises(InputError, match="nothing.parquet does not exist: write it with"):
        prepare_evaluation(missing, console=QUIET)
    anonymous = _rewrite(synthetic, tmp_path / "anonymous.parquet")
    config = _config(olist_processed, tmp_path, None, anonymous)
    with pytest.raises(InputError, match="its metadata names no GAN run; set evaluation.gan_run"):
        prepare_evaluation(config, console=QUIET)
    elsewhere = _rewrite(synthetic, tmp_path / "other.parquet", **{RUN_DIR_KEY: str(tmp_path)})
    config = _config(olist_processed, tmp_path, gan_run, elsewhere)
    with pytest.raises(InputError, match=f"was generated by {tmp_path}; evaluation.gan_run is"):
        prepare_evaluation(config, console=QUIET)
