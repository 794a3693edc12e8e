"""``benchlab data <name>``: the data generators every registered task contributes."""

from __future__ import annotations

from collections.abc import Mapping

from benchlab.cli.lazy import LazyCommand, LazyGroup


class DataGroup(LazyGroup):
    """Data sets: each task's generators, imported when one runs."""

    def lazy_table(self) -> Mapping[str, LazyCommand]:
        from benchlab.cli.table import data_table
        from benchlab.tasks import task_specs

        return data_table(task_specs())


group = DataGroup(
    name="data",
    help="Data sets: generate each task's embedded data.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
