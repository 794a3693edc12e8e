"""``benchlab basket …``: seed 003's stages, each imported only when it runs."""

from __future__ import annotations

from benchlab.cli.lazy import CommandTable

_COMMANDS = "benchlab.basket.commands"

COMMANDS: dict[str, tuple[str, str]] = {
    "prepare-samples": (
        f"{_COMMANDS}.prepare_samples:prepare_samples_command",
        "Stage 1: transactions → sequential weeks, train/validation/test sample index files.",
    ),
    "prepare-cache": (
        f"{_COMMANDS}.prepare_cache:prepare_cache_command",
        "Stage 2: embeddings and price features from the training weeks, as .npy + vocab.json.",
    ),
    "train": (
        f"{_COMMANDS}.train:train",
        "Train the world model (MLM + auxiliary heads) and evaluate it against the baselines.",
    ),
}


app = CommandTable(
    name="basket",
    table=COMMANDS,
    extra="neural",
    help="Basket world model (seed 003): prepare-samples, prepare-cache, train.",
)
