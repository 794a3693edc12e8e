"""The forecast report: every section, relative image links, HTML beside, clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from benchlab.errors import InputError
from benchlab.forecast.evaluator import ModelEvaluator
from benchlab.forecast.metrics import evaluate_forecasts, uses_revenue_weights
from benchlab.forecast.plots import make_report_figures
from benchlab.forecast.report import write_report
from benchlab.reports import html
from tests.forecast.test_evaluator import (
    HORIZON,
    ID_COLUMNS,
    make_evaluator,
    make_history,
    make_results,
)
from tests.reports.test_plots import assert_png

DATA_SUMMARY = {
    "source": "synthetic",
    "n_skus": 3,
    "date_range": (dt.date(2019, 12, 23), dt.date(2020, 4, 28)),
    "train_periods": 100,
    "test_periods": HORIZON,
    "frequency": "daily",
    "horizon": HORIZON,
}


def test_write_report_has_every_section_and_relative_image_links(tmp_path: Path) -> None:
    evaluator = make_evaluator()
    figures = make_report_figures(
        evaluator, tmp_path / "figures", history=make_history(), n_skus=2, max_results=2, dpi=80
    )
    report = write_report(
        tmp_path / "report.md",
        title="Test benchmark",
        evaluator=evaluator,
        data_summary=DATA_SUMMARY,
        figures=figures,
        run_config={"seed": 42, "split_date": dt.date(2020, 4, 1), "out": tmp_path / "runs"},
    )
    text = report.read_text(encoding="utf-8")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "report.html", "report.md"]
    assert text.startswith("# Test benchmark\n")
    assert "**Best:** `xgboost_quantile` (individual) with rmsse = 0.85" in text
    assert "| Date range | 2019-12-23 to 2020-04-28 |" in text
    assert "| Horizon | 28 |" in text
    for row in (
        "| 1 | xgboost_quantile | individual | 0.85 | 1.9 | 0.5 | 0.6 | 0.7 |",
        "| 2 | xgboost_quantile | combined | 0.9 | 2 | -0.3 | 0.62 | 0.7 |",
        "| 4 | statquant | combined | 1.1 | 2.6 | 0.1 | — | — |",
    ):
        assert row in text
    assert "coverage_80 |" not in text.split("## Strategy comparison")[0]  # in its own section
    assert "- **statquant**: individual beats combined by 13.6% on rmsse" in text
    assert "rmsse_vs_oracle 1.2 = 20% above the oracle" in text
    assert "rmsse_vs_oracle 1.13 = 13% above the oracle" in text
    assert "| xgboost_quantile | individual | 80% | 70.0% | -10.0 | 4.2 |" in text
    assert (
        "| statquant | individual | product_id=90001, store_id=1 | ValueError: series too short"
        in text
    )
    assert "![Leaderboard: rmsse](figures/leaderboard_rmsse.png)" in text
    assert "![Forecasts: product_id=80558, store_id=2](figures/fan_80558_2.png)" in text
    assert "split_date: '2020-04-01'" in text
    for name in ("leaderboard_rmsse.png", "fan_80558_2.png", "fan_90001_1.png"):
        assert_png(tmp_path / "figures" / name)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>Test benchmark</title>" in page
    assert (
        '<img alt="Forecasts: product_id=80558, store_id=2" src="figures/fan_80558_2.png">' in page
    )


def test_report_without_oracle_quantiles_or_failures(tmp_path: Path) -> None:
    evaluator = ModelEvaluator()
    evaluator.add(make_results()[2])
    text = evaluator.to_markdown(title="Point only", figures={"Leaderboard": "lb.png"})
    assert "## Oracle" not in text
    assert "## Quantile forecasts" not in text
    assert "## Data" not in text
    assert "None: every SKU was fitted and forecast." in text
    assert "No model ran under both the combined and the individual strategy." in text
    assert "![Leaderboard](lb.png)" in text


def test_report_errors_are_clear_and_leave_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match="no results to evaluate"):
        write_report(
            tmp_path / "report.md",
            title="Empty",
            evaluator=ModelEvaluator(),
            data_summary=DATA_SUMMARY,
            figures={},
        )
    with pytest.raises(InputError, match="figure .*missing.png' does not exist"):
        write_report(
            tmp_path / "report.md",
            title="Broken link",
            evaluator=make_evaluator(),
            data_summary=DATA_SUMMARY,
            figures={"Leaderboard": tmp_path / "missing.png"},
        )
    assert list(tmp_path.iterdir()) == []

    # A failure once the report is being written: the Markdown is already in a temporary file.
    during: list[list[str]] = []

    def failing(title: str, text: str) -> str:
        during.append(sorted(p.name for p in tmp_path.iterdir()))
        raise OSError("disk full")

    monkeypatch.setattr(html, "markdown_to_html", failing)
    with pytest.raises(OSError, match="disk full"):
        write_report(
            tmp_path / "report.md",
            title="Disk full",
            evaluator=make_evaluator(),
            data_summary=DATA_SUMMARY,
            figures={},
        )
    assert during and any(name.startswith(".report.md.") for name in during[0]), during
    assert list(tmp_path.iterdir()) == []


def test_relative_figure_paths_are_relative_to_the_report(tmp_path: Path) -> None:
    evaluator = make_evaluator()
    figures = make_report_figures(evaluator, tmp_path / "figures", dpi=80)
    relative = {"Leaderboard": Path("figures/leaderboard_rmsse.png")}
    text = write_report(
        tmp_path / "report.md",
        title="Relative",
        evaluator=evaluator,
        data_summary={"SKUs": 3, "train": "2020-01-01 … 2020-03-31"},
        figures=relative,
    ).read_text(encoding="utf-8")
    assert figures["Leaderboard: rmsse"] == tmp_path / relative["Leaderboard"]
    assert "![Leaderboard](figures/leaderboard_rmsse.png)" in text
    assert "| SKUs | 3 |" in text and "| Train | 2020-01-01 … 2020-03-31 |" in text


def test_report_from_real_metrics(tmp_path: Path) -> None:
    """Integration: metrics from ``evaluate_forecasts`` flow into a full report."""
    history = make_history()
    evaluator = ModelEvaluator("wrmsse")
    for result in make_results():
        result.metrics, result.per_sku_metrics = evaluate_forecasts(
            result.predictions,
            history,
            id_columns=ID_COLUMNS,
            quantile_alphas=result.quantile_alphas,
        )
        result.revenue_weights = uses_revenue_weights(history)
        evaluator.add(result)
    board = evaluator.leaderboard()
    assert board.columns[3:6] == ["wrmsse", "rmsse", "rmsse_seasonal"]
    assert board["rank"].to_list() == [1, 2, 3, 4]

    figures = make_report_figures(evaluator, tmp_path / "fig", dpi=80)
    text = write_report(
        tmp_path / "out" / "report.md",
        title="Real metrics",
        evaluator=evaluator,
        data_summary=DATA_SUMMARY,
        figures=figures,
    ).read_text(encoding="utf-8")
    assert "![Leaderboard: wrmsse](../fig/leaderboard_wrmsse.png)" in text
    assert "wrmsse_vs_oracle" in text and "above the oracle" in text
    assert "| xgboost_quantile | combined | 80% |" in text
    assert "wrmsse_revenue_weighted" not in text  # a flag, explained in words
    assert "unit-sales share" in text


def test_weights_note_follows_the_results_not_the_metrics(tmp_path: Path) -> None:
    evaluator = ModelEvaluator("wrmsse")
    for result in make_results():
        result.metrics = {**result.metrics, "wrmsse": result.metrics["rmsse"]}
        result.revenue_weights = True
        evaluator.add(result)
    text = evaluator.to_markdown(title="Revenue")
    assert "`wrmsse` weights series by their revenue share." in text
    assert "revenue_weighted" not in text and "revenue_weights" not in text
    evaluator.results[0].revenue_weights = False  # mixed: no single statement is true
    assert "weights series by their" not in evaluator.to_markdown(title="Mixed")
