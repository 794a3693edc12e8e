"""``benchlab vision …``: seed 002's tools, each imported only when it runs.

The seed's names work as aliases (``lr-finder`` for ``lr-find``); ``benchlab run CONFIG`` and
``benchlab tune CONFIG`` with ``task: vision`` do what ``train`` and ``search`` do.
"""

from __future__ import annotations

from benchlab.cli.lazy import CommandTable

_COMMANDS = "benchlab.vision.commands"

#: name -> (target, one-line help); an alias repeats its command's target.
COMMANDS: dict[str, tuple[str, str]] = {
    "split": (f"{_COMMANDS}.split:split", "Write stratified K-fold index files (splits/*.txt)."),
    "init-config": (
        f"{_COMMANDS}.init_config:init_config",
        "Write configs/<dataset>_config.yaml for a data folder (--optuna: a search section).",
    ),
    "lr-find": (f"{_COMMANDS}.lr_find:lr_find", "The learning-rate range test, with a plot."),
    "train": (f"{_COMMANDS}.train:train", "Train a model; evaluate it on the test split."),
    "search": (f"{_COMMANDS}.search:search", "Optuna search over the config's search space."),
    "inference": (
        f"{_COMMANDS}.inference:inference",
        "Evaluate a checkpoint on the test split, or predict a folder of images into a CSV.",
    ),
    "export": (f"{_COMMANDS}.export:export", "Export checkpoints to ONNX, validate, benchmark."),
    "visualise": (
        f"{_COMMANDS}.visualise:visualise",
        "Start TensorBoard on a run, or write a study's Optuna plots.",
    ),
}
ALIASES: dict[str, str] = {"lr-finder": "lr-find"}


app = CommandTable(
    name="vision",
    table=COMMANDS,
    extra="vision",
    aliases=ALIASES,
    alias_origin="seed 002",
    help="Image classification (seed 002): split, init-config, lr-find, train, search, "
    "inference, export, visualise.",
)
