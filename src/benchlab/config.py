"""Run configs for every task: YAML, ``key=value`` overrides, validation by the task's model.

The task comes from the config's ``task:`` field (a config without one belongs to the default
task, forecasting); that task's ``config_class`` (a :class:`RunConfig`) validates the rest.

>>> cfg = load_run_config("configs/m5_quick.yaml", ["models.0.n_estimators=200"])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from benchlab.errors import InputError
from benchlab.tracking import TrackingConfig
from benchlab.tuning import TuningConfig


def _worker_count(value: int) -> int:
    if value == 0:
        raise ValueError(
            "0 cannot run anything: give a count (1 = serial), -1 for every core, "
            "-2 for all but one, …"
        )
    return value


WorkerCount = Annotated[int, AfterValidator(_worker_count)]
"""Workers or threads, joblib style: ``n`` > 0 as given, ``-1`` every available core, ``-2``
all but one, …; ``0`` is refused with that explanation."""


class RunConfig(BaseModel):
    """The keys every task's run config has; a task's ``config_class`` subclasses it."""

    model_config = ConfigDict(extra="forbid")

    task: str
    mode: Literal["train", "hp_tune"] = "train"
    name: str = "run"
    seed: int = 42
    output_dir: Path = Path("runs")
    tuning: TuningConfig | None = None
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)

    def to_raw(self) -> dict[str, Any]:
        """The config as plain JSON-compatible data (what ``config.yaml`` holds)."""
        return json.loads(self.model_dump_json())


def set_values(raw: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``raw`` with each dotted path (``models.0.num_leaves``) set to its value.

    >>> set_values({"models": [{"type": "statquant"}]}, {"models.0.n_seasons": 4})
    {'models': [{'type': 'statquant', 'n_seasons': 4}]}
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    cfg = OmegaConf.create(raw)
    for key, value in values.items():
        try:
            OmegaConf.update(cfg, key, value, force_add=True)
        except OmegaConfBaseException as exc:
            first = str(exc).splitlines()[0]
            raise InputError(f"config path {key!r} cannot be set: {first}") from None
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``key=value`` overrides to a config mapping; values are read as
    :func:`parse_value` reads them, so an override means what the same text means in a file.

    >>> apply_overrides({"data": {"horizon": 7}}, ["data.horizon=14", "data.split_date=2020-02-01"])
    {'data': {'horizon': 14, 'split_date': '2020-02-01'}}
    """
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"override {item!r} is not key=value (e.g. data.horizon=14)")
        try:
            raw = set_values(raw, {key.strip(): parse_value(text)})
        except InputError as exc:
            first = str(exc).splitlines()[0].split(": ", 1)[-1]
            raise InputError(f"override {item!r} cannot be applied: {first}") from None
    return raw


class ConfigLoader(yaml.SafeLoader):
    """YAML as a config reads it: the safe loader, except that dates and timestamps stay the
    text they are (the config model parses them), only ``true``/``false`` are booleans, and
    numbers are written the plain way (``1e-4`` is a float; ``12:30`` is not the integer 750).
    """


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
_DROPPED_TAGS = {*_NUMBER_TAGS, "tag:yaml.org,2002:timestamp"}
ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:(?:0|[1-9][0-9_]*)(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def load_yaml(text: str) -> Any:
    r"""``text`` read by :class:`ConfigLoader`.

    >>> load_yaml("split_date: 2020-02-01\nlr: 1e-4\nat: 12:30\ncountry: NO")
    {'split_date': '2020-02-01', 'lr': 0.0001, 'at': '12:30', 'country': 'NO'}
    """
    return yaml.load(text, Loader=ConfigLoader)  # noqa: S506 - a SafeLoader subclass


def parse_value(text: str) -> Any:
    """An override's value as typed: a scalar (number, ``true``/``false``, ``null``, a date as
    its text), a flow list or mapping when it starts with ``[`` or ``{``, else the text itself
    (``a=b``, ``http://host:5000``, ``x: y`` stay strings).

    >>> [parse_value(v) for v in ["14", "0.5", "true", "null", "2020-02-01", "[0.1,0.5]"]]
    [14, 0.5, True, None, '2020-02-01', [0.1, 0.5]]
    >>> parse_value("sqlite:///runs/a=b.db")
    'sqlite:///runs/a=b.db'
    """
    stripped = text.strip()
    try:
        value = load_yaml(stripped)
    except yaml.YAMLError as exc:
        if stripped.startswith(("[", "{")):
            first = str(exc).splitlines()[0]
            raise InputError(
                f"{stripped!r} is not a valid YAML list or mapping ({first})"
            ) from None
        return stripped
    if isinstance(value, list | dict) and not stripped.startswith(("[", "{")):
        return stripped
    return value


def validation_message(source: str, exc: ValidationError) -> str:
    """One line naming every invalid key, what is wrong and the value given."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        given = err.get("input")
        shown = f" (got {given!r})" if not isinstance(given, dict) else ""
        problems.append(f"{where}: {err['msg']}{shown}")
    return f"{source}: " + "; ".join(problems)


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """A YAML file's top-level mapping; a missing file or bad YAML is one clear error."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"config file {path} does not exist")
    try:
        raw = load_yaml(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a config must be a mapping of keys to values")
    return raw


def load_run_config(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """Read a YAML run config, apply overrides, validate with its task's model."""
    raw = apply_overrides(read_yaml_mapping(path), overrides)
    return parse_run_config(raw, source=str(path))


def parse_run_config(raw: dict[str, Any], *, source: str = "config") -> Any:
    """Validate ``raw`` with the ``config_class`` of the task its ``task:`` key names."""
    from benchlab.tasks import default_task_name, get_spec, task_specs

    name = raw.get("task") or default_task_name()
    if not isinstance(name, str):
        known = ", ".join(task_specs()) or "none"
        raise InputError(f"{source}: 'task' must name a task (one of: {known}); got {name!r}")
    try:
        config_class = get_spec(name).load_task().config_class
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None
    try:
        return config_class.model_validate({**raw, "task": name})
    except ValidationError as exc:
        raise InputError(validation_message(source, exc)) from None
