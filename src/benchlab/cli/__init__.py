"""The ``benchlab`` command line: shared verbs for every task, one sub-app per task.

``benchlab --help`` is printed from a table of ``"module:attr"`` strings (see
:mod:`benchlab.cli.table`), so it imports no command module and no task; a command's module is
imported when the command runs. Bad input: one line on stderr and exit status 2.
"""

from benchlab.cli.root import app

__all__ = ["app"]
