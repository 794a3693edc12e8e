"""``MODEL_CARD.md`` of a release: what was trained on what, how well, and how to use it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from benchlab.evaluation.leaderboard import coverage_level
from benchlab.forecast.metrics import HEADLINE_METRICS
from benchlab.reports.markdown import format_value, table_cell


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(table_cell(format_value(v)) for v in row) + " |" for row in rows]
    return lines


def model_card(info: dict[str, Any], release_dir: Path) -> str:
    """The card's Markdown text for the release described by ``info`` (its ``release.json``)."""
    ref = f"{info['name']}@{info['version']}"
    data = info["dataset"]
    metrics: dict[str, Any] = info.get("metrics", {})
    lines = [
        f"# Model card: {ref}",
        "",
        f"`{info['model']}` ({info['model_type']}) trained under the **{info['strategy']}** "
        f"strategy; released {info['created']}.",
    ]
    if info.get("notes"):
        lines += ["", f"> {info['notes']}"]
    lines += [
        "",
        "## Data",
        "",
        *_table(
            ["item", "value"],
            [
                ["source", data.get("source")],
                ["SKUs", data.get("n_skus")],
                ["SKU columns", ", ".join(data.get("file_id_columns", []))],
                ["frequency", data.get("freq")],
                ["training period", f"{data.get('train_start')} … {data.get('train_end')}"],
                ["test period", f"{data.get('test_start')} … {data.get('test_end')}"],
                ["horizon", data.get("horizon")],
                ["features", len(data.get("feature_columns", []))],
            ],
        ),
        "",
        "## Model",
        "",
        *_table(
            ["item", "value"],
            [
                ["registered type", info["model_type"]],
                ["strategy", info["strategy"]],
                ["quantiles", ", ".join(str(a) for a in info.get("quantile_alphas", [])) or "–"],
                ["hyperparameters", info.get("hyperparameters") or "defaults"],
                ["rank in its run", info.get("rank")],
                ["source run", (info.get("source_run") or {}).get("run_id")],
                ["git commit", info.get("git_commit") or "unknown"],
            ],
        ),
        "",
        "## Test metrics",
        "",
        f"Primary metric: **{info.get('primary_metric', 'rmsse')}**. Errors are on the test "
        "period above, over all SKUs.",
        "",
        *_table(
            ["metric", "value", "oracle"],
            [[m, metrics[m], metrics.get(f"oracle_{m}")] for m in HEADLINE_METRICS if m in metrics],
        ),
    ]
    coverage = sorted(
        (m for m in metrics if coverage_level(m) is not None), key=lambda m: coverage_level(m)
    )
    if coverage:
        lines += [
            "",
            "## Quantile coverage",
            "",
            "Share of actuals inside each central interval (nominal level in the name).",
            "",
            *_table(
                ["interval", "coverage", "nominal", "mean width"],
                [
                    [
                        m,
                        metrics[m],
                        f"{coverage_level(m):.0%}",
                        metrics.get(m.replace("coverage", "width")),
                    ]
                    for m in coverage
                ],
            ),
        ]
    board = release_dir / "leaderboard.csv"
    if board.is_file():
        frame = pl.read_csv(board)
        metric = info.get("primary_metric", "rmsse")
        cols = [c for c in ("rank", "model", "strategy", metric) if c in frame.columns]
        lines += [
            "",
            "## Leaderboard of the source run",
            "",
            *_table(cols, frame.select(cols).rows()),
        ]
    lines += [
        "",
        "## How to use",
        "",
        "```",
        f"benchlab release verify {ref}",
        f"benchlab predict {ref} --input new_features.parquet --out forecasts.parquet",
        f"benchlab release monitor {ref} --actuals actuals.parquet",
        "```",
        "",
        "```python",
        "from benchlab.release import ComprehensiveReleaseManager",
        f'release = ComprehensiveReleaseManager().load("{ref}")  # verifies every file first',
        "```",
        "",
        "## Limitations",
        "",
        "- Trained and evaluated on the data and period above; accuracy on other SKUs, stores or "
        "periods is unknown until monitored (`benchlab release monitor`).",
        "- Inputs must carry the same feature columns, computed the same way, as in training.",
    ]
    if info["strategy"] == "individual":
        lines.append("- One model per SKU: only the SKUs listed in `dataset.json` can be forecast.")
    if not info.get("quantile_alphas"):
        lines.append("- Point forecasts only: no quantiles.")
    return "\n".join(lines) + "\n"


def write_model_card(path: Path, info: dict[str, Any], release_dir: Path) -> Path:
    path.write_text(model_card(info, release_dir))
    return path
