"""Engine reports: table cells, sections, figure links, and Markdown + HTML written atomically."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path

import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.reports import html
from benchlab.reports.markdown import (
    Section,
    config_section,
    figure_links,
    figures_section,
    format_value,
    leaderboard_section,
    markdown_table,
    render_sections,
    write_sections,
)


class Split(Enum):
    TEMPORAL = "temporal"


def test_markdown_table_formats_cells() -> None:
    frame = pl.DataFrame(
        {
            "model": ["a|b", "c"],
            "rmsse": [0.812345, None],
            "big": [12345.6, 1.5e-7],
            "n": [3, 10],
            "day": [dt.date(2020, 1, 2), None],
        }
    )
    assert markdown_table(frame).splitlines() == [
        "| model | rmsse | big | n | day |",
        "|---|---:|---:|---:|---|",
        "| a\\|b | 0.8123 | 12350 | 3 | 2020-01-02 |",
        "| c | — | 1.5e-07 | 10 | — |",
    ]
    assert format_value(float("nan")) == "NaN"
    assert format_value(float("inf")) == "inf"
    assert format_value(2.0) == "2"
    assert format_value(0.000123456) == "0.0001235"
    with pytest.raises(InputError, match="no columns"):
        markdown_table(pl.DataFrame())


def test_sections_of_any_task_render_in_order() -> None:
    board = pl.DataFrame({"rank": [1, 2], "model": ["vit", "cnn"], "accuracy": [0.9, 0.8]})
    sections = [
        leaderboard_section(board, "accuracy"),
        figures_section({"Confusion [val]": "figures/confusion.png", "Loss": "figures/loss.png"}),
        config_section({"seed": 7, "split": Split.TEMPORAL, "out": Path("runs") / "v"}),
    ]
    text = render_sections("Vision run", [s for s in sections if s is not None])
    assert text.splitlines()[:5] == [
        "# Vision run",
        "",
        "## Leaderboard",
        "",
        "Ranked by **accuracy** (higher is better); rank 1 is best.",
    ]
    assert "| 1 | vit | 0.9 |" in text
    assert (
        "### Confusion [val]\n\n![Confusion \\[val\\]](figures/confusion.png)\n\n### Loss" in text
    )
    assert text.endswith("```yaml\nseed: 7\nsplit: temporal\nout: runs/v\n```\n")
    assert figures_section({}) is None
    empty = leaderboard_section(board.clear(), "accuracy")
    assert empty.lines == ["No experiment finished."]


def test_figure_links_are_relative_to_the_report(tmp_path: Path) -> None:
    (tmp_path / "fig").mkdir()
    (tmp_path / "fig" / "a b.png").write_bytes(b"png")
    report_dir = tmp_path / "out"
    report_dir.mkdir()
    links = figure_links(
        {"absolute": tmp_path / "fig" / "a b.png", "relative": Path("../fig/a b.png")}, report_dir
    )
    assert links == {"absolute": "../fig/a%20b.png", "relative": "../fig/a%20b.png"}
    with pytest.raises(InputError, match="figure .*missing.png' does not exist"):
        figure_links({"gone": tmp_path / "missing.png"}, report_dir)


def test_write_sections_writes_markdown_and_html_beside_it(tmp_path: Path) -> None:
    sections = [Section("Notes", ["All | good.", "", "![Loss](figures/loss.png)"])]
    path = write_sections(tmp_path / "report.md", "Run <1>", sections)
    assert path == tmp_path / "report.md"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]
    assert path.read_text(encoding="utf-8") == render_sections("Run <1>", sections)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>Run &lt;1&gt;</title>" in page and "<h2>Notes</h2>" in page
    assert '<img alt="Loss" src="figures/loss.png">' in page


def test_a_failure_while_writing_leaves_neither_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Markdown is on disk (as a temporary file) when the HTML fails: nothing stays."""
    seen: list[list[str]] = []

    def failing(title: str, text: str) -> str:
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(html, "markdown_to_html", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_sections(tmp_path / "report.md", "Run", [Section("Notes", ["text"])])
    assert len(seen) == 1 and any(name.startswith(".report.md.") for name in seen[0]), seen
    assert list(tmp_path.iterdir()) == []
