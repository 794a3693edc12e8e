"""``python -m benchlab.cli``: the same as the ``benchlab`` command."""

from benchlab.cli import app

app(prog_name="benchlab")
