"""``benchlab text …``: seed 004's commands, each imported only when it runs."""

from __future__ import annotations

from benchlab.cli.lazy import CommandTable

_COMMANDS = "benchlab.text.commands"

COMMANDS: dict[str, tuple[str, str]] = {
    "train-all": (
        f"{_COMMANDS}.train_all:train_all",
        "Fine-tune and benchmark several models (and the baselines) on one dataset.",
    ),
    "benchmark": (
        f"{_COMMANDS}.benchmark:benchmark",
        "Re-rank a text run folder: composite score, bootstrap intervals, McNemar + Holm.",
    ),
    "models": (f"{_COMMANDS}.models:models", "The model registry (models.yaml): names, sizes."),
}


app = CommandTable(
    name="text",
    table=COMMANDS,
    extra="text",
    help="Sentiment benchmark of small language models (seed 004): train-all, benchmark, models.",
)
