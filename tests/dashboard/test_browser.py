"""The dashboard in a real browser: ``benchlab dashboard`` over three real runs of three tasks,
opened in Debian's headless Chromium driven by Playwright; every tab is clicked, and the
leaderboard must show the figures of each run's leaderboard.csv."""

from __future__ import annotations

import csv
import importlib.util
import math
import re
from pathlib import Path

import polars as pl
import pytest

from benchlab.dashboard.process import dashboard_process
from benchlab.dashboard.runs import load_catalog

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
TIMEOUT_MS = 30_000
NUMBER = re.compile(r"^-?\d+(\.\d+)?(e[-+]?\d+)?$")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium; "
        "`make test` installs it where it can)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("gradio") is None or importlib.util.find_spec("plotly") is None,
        reason="needs the dashboard extra: pip install 'benchlab[dashboard]'",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs playwright: pip install 'benchlab[dashboard]'"
)


def csv_figures(run_dir: Path) -> tuple[list[str], list[float]]:
    """The models and every number of a run's leaderboard.csv, to 4 significant digits (as the
    dashboard shows them)."""
    with (run_dir / "leaderboard.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    numbers = []
    for row in rows:
        for column, text in row.items():
            if column not in ("model", "rank") and text and NUMBER.match(text):
                numbers.append(float(f"{float(text):.4g}"))
    return [row["model"] for row in rows], numbers


def shown_numbers(text: str) -> list[float]:
    return [float(cell) for cell in (c.strip() for c in text.splitlines()) if NUMBER.match(cell)]


def assert_shows(text: str, models: list[str], numbers: list[float]) -> None:
    shown = shown_numbers(text)
    for model in models:
        assert model in text
    missing = [n for n in numbers if not any(math.isclose(n, s, rel_tol=1e-6) for s in shown)]
    assert not missing, f"figures of leaderboard.csv not shown: {missing[:10]}"


def customer_nps(run_dir: Path) -> float:
    """Customers' NPS of the reviews run, from the 1–5 star ratings (5 promoter, 1–3 detractor)."""
    ratings = pl.read_parquet(run_dir / "predictions.parquet").filter(model="logreg")["rating"]
    return 100.0 * ((ratings == 5).mean() - (ratings <= 3).mean())


def wait_text(page, selector: str, text: str) -> None:
    """Wait until the element ``selector`` shows ``text`` (Gradio keeps hidden copies of table
    cells, so locating the text itself is ambiguous)."""
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.includes(text)",
        arg=[selector, text],
    )


def choose_task(page, task: str, run_id: str) -> None:
    page.get_by_label("Task").click()
    page.get_by_role("option", name=task, exact=True).click()
    wait_text(page, "#leaderboard", run_id)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_every_tab_in_a_real_browser(runs_root: Path, tmp_path: Path) -> None:
    catalog = load_catalog(runs_root)
    runs = {run.task: run for run in catalog.runs}
    assert sorted(runs) == ["forecast", "reviews", "toy"]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with (
        dashboard_process(runs_root, timeout=120) as url,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url, wait_until="networkidle", timeout=TIMEOUT_MS)
            assert page.title() == "benchlab dashboard"

            # Leaderboard: each task's run shows the figures of its leaderboard.csv
            for task in ("toy", "forecast", "reviews"):
                run = runs[task]
                choose_task(page, task, run.run_id)
                assert_shows(page.locator("#leaderboard").inner_text(), *csv_figures(run.path))
            # sortable: the column menu sorts the experiments by latency
            header = page.locator("#leaderboard").get_by_role("columnheader")
            header = header.filter(has_text="latency_median_ms").first
            header.click()
            header.get_by_role("button", name="Open cell menu").click()
            page.get_by_text("Sort ascending").click()
            fastest_first = runs["reviews"].leaderboard.sort("latency_median_ms")["model"]
            page.wait_for_function(
                """models => {
                    const text = document.querySelector('#leaderboard').innerText;
                    const cells = text.split(/[\\t\\n]/);
                    const shown = [...new Set(cells.map(c => c.trim()).filter(
                        c => models.includes(c)))];
                    return JSON.stringify(shown) === JSON.stringify(models);
                }""",
                arg=fastest_first.to_list(),
            )
            for model in ("logreg", "centroid", "majority"):
                wait_text(page, "#composite", model)
            weights = page.locator("#weights").inner_text()
            for metric in ("accuracy", "f1_macro", "throughput_samples_per_sec"):
                assert metric in weights
            assert "Weights used: accuracy 30%" in page.locator("#composite-note").inner_text()
            page.screenshot(path=shots / "leaderboard.png", full_page=True)

            open_tab(page, "Analysis")
            page.locator("#scatter").get_by_text("Accuracy vs latency").wait_for()
            page.locator("#bars").get_by_text("f1_macro (higher is better)").wait_for()
            page.locator("#latency").get_by_text("Latency per example (ms)").wait_for()
            page.screenshot(path=shots / "analysis.png", full_page=True)

            open_tab(page, "Training")
            wait_text(page, "#status-matrix", "reviews · logreg")
            text = page.locator("#status-matrix").inner_text()
            assert all(run.run_id in text for run in catalog.runs)
            assert text.count("finished") == sum(run.leaderboard.height for run in catalog.runs)
            page.screenshot(path=shots / "training.png", full_page=True)

            open_tab(page, "NPS")
            wait_text(page, "#nps", "customer_nps")
            expected = float(f"{customer_nps(runs['reviews'].path):.4g}")
            shown = shown_numbers(page.locator("#nps").inner_text())
            assert any(math.isclose(expected, v, rel_tol=1e-6) for v in shown), (expected, shown)
            page.locator("#nps-plot").get_by_text("customer NPS (actual)").wait_for()
            page.screenshot(path=shots / "nps.png", full_page=True)

            open_tab(page, "Methodology")
            wait_text(page, "#methodology", "Composite ranking")
            wait_text(page, "#methodology", "accuracy 30%, f1 30%, throughput 20%, latency 20%")

            # a task without ratings says so on the NPS tab
            choose_task(page, "forecast", runs["forecast"].run_id)
            open_tab(page, "NPS")
            wait_text(page, "#nps-note", "No rating column in these runs")
            open_tab(page, "Leaderboard")
            page.screenshot(path=shots / "dashboard.png", full_page=True)
        finally:
            browser.close()
    for name in ("leaderboard", "analysis", "training", "nps", "dashboard"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
