"""The root of ``benchlab``: a lazy group over the command table, and the ``--verbose`` flag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import typer

from benchlab.cli.lazy import LazyCommand, LazyGroup


class RootGroup(LazyGroup):
    """``benchlab``: the shared verbs and every registered task's commands."""

    def lazy_table(self) -> Mapping[str, LazyCommand]:
        from benchlab.cli.table import command_table
        from benchlab.tasks import task_specs

        return command_table(task_specs())


app = typer.Typer(
    cls=RootGroup,
    help="benchlab: train, tune, benchmark and ship machine-learning models, one engine for "
    "every task.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="log progress details to the console")
    ] = False,
) -> None:
    """Warnings (and with --verbose, progress details) are logged with Rich on stderr."""
    import logging

    from benchlab.logs import console_handler

    console_handler(logging.INFO if verbose else logging.WARNING)
