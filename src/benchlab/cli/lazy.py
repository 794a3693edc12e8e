"""A command group that imports a sub-command's module only when it runs.

Each command is a ``"module:attr"`` string with its one-line help (click's "Lazily Loading
Subcommands"): ``--help`` prints from the table, and ``get_command`` resolves the string on
dispatch. The target may be a Typer app (a sub-app), a Typer command function, or a click
command; Typer objects convert with the public :func:`typer.main.get_command`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from benchlab.errors import BenchlabError


@dataclass(frozen=True)
class LazyCommand:
    """One row of a command table: where the command lives and what ``--help`` says of it."""

    target: str
    help: str
    section: str = "Commands"
    origin: str = "benchlab"
    """Who contributes it (``benchlab`` or ``task 'forecast'``), named when two clash."""
    extra: str | None = None
    """The extra the command's module needs (``pip install 'benchlab[<extra>]'``)."""


def as_command(obj: Any, name: str) -> Any:
    """``obj`` as a click command named ``name``: a Typer app, a Typer command function or a
    click command (typer's own click)."""
    if isinstance(obj, typer.Typer):
        command = typer.main.get_command(obj)
    elif hasattr(obj, "make_context") and hasattr(obj, "invoke"):
        command = obj
    elif callable(obj):
        single = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
        single.command(name)(obj)
        command = typer.main.get_command(single)
    else:
        raise BenchlabError(f"command {name!r} is neither a Typer app nor a command: {obj!r}")
    command.name = name
    return command


def load_command(name: str, entry: LazyCommand) -> Any:
    """Import ``entry``'s target and convert it; a missing extra is one clear error."""
    from benchlab.extras import missing_extra
    from benchlab.tasks import resolve

    try:
        obj = resolve(entry.target)
    except ModuleNotFoundError as exc:
        if entry.extra is None or exc.name is None or exc.name.split(".")[0] == "benchlab":
            raise
        raise missing_extra(entry.extra, f"benchlab {name}", exc.name) from exc
    return as_command(obj, name)


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from :meth:`lazy_table`, imported on dispatch."""

    def lazy_table(self) -> Mapping[str, LazyCommand]:
        """The command table (subclasses build it; computed once per group)."""
        return {}

    @cached_property
    def table(self) -> Mapping[str, LazyCommand]:
        try:
            return self.lazy_table()
        except BenchlabError as exc:  # e.g. two tasks claim one command name
            from benchlab.cli.common import fail

            raise fail(str(exc)) from None

    @cached_property
    def _loaded(self) -> dict[str, Any]:
        return {}

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in self.table if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self.table.get(cmd_name)
        if entry is None:
            return None
        if cmd_name not in self._loaded:
            try:
                self._loaded[cmd_name] = load_command(cmd_name, entry)
            except BenchlabError as exc:
                from benchlab.cli.common import fail

                raise fail(str(exc)) from None
        return self._loaded[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Click's plain help (Typer's Rich help would import every command to describe it)."""
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        self.format_options(ctx, formatter)
        self.format_epilog(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The table's commands in sections, each with its help from the table."""
        sections: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                sections.setdefault("Commands", []).append((name, command.get_short_help_str()))
            else:
                entry = self.table[name]
                sections.setdefault(entry.section, []).append((name, entry.help))
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


class CommandTable(LazyGroup):
    """A task's sub-app from a table ``name -> ("module:attr", one-line help)``: every command
    needs the task's ``extra``; ``aliases`` (alias -> name) list a seed's own names under
    "Aliases".

    >>> app = CommandTable(name="demo", table={"fit": ("benchlab.errors:InputError", "Fit.")})
    >>> list(app.table)
    ['fit']
    """

    def __init__(
        self,
        *,
        table: Mapping[str, tuple[str, str]],
        extra: str | None = None,
        aliases: Mapping[str, str] | None = None,
        alias_origin: str = "the seed",
        **attrs: Any,
    ) -> None:
        attrs.setdefault("no_args_is_help", True)
        attrs.setdefault("rich_markup_mode", None)
        super().__init__(**attrs)
        self.rows = dict(table)
        self.extra = extra
        self.aliases = dict(aliases or {})
        self.alias_origin = alias_origin

    def lazy_table(self) -> Mapping[str, LazyCommand]:
        table = {
            name: LazyCommand(target, help_text, extra=self.extra)
            for name, (target, help_text) in self.rows.items()
        }
        for alias, name in self.aliases.items():
            target, _ = self.rows[name]
            help_text = f"Alias of `{name}` ({self.alias_origin}'s name)."
            table[alias] = LazyCommand(target, help_text, "Aliases", extra=self.extra)
        return table
