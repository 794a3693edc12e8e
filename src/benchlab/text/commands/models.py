"""``benchlab text models``: the model registry (``models.yaml``), and which models are on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, out, print_json, user_errors, wide


def registry_rows(registry: Path | None, models_dir: Path | None) -> list[dict[str, str]]:
    """The registry's rows (name, alias, hub id, size, family, LoRA, source, on disk)."""
    from benchlab.text.config import TextRunConfig
    from benchlab.text.registry import load_registry

    folder = TextRunConfig(models_dir=models_dir).models_directory()
    return load_registry(registry).rows(folder)


def models(
    registry: Annotated[
        Path | None, typer.Option("--registry", help="a models.yaml (default: the shipped one)")
    ] = None,
    models_dir: Annotated[
        Path | None,
        typer.Option(
            "--models-dir",
            help="local model folders (<dir>/<alias>); default $BENCHLAB_MODELS_DIR or "
            "~/.cache/benchlab/models",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The model registry (models.yaml): names, sizes, LoRA settings, and whether on disk."""
    from rich.table import Table

    with user_errors():
        rows = registry_rows(registry, models_dir)
    columns = list(dict.fromkeys(column for row in rows for column in row))
    table = Table(title=f"Text models ({len(rows)}; baselines: majority, tfidf_logreg)")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row.get(column, "")) for column in columns))
    wide(out).print(table)
    if as_json:
        print_json({"models": rows})
