"""Forecast figures: leaderboard by strategy, fan charts, SKU choice, report figures."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.forecast.plots import (
    fan_chart,
    fan_charts,
    leaderboard_chart,
    make_report_figures,
    pick_skus,
)
from tests.forecast.test_evaluator import (
    ALPHAS,
    ID_COLUMNS,
    SKUS,
    make_evaluator,
    make_history,
    make_results,
)
from tests.reports.test_plots import assert_png

DPI = 80


def test_leaderboard_chart_is_a_deterministic_png(tmp_path: Path) -> None:
    board = make_evaluator().leaderboard()
    first = leaderboard_chart(board, "rmsse", tmp_path / "a" / "leaderboard.png", dpi=DPI)
    second = leaderboard_chart(board, "rmsse", tmp_path / "b.png", dpi=DPI)

    assert first == tmp_path / "a" / "leaderboard.png"
    assert_png(first)
    assert first.read_bytes() == second.read_bytes()
    assert [p.name for p in first.parent.iterdir()] == ["leaderboard.png"]  # no temp file left

    without_oracle = leaderboard_chart(
        board.drop("oracle_rmsse"), "rmsse", tmp_path / "c.png", dpi=DPI
    )
    assert without_oracle.read_bytes() != first.read_bytes()  # the oracle line is drawn


def test_leaderboard_chart_handles_missing_values_bias_and_coverage(tmp_path: Path) -> None:
    board = make_evaluator().leaderboard()
    assert_png(leaderboard_chart(board, "bias", tmp_path / "bias.png", dpi=DPI))
    assert_png(leaderboard_chart(board, "coverage_80", tmp_path / "cov.png", dpi=DPI))

    with pytest.raises(InputError, match="missing column 'wrmsse'"):
        leaderboard_chart(board, "wrmsse", tmp_path / "x.png")
    all_null = board.with_columns(pl.lit(None, dtype=pl.Float64).alias("mae"))
    with pytest.raises(InputError, match="no model has a value for 'mae'"):
        leaderboard_chart(all_null, "mae", tmp_path / "x.png")


def test_fan_chart_draws_one_sku(tmp_path: Path) -> None:
    result = make_results()[0]
    path = fan_chart(
        make_history(),
        result.predictions,
        id_columns=ID_COLUMNS,
        sku=SKUS[0],
        quantile_alphas=ALPHAS,
        path=tmp_path / "fan.png",
        history_periods=42,
        dpi=DPI,
    )
    assert_png(path)

    with pytest.raises(InputError, match="no predictions for SKU product_id=1, store_id=1"):
        fan_chart(
            make_history(),
            result.predictions,
            id_columns=ID_COLUMNS,
            sku=(1, 1),
            quantile_alphas=ALPHAS,
            path=tmp_path / "none.png",
        )
    with pytest.raises(InputError, match="has 1 value"):
        fan_chart(
            make_history(),
            result.predictions,
            id_columns=ID_COLUMNS,
            sku=(80558,),
            quantile_alphas=ALPHAS,
            path=tmp_path / "none.png",
        )


def test_fan_charts_one_file_per_sku_with_a_panel_per_result(tmp_path: Path) -> None:
    results = make_evaluator().ranked_results()
    paths = fan_charts(
        make_history(),
        results,
        id_columns=ID_COLUMNS,
        skus=SKUS,
        out_dir=tmp_path,
        max_results=4,
        dpi=DPI,
    )
    assert [p.name for p in paths] == ["fan_80558_2.png", "fan_80651_2.png", "fan_90001_1.png"]
    for path in paths:  # fan_90001_1: statquant [individual] failed on it, panel says so
        assert_png(path, min_height=4 * 150)
    with pytest.raises(InputError, match="no results"):
        fan_charts(make_history(), [], id_columns=ID_COLUMNS, skus=SKUS, out_dir=tmp_path)


def test_pick_skus_takes_the_largest_and_one_intermittent() -> None:
    actuals = {"a": [50.0, 50.0], "b": [40.0, 40.0], "c": [30.0, 30.0], "d": [0.0, 9.0]}
    actuals |= {"e": [0.0, 0.0], "f": [5.0, 5.0]}
    predictions = pl.DataFrame(
        {
            "unique_id": [k for k, v in actuals.items() for _ in v],
            "y_true": [x for v in actuals.values() for x in v],
        }
    )
    assert pick_skus(predictions, ["unique_id"], n=3) == [("a",), ("b",), ("d",)]
    assert pick_skus(predictions.sample(fraction=1.0, seed=1), ["unique_id"], n=3) == [
        ("a",),
        ("b",),
        ("d",),
    ]
    smooth = predictions.filter(pl.col("unique_id").is_in(["a", "b", "c", "f"]))
    assert pick_skus(smooth, ["unique_id"], n=3) == [("a",), ("b",), ("c",)]
    assert len(pick_skus(predictions, ["unique_id"], n=10)) == 6
    assert pick_skus(make_results()[0].predictions, ID_COLUMNS, n=2) == [(80558, 2), (90001, 1)]
    with pytest.raises(InputError, match="at least 1"):
        pick_skus(predictions, ["unique_id"], n=0)


def test_make_report_figures(tmp_path: Path) -> None:
    figures = make_report_figures(
        make_evaluator(), tmp_path / "figures", history=make_history(), n_skus=2, dpi=DPI
    )
    assert list(figures) == [
        "Leaderboard: rmsse",
        "Forecasts: product_id=80558, store_id=2",
        "Forecasts: product_id=90001, store_id=1",
    ]
    for path in figures.values():
        assert_png(path)
