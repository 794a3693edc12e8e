"""``benchlab augment …``: seed 001's pipeline, each command imported only when it runs."""

from __future__ import annotations

from benchlab.cli.lazy import CommandTable

_COMMANDS = "benchlab.augment.commands"

COMMANDS: dict[str, tuple[str, str]] = {
    "preprocess": (
        f"{_COMMANDS}.preprocess:preprocess",
        "Olist CSVs → product-day panel (features, per-product scaling, 70/15/15 split).",
    ),
    "train-gan": (f"{_COMMANDS}.train_gan:train_gan", "Train the conditional WGAN-GP."),
    "generate": (
        f"{_COMMANDS}.generate:generate",
        "Synthetic windows from a trained GAN run, in the original scale (Parquet).",
    ),
    "evaluate": (
        f"{_COMMANDS}.evaluate:evaluate",
        "LSTM forecaster on real vs real + synthetic windows over several seeds; TSTR, "
        "discriminative score, distribution checks.",
    ),
}


app = CommandTable(
    name="augment",
    table=COMMANDS,
    extra="neural",
    help="Synthetic sales augmentation (seed 001): preprocess, train-gan, generate, evaluate.",
)
