"""A data folder's run config, from the packaged template (``benchlab vision init-config``).

``write_config(Path("data/digits"))`` writes ``configs/digits_config.yaml``: the template
``benchlab/vision/configs/template.yaml`` with the folder's classes, image size and channels
filled in, and with ``optuna=True`` a ``search:`` section from ``search.yaml``. The text is
validated as a vision run config before it is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from benchlab.errors import InputError
from benchlab.runs import atomic_path, safe_name
from benchlab.vision.data.images import infer_geometry, scan_raw
from benchlab.vision.data.splits import locate_data

TEMPLATE = "template.yaml"
SEARCH_TEMPLATE = "search.yaml"


@dataclass(frozen=True)
class DataFacts:
    """What a config needs to know about an image folder."""

    data_dir: Path
    name: str
    classes: list[str]
    channels: int
    image_size: tuple[int, int]


def data_facts(path: str | Path) -> DataFacts:
    """The classes, channels and most common image size of ``path`` (a data folder holding
    ``raw/``, or the ``raw/`` folder itself), read from the image headers."""
    raw_dir, data_dir = locate_data(path)
    images = scan_raw(raw_dir, verify=False)
    channels, image_size = infer_geometry([f for files in images.values() for f in files])
    name = safe_name(data_dir.resolve().name)
    return DataFacts(data_dir, name, sorted(images), channels, image_size)


def config_path(facts: DataFacts, output_dir: str | Path) -> Path:
    """``<output_dir>/<dataset>_config.yaml``."""
    return Path(output_dir) / f"{facts.name}_config.yaml"


def _template(name: str) -> str:
    return (resources.files("benchlab.vision") / "configs" / name).read_text(encoding="utf-8")


def render_config(facts: DataFacts, *, optuna: bool = False, path: Path | None = None) -> str:
    """The config text for ``facts`` (``path``: where it will live, quoted in its comments)."""
    text = _template(TEMPLATE) + (_template(SEARCH_TEMPLATE) if optuna else "")
    values = {
        "__DATASET__": facts.name,
        "__CONFIG__": (path or Path(f"configs/{facts.name}_config.yaml")).as_posix(),
        "__DATA_DIR__": json.dumps(facts.data_dir.as_posix()),
        "__IMAGE_SIZE__": json.dumps(list(facts.image_size)),
        "__CHANNELS__": str(facts.channels),
        "__CLASSES__": json.dumps(facts.classes),
        "__NUM_CLASSES__": str(len(facts.classes)),
    }
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def write_config(
    data_dir: str | Path,
    *,
    output_dir: str | Path = Path("configs"),
    optuna: bool = False,
    force: bool = False,
) -> Path:
    """Write ``<output_dir>/<dataset>_config.yaml`` for ``data_dir`` and return its path.

    An existing file is kept unless ``force``; the written config validates as a vision run
    config (checked before anything is written).
    """
    from benchlab.config import parse_run_config

    facts = data_facts(data_dir)
    path = config_path(facts, output_dir)
    if path.exists() and not force:
        raise InputError(f"{path}: config exists; use --force to overwrite it")
    text = render_config(facts, optuna=optuna, path=path)
    parse_run_config(yaml.safe_load(text), source=str(path))
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
