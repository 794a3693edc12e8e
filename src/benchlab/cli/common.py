"""What every command shares: option types, one-line errors, output, JSON and aliases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from benchlab.errors import BenchlabError

JsonFlag = Annotated[bool, typer.Option("--json", help="end stdout with one JSON object")]
ProgressFlag = Annotated[bool, typer.Option(help="show progress bars")]
ReleasesDir = Annotated[
    Path | None,
    typer.Option(
        "--releases-dir", help="where releases live (default: $BENCHLAB_RELEASES or ./releases)"
    ),
]

err = Console(stderr=True)
out = Console()


def wide(console: Console) -> Console:
    """``console`` itself on a terminal; else one 200 columns wide, so tables are not cut."""
    return console if console.is_terminal else Console(file=console.file, width=200)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit (status 2) to raise."""
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn benchlab's own errors into one message and exit status 2 (no traceback)."""
    try:
        yield
    except BenchlabError as exc:
        raise fail(str(exc)) from None
    except FileNotFoundError as exc:
        raise fail(f"file not found: {exc.filename}") from None


def absolute_paths(payload: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``payload`` with the paths under ``keys`` made absolute (``--json`` output).

    >>> absolute_paths({"run_dir": "/runs/a", "n": 1}, ["run_dir"])
    {'run_dir': '/runs/a', 'n': 1}
    """
    return {
        key: str(Path(value).resolve()) if key in keys and value is not None else value
        for key, value in payload.items()
    }


def print_json(payload: dict[str, Any]) -> None:
    """The ``--json`` object: one line, the last on stdout."""
    print(json.dumps(payload))


def add_command(
    app: typer.Typer, function: Callable[..., Any], name: str, *aliases: str, **options: Any
) -> None:
    """Register ``function`` in ``app`` as ``name`` and under each of ``aliases`` (a seed's own
    names, e.g. seed 002's ``train``/``search``/``inference``/``lr-finder``); an alias's help
    says which command it stands for. A name used twice raises ``ValueError``.

    >>> app = typer.Typer()
    >>> add_command(app, lambda: None, "fit", "train", help="Fit a model.")
    >>> [(c.name, c.help) for c in app.registered_commands]
    [('fit', 'Fit a model.'), ('train', 'Alias of `fit`: Fit a model.')]
    """
    taken = {command.name for command in app.registered_commands}
    names = [name, *aliases]
    if len(set(names)) < len(names) or taken & set(names):
        raise ValueError(f"command {name!r}: no alias may repeat a name ({', '.join(names)})")
    app.command(name, **options)(function)
    first_line = (options.get("help") or function.__doc__ or "").strip().split("\n")[0]
    for alias in aliases:
        help_text = f"Alias of `{name}`: {first_line}" if first_line else f"Alias of `{name}`."
        app.command(alias, **{**options, "help": help_text})(function)
