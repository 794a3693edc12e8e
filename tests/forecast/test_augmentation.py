"""A forecast config with an ``augmentation:`` block, end to end through ``benchlab run``: the
LSTM rows real/real+synthetic scored like the other models, the report's augmentation
sections, and bad blocks refused before any run folder exists."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.config import parse_run_config
from benchlab.errors import InputError
from benchlab.runner import run_task

from ..augment.gan_run import train_tiny_gan

runner = CliRunner()
PANEL = "product_daily_panel.parquet"
HORIZON = 10
FORECASTER = {"hidden_size": 8, "num_layers": 1, "batch_size": 64, "max_epochs": 1}


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchlab.augment.data.olist import write_olist
    from benchlab.augment.data.preprocess import preprocess_olist

    raw = tmp_path_factory.mktemp("olist_raw")
    write_olist(raw, products=12, days=120, seed=1)
    out = tmp_path_factory.mktemp("olist_processed")
    preprocess_olist(raw, out, min_active_days=10)
    return out


@pytest.fixture(scope="module")
def gan_run(processed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gan_runs")
    return train_tiny_gan(processed, out, quick_run={"enabled": True, "max_epochs": 1}).run_dir


def _first_test_day(processed: Path) -> str:
    panel = pl.read_parquet(processed / PANEL)
    return str(panel.filter(pl.col("split") == "test")["date"].min())


def _raw(processed: Path, out: Path, gan_run: Path, **block: Any) -> dict[str, Any]:
    return {
        "task": "forecast",
        "name": "olist_augmented",
        "seed": 3,
        "output_dir": str(out),
        "tracking": {"enabled": False},
        "data": {
            "panel_path": str(processed / PANEL),
            "id_columns": ["product_id"],
            "date_column": "date",
            "target_column": "units",
            "freq": "D",
            "split_date": _first_test_day(processed),
            "horizon": HORIZON,
        },
        "strategy": ["combined"],
        "models": [{"type": "seasonal_naive"}],
        "report": {"fan_charts": 1},
        "augmentation": {
            "gan_run": str(gan_run),
            "seeds": [0, 1],
            "samples_per_real": 2,
            "settings": {
                "evaluation.forecaster": FORECASTER,
                "evaluation.bootstrap_resamples": 200,
            },
            **block,
        },
    }


@pytest.fixture(scope="module")
def run_dir(processed: Path, gan_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("forecast")
    config = work / "olist.yaml"
    config.write_text(yaml.safe_dump(_raw(processed, work / "runs", gan_run)))
    result = runner.invoke(app, ["run", str(config), "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "Augmentation " in result.stdout  # the augmentation's verdict is printed
    return Path(json.loads(result.stdout.strip().splitlines()[-1])["run_dir"])


@pytest.mark.slow
def test_the_leaderboard_gains_the_lstm_rows_scored_like_the_others(
    run_dir: Path, processed: Path
) -> None:
    board = pl.read_csv(run_dir / "leaderboard.csv")
    assert sorted(board["model"]) == ["lstm_augmented", "lstm_real_only", "seasonal_naive"]
    assert board["rmsse"].is_not_null().all() and board["rmsse"].is_sorted()
    period = pl.read_parquet(run_dir / "augmentation" / "forecast_period.parquet")
    panel = pl.read_parquet(processed / PANEL)
    first = _first_test_day(processed)
    truth = panel.filter(pl.col("date") >= pl.lit(first).str.to_date()).sort("date")
    truth = truth.group_by("product_id").head(HORIZON).select("product_id", "date", "units")
    for variant in ("real_only", "augmented"):
        mean = (
            period.filter(pl.col("variant") == variant)
            .group_by("product_id", "date")
            .agg(pl.col("y_pred").mean().clip(lower_bound=0.0))
        )
        joined = truth.join(mean, on=["product_id", "date"], how="inner")
        assert joined.height == truth.height  # every test row has a forecast
        expected = float(np.abs(joined["y_pred"] - joined["units"]).mean())
        (mae,) = board.filter(pl.col("model") == f"lstm_{variant}")["mae"]
        assert mae == pytest.approx(expected)
        metrics = json.loads(
            (run_dir / "combined" / f"lstm_{variant}" / "metrics.json").read_text()
        )
        assert metrics["hyperparameters"]["seeds"] == [0, 1]
        assert (run_dir / f"predictions_lstm_{variant}_combined.parquet").is_file()


@pytest.mark.slow
def test_the_report_gains_the_augmentation_sections(run_dir: Path) -> None:
    report = (run_dir / "report.md").read_text()
    evaluation = json.loads((run_dir / "augmentation" / "evaluation.json").read_text())
    assert evaluation["seeds"] == [0, 1] and evaluation["windows"]["synthetic_train"] > 0
    assert report.index("## Leaderboard") < report.index("## Augmentation (seed 001)")
    assert report.index("## Augmentation: Does augmentation help?") < report.rindex(
        "## Run configuration"
    )
    assert evaluation["verdict"] in report
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert any(link.startswith("augmentation/figures/") for link in links)
    assert all((run_dir / link).is_file() for link in links)
    assert (run_dir / "augmentation" / "report.md").is_file()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "augmentation/forecast_period.parquet" in manifest["files"]


def test_a_test_period_the_forecasters_learnt_from_is_refused(
    processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    raw = _raw(processed, tmp_path / "runs", gan_run)
    val_start = pl.read_parquet(processed / PANEL).filter(pl.col("split") == "val")["date"].min()
    raw["data"]["split_date"] = str(val_start)
    config = tmp_path / "olist.yaml"
    config.write_text(yaml.safe_dump(raw))
    result = runner.invoke(app, ["run", str(config)])
    assert result.exit_code == 2
    last = [line for line in result.output.splitlines() if line.strip()][-1]
    assert last.startswith("error:") and f"start {val_start} lies in the 'val' split" in last
    assert not (tmp_path / "runs").exists()


def test_the_forecast_data_must_be_the_gans_panel(
    processed: Path, gan_run: Path, tmp_path: Path, tiny_paths: Any
) -> None:
    renamed = tmp_path / "panel.parquet"
    shutil.copy(processed / PANEL, renamed)
    raw = _raw(processed, tmp_path / "runs", gan_run)
    raw["data"]["panel_path"] = str(renamed)
    with pytest.raises(InputError, match="is not a `benchlab augment preprocess` panel"):
        run_task(parse_run_config(raw), progress=False)
    raw = _raw(processed, tmp_path / "runs", gan_run)
    raw["data"] = {
        "features_path": str(tiny_paths.features),
        "target_path": str(tiny_paths.target),
        "horizon": 7,
    }
    with pytest.raises(InputError, match="augmentation: needs data.panel_path"):
        run_task(parse_run_config(raw), progress=False)
    assert not (tmp_path / "runs").exists()


def test_a_block_needs_a_gan_run_and_keeps_its_own_keys(
    processed: Path, gan_run: Path, tmp_path: Path
) -> None:
    raw = _raw(processed, tmp_path, gan_run)
    raw["augmentation"].pop("gan_run")
    with pytest.raises(
        InputError, match="augmentation: Value error, give gan_run .* or synthetic_path"
    ):
        parse_run_config(raw)
    raw = _raw(processed, tmp_path, gan_run, settings={"stage": "train_gan"})
    with pytest.raises(InputError, match="settings.stage is set by the forecast run"):
        parse_run_config(raw)
    raw = _raw(processed, tmp_path, gan_run, settings={"evaluation": {"seeds": [9]}})
    with pytest.raises(InputError, match="settings.evaluation holds keys the forecast run sets"):
        parse_run_config(raw)
    raw = _raw(processed, tmp_path, gan_run, variants=["everything"])
    with pytest.raises(InputError, match="augmentation.variants.0"):
        parse_run_config(raw)
