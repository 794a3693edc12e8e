"""What releases need from the text task: a run's saved classifiers, their card, and predicting
texts with a released one.

A text run saves each classifier under ``models/<model>/`` (:func:`save_classifier`): a
LoRA-tuned model as its PEFT adapter (LoRA weights with the classifier head), tokenizer and
``classifier.json``; a baseline as a skops file (never a pickle) with ``classifier.json``.
``benchlab release create RUN`` packs the leaderboard's best (or ``--model``) with the run's
config, leaderboard, dataset description and report; the base model of an adapter is found on
the predicting machine as the registry finds it (package, ``<models_dir>/<alias>`` or the
Hugging Face cache)::

    benchlab predict NAME@VERSION --text "what a lovely day" --text "meh"
    benchlab predict NAME@VERSION --input texts.csv --out predictions.parquet

The predictions have one row per text: ``text``, ``label`` (the predicted class),
``probability`` (its probability) and ``prob_<class>`` for every class.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.errors import InputError
from benchlab.release.adapter import ReleaseAdapter
from benchlab.runs import safe_name
from benchlab.text.finetuned import INFO_FILE, FineTunedClassifier, read_info

if TYPE_CHECKING:
    import polars as pl

    from benchlab.release.manager import LoadedRelease

#: The run folder's folder of saved classifiers, one sub-folder per model.
MODELS_FOLDER = "models"
#: The key of the loaded classifier in ``LoadedRelease.models``.
MODEL_KEY = "classifier"
BASELINE_FILE = "baseline.skops"
BASELINE_FORMAT = "benchlab-text-baseline/1"
#: Type prefixes a baseline's skops file may hold (beyond skops' own trusted types).
TRUSTED_TYPE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "benchlab.text.")
#: The column of texts a predictions input has (else the training data's text column).
TEXT_COLUMN = "text"
OUTPUT_SUFFIXES = (".parquet", ".csv")


def saved_model_dir(run_dir: Path, model: str) -> Path:
    """Where a run keeps the classifier ``model``: ``<run_dir>/models/<safe name>``."""
    return Path(run_dir) / MODELS_FOLDER / safe_name(model)


# --- saving and loading any classifier ---------------------------------------------------------
def save_classifier(classifier: Any, directory: str | Path) -> Path:
    """Save a fine-tuned classifier (its own files) or a baseline (skops) into ``directory``."""
    directory = Path(directory)
    if isinstance(classifier, FineTunedClassifier):
        return classifier.save(directory)
    from benchlab.extras import require

    sio = require("skops.io", "text", what="saving a text baseline")
    directory.mkdir(parents=True, exist_ok=True)
    sio.dump(classifier, directory / BASELINE_FILE)
    info = {
        "format": BASELINE_FORMAT,
        "kind": "baseline",
        "name": classifier.name,
        "labels": list(classifier.labels),
    }
    (directory / INFO_FILE).write_text(json.dumps(info, indent=2))
    return directory


def load_classifier(
    directory: str | Path, *, device: str = "cpu", models_dir: Path | None = None
) -> Any:
    """The classifier :func:`save_classifier` wrote (a baseline is read with skops, admitting
    only scikit-learn, NumPy, SciPy and benchlab.text types)."""
    directory = Path(directory)
    info = read_info(directory)
    if info.get("kind") != "baseline":
        return FineTunedClassifier.load(directory, device=device, models_dir=models_dir)
    from benchlab.extras import require

    sio = require("skops.io", "text", what="loading a text baseline")
    path = directory / BASELINE_FILE
    if not path.is_file():
        raise InputError(f"{directory}: no {BASELINE_FILE} beside {INFO_FILE}")
    untrusted = sio.get_untrusted_types(file=path)
    refused = [name for name in untrusted if not name.startswith(TRUSTED_TYPE_PREFIXES)]
    if refused:
        raise InputError(f"{path}: refused to load type(s) {', '.join(refused[:5])}")
    return sio.load(path, trusted=untrusted)


# --- predicting ----------------------------------------------------------------------------------
def predictions_frame(classifier: Any, texts: Sequence[str]) -> pl.DataFrame:
    """``text``, ``label``, ``probability`` and ``prob_<class>`` for each of ``texts``."""
    import numpy as np
    import polars as pl

    labels = list(classifier.labels)
    probabilities = np.asarray(classifier.predict_proba(list(texts)), dtype=np.float64)
    if probabilities.shape != (len(texts), len(labels)):
        raise InputError(
            f"{classifier.name}: predict_proba gave shape {probabilities.shape}, expected "
            f"({len(texts)}, {len(labels)})"
        )
    best = probabilities.argmax(axis=1) if len(texts) else np.zeros(0, dtype=np.int64)
    names = np.asarray(labels, dtype=object)
    return pl.DataFrame(
        {
            "text": pl.Series(list(texts), dtype=pl.String()),
            "label": pl.Series(names[best].tolist(), dtype=pl.String()),
            "probability": probabilities[np.arange(len(texts)), best],
            **{f"prob_{label}": probabilities[:, i] for i, label in enumerate(labels)},
        }
    )


def read_texts(input_path: Path, text_column: str | None = None) -> list[str]:
    """The texts of a CSV or Parquet file: its ``text`` column (else ``text_column``); empty or
    missing texts are one InputError naming their rows."""
    import polars as pl

    suffix = input_path.suffix.lower()
    if not input_path.is_file():
        raise InputError(f"{input_path}: no such file")
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(input_path)
        elif suffix in (".csv", ".tsv"):
            frame = pl.read_csv(
                input_path, separator="\t" if suffix == ".tsv" else ",", infer_schema=False
            )
        else:
            raise InputError(f"{input_path}: texts must be a .csv or .parquet file")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{input_path}: cannot be read ({str(exc).splitlines()[0]})") from exc
    columns = [c for c in dict.fromkeys((TEXT_COLUMN, text_column)) if c]
    column = next((c for c in columns if c in frame.columns), None)
    if column is None:
        raise InputError(
            f"{input_path.name}: no text column ({' or '.join(map(repr, columns))}); "
            f"columns: {', '.join(frame.columns)}"
        )
    texts = frame[column].cast(pl.String)
    empty = (texts.is_null() | (texts.str.strip_chars() == "")).arg_true()
    if len(empty):
        rows = ", ".join(str(i + 1) for i in empty[:5].to_list())
        raise InputError(
            f"{input_path.name}: column {column!r} has {len(empty)} empty text(s) (rows {rows})"
        )
    return texts.to_list()


def write_predictions(frame: pl.DataFrame, out_path: Path) -> None:
    """Write ``frame`` atomically as Parquet (or CSV, by the suffix)."""
    from benchlab.runs import atomic_path

    with atomic_path(out_path) as tmp:
        if out_path.suffix.lower() == ".csv":
            frame.write_csv(tmp)
        else:
            frame.write_parquet(tmp)


def check_out_path(out_path: Path) -> None:
    if out_path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"--out {out_path}: predictions are written as .parquet (or .csv)")


# --- the adapter ---------------------------------------------------------------------------------
class TextReleaseAdapter(ReleaseAdapter):
    """A text run's classifier (fine-tuned or baseline) as a release."""

    task: ClassVar[str] = "text"
    run_files: ClassVar[tuple[str, ...]] = (
        "config.yaml",
        "leaderboard.csv",
        "dataset.json",
        "report.md",
    )
    experiment_files: ClassVar[tuple[str, ...]] = ()
    selection_keys: ClassVar[tuple[str, ...]] = ("model",)

    def experiment_path(self, run_dir: Path, row: dict[str, Any]) -> Path:
        return saved_model_dir(run_dir, str(row["model"]))

    def models_source(self, experiment: Path) -> Path:
        return experiment

    def copy_models(self, source: Path, target: Path) -> None:
        if not (source / INFO_FILE).is_file():
            raise InputError(f"{source}: no {INFO_FILE} (not a saved text classifier)")
        shutil.copytree(source, target)

    def experiment_metrics(self, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        """The model's leaderboard numbers (test quality, speed, training time)."""
        return {
            key: value
            for key, value in row.items()
            if key != "rank"
            and isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
        }

    def release_info(self, run_dir: Path, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        info = read_info(experiment)
        entry = info.get("entry") or {}
        dataset_path = run_dir / "dataset.json"
        dataset = json.loads(dataset_path.read_text()) if dataset_path.is_file() else {}
        return {
            "kind": info.get("kind"),
            "labels": info.get("labels", []),
            "max_length": info.get("max_length"),
            "base_model": {
                key: entry.get(key)
                for key in ("name", "alias", "hf_id", "family", "params_m", "package")
            }
            if entry
            else None,
            "lora": {
                "r": info.get("training", {}).get("r", entry.get("r")),
                "alpha": info.get("training", {}).get("alpha", entry.get("alpha")),
                "dropout": info.get("training", {}).get("dropout", entry.get("dropout")),
                "target_modules": entry.get("target_modules"),
            }
            if entry
            else None,
            "trainable_parameters": info.get("trainable_parameters"),
            "total_parameters": info.get("total_parameters"),
            "training": info.get("training"),
            "text_column": dataset.get("text_column"),
            "dataset": dataset,
        }

    def load_models(self, models_dir: Path) -> dict[str, Any]:
        return {MODEL_KEY: load_classifier(models_dir)}

    def model_card(self, info: dict[str, Any], release_dir: Path) -> str:
        return model_card(info)

    def predict_file(
        self, release: LoadedRelease, input_path: Path, out_path: Path
    ) -> pl.DataFrame:
        """Every text of ``input_path`` (CSV/Parquet, a ``text`` column) into ``out_path``."""
        check_out_path(out_path)
        texts = read_texts(Path(input_path), release.info.get("text_column"))
        frame = predictions_frame(release.models[MODEL_KEY], texts)
        write_predictions(frame, out_path)
        return frame


def _table(rows: list[tuple[str, Any]]) -> list[str]:
    from benchlab.reports.markdown import format_value, table_cell

    lines = ["| item | value |", "|---|---|"]
    lines += [f"| {name} | {table_cell(format_value(value))} |" for name, value in rows]
    return lines


def model_card(info: dict[str, Any]) -> str:
    """The Markdown of ``MODEL_CARD.md`` for a text release ``info`` (its release.json)."""
    ref = f"{info['name']}@{info['version']}"
    labels = info.get("labels", [])
    dataset = info.get("dataset") or {}
    base = info.get("base_model") or {}
    lora = info.get("lora") or {}
    trainable, total = info.get("trainable_parameters"), info.get("total_parameters")
    kind = "LoRA-tuned" if info.get("kind") == "lora" else "baseline"
    lines = [
        f"# Model card: {ref}",
        "",
        f"`{info['model']}` {kind} sentiment classifier ({len(labels)} classes: "
        f"{', '.join(labels)}); released {info.get('created')}.",
    ]
    if info.get("notes"):
        lines += ["", f"> {info['notes']}"]
    lines += [
        "",
        "## Data",
        "",
        *_table(
            [
                ("source", dataset.get("source")),
                ("text column", dataset.get("text_column")),
                ("label column", dataset.get("label_column")),
                ("train / validation / test", _sizes(dataset)),
            ]
        ),
        "",
        "## Model",
        "",
    ]
    if base:
        share = f"{trainable / total:.3%}" if trainable and total else None
        lines += _table(
            [
                ("base model", f"{base.get('name')} ({base.get('hf_id') or 'built from config'})"),
                ("family", base.get("family")),
                (
                    "LoRA",
                    f"r {lora.get('r')}, alpha {lora.get('alpha')}, dropout {lora.get('dropout')}",
                ),
                ("target modules", ", ".join(lora.get("target_modules") or [])),
                ("trainable parameters", f"{trainable} of {total} ({share})"),
                ("max length (tokens)", info.get("max_length")),
                ("best validation macro F1", (info.get("training") or {}).get("best_val_f1_macro")),
                ("source run", (info.get("source_run") or {}).get("run_id")),
                ("git commit", info.get("git_commit") or "unknown"),
            ]
        )
    else:
        lines += _table(
            [
                ("kind", "scikit-learn baseline, stored with skops"),
                ("source run", (info.get("source_run") or {}).get("run_id")),
                ("git commit", info.get("git_commit") or "unknown"),
            ]
        )
    metrics: dict[str, Any] = info.get("metrics", {})
    lines += [
        "",
        "## Test metrics",
        "",
        f"Primary metric: **{info.get('primary_metric', 'f1_macro')}**, on the held-out test "
        "split (never seen in training or model selection).",
        "",
        *_table([(name, value) for name, value in sorted(metrics.items())]),
        "",
        "## Use",
        "",
        "```bash",
        f"benchlab release verify {ref}",
        f'benchlab predict {ref} --text "what a lovely day"',
        f"benchlab predict {ref} --input texts.csv --out predictions.parquet",
        "```",
        "",
        "The input file has a `text` column. The predictions have `text`, `label`, "
        "`probability` and `prob_<class>` for every class.",
    ]
    if base:
        lines += [
            "",
            f"The release holds the adapter (LoRA weights and the classifier head), not the "
            f"base model: `{base.get('name')}` must be on the predicting machine (its "
            "package, `$BENCHLAB_MODELS_DIR/" + f"{base.get('alias')}` or the Hugging Face "
            "cache). Texts longer than the max length are truncated, with a warning.",
        ]
    lines += [
        "",
        "## Limitations",
        "",
        "Measured on one test split of one dataset; texts unlike the training texts (other "
        "domains, languages, sarcasm) may be classified with high confidence and still be "
        "wrong.",
        "",
    ]
    return "\n".join(lines)


def _sizes(dataset: dict[str, Any]) -> str | None:
    sizes = [dataset.get(key) for key in ("n_train", "n_validation", "n_test")]
    return " / ".join(str(s) for s in sizes) if all(s is not None for s in sizes) else None
