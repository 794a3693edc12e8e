"""The command tables: shared verbs plus each task's contributions, and their name clashes."""

from __future__ import annotations

import pytest

from benchlab.cli.table import SHARED_COMMANDS, command_table, data_table
from benchlab.tasks import TaskRegistrationError, TaskSpec, task_specs


def spec(name: str, **parts) -> TaskSpec:
    return TaskSpec(name=name, summary=f"The {name} task.", task=f"pkg_{name}.task:T", **parts)


def test_tasks_add_their_sub_app_and_commands_after_the_shared_verbs() -> None:
    specs = {
        "alpha": spec("alpha", cli="pkg_alpha.cli:app", commands={"hello": "pkg_alpha.cli:hi"}),
        "beta": spec("beta"),
    }
    table = command_table(specs)
    assert list(table)[: len(SHARED_COMMANDS)] == list(SHARED_COMMANDS)
    assert table["alpha"].target == "pkg_alpha.cli:app"
    assert table["alpha"].help == "The alpha task."
    assert table["hello"].target == "pkg_alpha.cli:hi"
    assert "beta" not in table  # no cli: no sub-app


@pytest.mark.parametrize(
    ("specs", "named"),
    [
        (  # two tasks contribute the same top-level command
            [spec("alpha", commands={"demo": "a:demo"}), spec("beta", commands={"demo": "b:demo"})],
            ["task 'alpha' (a:demo)", "task 'beta' (b:demo)"],
        ),
        (  # a task command named like a shared verb
            [spec("alpha", commands={"run": "a:run"})],
            ["benchlab (benchlab.cli.run:run)", "task 'alpha' (a:run)"],
        ),
        (  # a task whose sub-app would shadow a shared verb
            [spec("data", cli="d:app")],
            ["benchlab (benchlab.cli.data:group)", "task 'data' (d:app)"],
        ),
        (  # a task command named like another task's sub-app
            [spec("alpha", cli="a:app"), spec("beta", commands={"alpha": "b:alpha"})],
            ["task 'alpha' (a:app)", "task 'beta' (b:alpha)"],
        ),
    ],
)
def test_a_name_claimed_twice_raises_naming_both(specs: list[TaskSpec], named: list[str]) -> None:
    with pytest.raises(TaskRegistrationError) as caught:
        command_table({s.name: s for s in specs})
    for who in named:
        assert who in str(caught.value)


def test_data_generators_of_every_task_and_their_clashes() -> None:
    alpha = spec("alpha", data={"synth": "a:synth"})
    beta = spec("beta", data={"images": "b:images"})
    assert {name: e.target for name, e in data_table({"a": alpha, "b": beta}).items()} == {
        "synth": "a:synth",
        "images": "b:images",
    }
    twin = spec("gamma", data={"synth": "g:synth"}, extra="gamma")
    with pytest.raises(TaskRegistrationError, match=r"task 'alpha' \(a:synth\).*task 'gamma'"):
        data_table({"a": alpha, "g": twin})


def test_the_registered_tasks_build_a_table() -> None:
    table = command_table(task_specs())
    for name, registered in task_specs().items():
        if registered.cli is not None:
            assert table[name].target == registered.cli
        for command, target in registered.commands.items():
            assert table[command].target == target
