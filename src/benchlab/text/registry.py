"""The text task's model registry: ``models.yaml`` (shipped, or a user's own) as entries.

Each entry names a model, where its weights come from and its LoRA settings; the family table
gives the LoRA target modules of each architecture. Users add a model by editing the YAML.

>>> registry = load_registry()
>>> registry.get("minilm-l6").name, registry.get("MiniLM-L6").target_modules
('MiniLM-L6', ('query', 'value'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from benchlab.errors import InputError

#: The registry shipped with benchlab.
SHIPPED_REGISTRY = "models.yaml"


@dataclass(frozen=True)
class ModelEntry:
    """One model of the registry, its family's settings resolved.

    ``path`` (absolute), ``package`` (``<package>/<folder>``) and ``config`` (a transformers
    config to build random weights from) are the local sources; ``hf_id`` is read from the
    Hugging Face cache. ``generative``: a decoder (pad token set; time to first token).
    """

    name: str
    alias: str
    hf_id: str | None
    params_m: float | None
    family: str
    target_modules: tuple[str, ...]
    r: int = 8
    alpha: int = 16
    dropout: float = 0.1
    generative: bool = False
    path: Path | None = None
    package: str | None = None
    config: Mapping[str, Any] | None = field(default=None, hash=False)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (saved with a fine-tuned model, so it reloads without the YAML)."""
        data = asdict(self)
        data["target_modules"] = list(self.target_modules)
        data["path"] = None if self.path is None else str(self.path)
        data["config"] = None if self.config is None else dict(self.config)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelEntry:
        """The entry :meth:`to_json` wrote."""
        values = dict(data)
        values["target_modules"] = tuple(values["target_modules"])
        values["path"] = None if values.get("path") is None else Path(values["path"])
        return cls(**values)

    @property
    def source(self) -> str:
        """Where the weights come from, in words (``benchlab models``)."""
        if self.config is not None:
            return "random (config)"
        if self.path is not None:
            return str(self.path)
        if self.package is not None:
            return f"package {self.package.split('/')[0]}"
        return "Hugging Face cache"


# --- the YAML schema -----------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Defaults(_Strict):
    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1)
    dropout: float = Field(0.1, ge=0, lt=1)


class _Family(_Strict):
    target_modules: list[str] = Field(min_length=1)
    generative: bool = False


class _Model(_Strict):
    name: str = Field(min_length=1)
    alias: str | None = None
    hf_id: str | None = None
    params: float | None = Field(None, gt=0)
    family: str
    target_modules: list[str] | None = Field(None, min_length=1)
    r: int | None = Field(None, ge=1)
    alpha: int | None = Field(None, ge=1)
    dropout: float | None = Field(None, ge=0, lt=1)
    path: str | None = None
    package: str | None = None
    config: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _Model:
        if not (self.hf_id or self.path or self.package or self.config):
            raise ValueError("needs at least one of hf_id, path, package or config")
        if self.package is not None and "/" not in self.package.strip("/"):
            raise ValueError(f"package {self.package!r} must read '<python package>/<folder>'")
        return self


class _RegistryFile(_Strict):
    defaults: _Defaults = Field(default_factory=_Defaults)
    families: dict[str, _Family] = Field(min_length=1)
    models: list[_Model] = Field(min_length=1)


class ModelRegistry:
    """The models of one registry file, by name and alias."""

    def __init__(self, entries: list[ModelEntry], source: str) -> None:
        self.source = source
        self._by_key: dict[str, ModelEntry] = {}
        for entry in entries:
            for key in dict.fromkeys((entry.name.lower(), entry.alias.lower())):
                other = self._by_key.get(key)
                if other is not None:
                    raise InputError(
                        f"{source}: {key!r} names both {other.name!r} and {entry.name!r}"
                    )
                self._by_key[key] = entry
        self.entries: tuple[ModelEntry, ...] = tuple(entries)

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_key

    def get(self, name: str) -> ModelEntry:
        """The entry named (or aliased) ``name``, case-insensitively; else one InputError."""
        entry = self._by_key.get(name.lower())
        if entry is None:
            raise InputError(
                f"unknown model {name!r} in {self.source}; known: {', '.join(self.names())}"
            )
        return entry

    def rows(self, models_dir: Path | None = None) -> list[dict[str, str]]:
        """``benchlab models`` rows: name, alias, hub id, size, family, LoRA, source, on disk."""
        from benchlab.text.loading import is_on_disk

        return [
            {
                "name": e.name,
                "alias": e.alias,
                "hub id": e.hf_id or "",
                "params (M)": "" if e.params_m is None else f"{e.params_m:g}",
                "family": e.family + (" (decoder)" if e.generative else ""),
                "LoRA": f"r {e.r}, alpha {e.alpha}, dropout {e.dropout:g}: "
                + ", ".join(e.target_modules),
                "source": e.source,
                "on disk": "yes" if is_on_disk(e, models_dir) else "no",
            }
            for e in self.entries
        ]


def load_registry(path: str | Path | None = None) -> ModelRegistry:
    """The registry in ``path`` (a YAML file), or the shipped one."""
    import yaml

    if path is None:
        resource = files("benchlab.text").joinpath(SHIPPED_REGISTRY)
        text, source, base = resource.read_text(encoding="utf-8"), SHIPPED_REGISTRY, None
    else:
        file = Path(path).expanduser()
        if not file.is_file():
            raise InputError(f"model registry {file} does not exist")
        text, source, base = file.read_text(encoding="utf-8"), str(file), file.resolve().parent
    try:
        raw = yaml.safe_load(text)
        parsed = _RegistryFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML ({exc})") from None
    except ValidationError as exc:
        raise InputError(f"{source}: {_first_error(exc, raw)}") from None
    return ModelRegistry([_entry(m, parsed, source, base) for m in parsed.models], source)


def _entry(model: _Model, parsed: _RegistryFile, source: str, base: Path | None) -> ModelEntry:
    family = parsed.families.get(model.family)
    if family is None:
        raise InputError(
            f"{source}: model {model.name!r}: unknown family {model.family!r} "
            f"(families: {', '.join(parsed.families)})"
        )
    path = None
    if model.path is not None:
        path = Path(model.path).expanduser()
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
    defaults = parsed.defaults
    return ModelEntry(
        name=model.name,
        alias=model.alias or model.name.lower(),
        hf_id=model.hf_id,
        params_m=model.params,
        family=model.family,
        target_modules=tuple(model.target_modules or family.target_modules),
        r=model.r if model.r is not None else defaults.r,
        alpha=model.alpha if model.alpha is not None else defaults.alpha,
        dropout=model.dropout if model.dropout is not None else defaults.dropout,
        generative=family.generative,
        path=path,
        package=model.package.strip("/") if model.package else None,
        config=model.config,
    )


def _first_error(exc: ValidationError, raw: Any) -> str:
    """The first validation error, naming the model entry (by name) and the key."""
    error = exc.errors()[0]
    location = list(error["loc"])
    where = ".".join(str(part) for part in location) or "top level"
    if len(location) >= 2 and location[0] == "models" and isinstance(location[1], int):
        try:
            name = raw["models"][location[1]].get("name")
        except (AttributeError, IndexError, KeyError, TypeError):
            name = None
        rest = ".".join(str(part) for part in location[2:]) or "entry"
        where = f"model {name!r} ({rest})" if name else f"models[{location[1]}].{rest}"
    return f"{where}: {error['msg']}"
