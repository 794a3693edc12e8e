"""``benchlab text train-all``: seed 004's command, fine-tune and benchmark several models.

    benchlab text train-all --config CFG --dataset amazon --device cpu --models BERT-tiny MiniLM-L6

``--models`` takes the names that follow it (registry names, aliases, or the baselines
``majority`` and ``tfidf_logreg``; commas work too); any ``key=value`` after them overrides the
config. It is ``benchlab run`` on the config with ``data.source``, ``models`` and
``training.device`` set from the options.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from benchlab.cli.common import JsonFlag, ProgressFlag, out, print_json, user_errors, wide
from benchlab.errors import InputError

#: The config ``train-all`` starts from when ``--config`` is not given.
DEFAULT_CONFIG = "text_sentiment.yaml"


def split_items(
    items: Sequence[str], models: Sequence[str] | None
) -> tuple[list[str] | None, list[str]]:
    """``(models, overrides)`` from ``--models`` and the words after it: ``key=value`` items are
    overrides, the other words more model names; commas separate names too.

    >>> split_items(["B,C", "training.epochs=2"], ["A"])
    (['A', 'B', 'C'], ['training.epochs=2'])
    >>> split_items([], None)
    (None, [])
    """
    overrides = [item for item in items if "=" in item]
    words = [item for item in items if "=" not in item]
    if words and not models:
        raise InputError(
            f"{' '.join(words)}: model names go after --models (e.g. --models MiniLM-L6 "
            "tfidf_logreg); other arguments must be key=value overrides"
        )
    if not models:
        return None, overrides
    names = [name.strip() for item in [*models, *words] for name in item.split(",")]
    return [name for name in names if name], overrides


def train_all_config(
    config: Path | None,
    *,
    dataset: str | None,
    models: list[str] | None,
    device: str | None,
    overrides: Sequence[str],
) -> Any:
    """The text config ``train-all`` runs: the file (default: the shipped
    ``text_sentiment.yaml``), the overrides, then the options."""
    from benchlab.config import apply_overrides, parse_run_config, read_yaml_mapping, set_values

    if config is None:
        with resources.as_file(resources.files("benchlab") / "configs" / DEFAULT_CONFIG) as path:
            raw = read_yaml_mapping(path)
        source = DEFAULT_CONFIG
    else:
        raw = read_yaml_mapping(config)
        source = str(config)
    if raw.get("task", "text") != "text":
        raise InputError(f"{source}: task {raw['task']!r}; `benchlab text train-all` runs text")
    raw = apply_overrides(raw, overrides)
    values: dict[str, Any] = {}
    if dataset is not None:
        values["data.source"] = dataset
    if models is not None:
        values["models"] = models
    if device is not None:
        values["training.device"] = device
    return parse_run_config({**set_values(raw, values), "task": "text"}, source=source)


def train_all(
    items: Annotated[
        list[str] | None,
        typer.Argument(
            help="more model names after --models, then key=value overrides "
            "(training.epochs=2 data.max_samples=5000)",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="text run config (default: the shipped text_sentiment.yaml)"),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            help="imdb, sst2, amazon, yelp (from the Hugging Face cache), or a CSV/Parquet file "
            "or a datasets folder",
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--models",
            help="registry names or aliases and baselines (majority, tfidf_logreg): --models A B C",
        ),
    ] = None,
    device: Annotated[
        Literal["auto", "cpu", "cuda", "mps"] | None,
        typer.Option("--device", help="auto, cpu, cuda or mps (default: the config's)"),
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Fine-tune and benchmark several models (and the baselines) on one dataset.

    Writes one run folder: a result JSON per model (seed 004's format), the test predictions,
    every latency, the composite ranking with bootstrap intervals and McNemar tests in the
    report. A model that fails is reported and the others go on.
    """
    from benchlab.runner import print_summary, run_task

    with user_errors():
        names, overrides = split_items(items or [], models)
        cfg = train_all_config(
            config, dataset=dataset, models=names, device=device, overrides=overrides
        )
        summary = run_task(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, wide(out))
    if as_json:
        print_json(summary.to_json())
