"""``benchlab models``: the models every task registers, one table per task."""

from __future__ import annotations

from typing import Annotated

import typer

from benchlab.cli.common import out, user_errors, wide


def models(
    task: Annotated[str | None, typer.Option(help="only this task's models")] = None,
) -> None:
    """List every task's registered models (a task's ``models()`` rows)."""
    from rich.table import Table

    from benchlab.tasks import get_spec, task_specs

    with user_errors():
        names = [get_spec(task).name] if task is not None else list(task_specs())
        tables = [(name, get_spec(name).create().models()) for name in names]
    printed = False
    for name, rows in tables:
        if not rows:
            continue
        columns = list(dict.fromkeys(column for row in rows for column in row))
        table = Table(title=f"Registered models: {name}")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(row.get(column, "") for column in columns))
        wide(out).print(table)
        printed = True
    if not printed:
        wide(out).print("no registered models")
