"""The HTML page of a report: self-contained, same tables and images as the Markdown."""

from __future__ import annotations

from benchlab.reports.html import markdown_to_html
from benchlab.reports.markdown import Section, markdown_table, render_sections


def test_html_has_the_tables_images_and_code_of_the_markdown() -> None:
    import polars as pl

    table = markdown_table(pl.DataFrame({"model": ["a|b"], "rmsse": [0.5]}))
    text = render_sections(
        "Run & co",
        [
            Section("Leaderboard", [table, "", "![Leaderboard: rmsse](figures/lb.png)"]),
            Section("Run configuration", ["```yaml", "seed: 42", "```"]),
        ],
    )
    page = markdown_to_html("Run & co", text)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>Run &amp; co</title>" in page and '<meta charset="utf-8">' in page
    assert "<th>model</th>" in page and '<th style="text-align: right;">rmsse</th>' in page
    assert "<td>a|b</td>" in page  # the escaped pipe is a character of the cell
    assert '<img alt="Leaderboard: rmsse" src="figures/lb.png">' in page
    assert '<code class="language-yaml">seed: 42' in page
    assert "<link" not in page and "<script" not in page  # nothing fetched from elsewhere
