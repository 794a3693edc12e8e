"""Releasing a text run's classifier and predicting texts with it: ``benchlab release create``,
``benchlab predict REF --text …`` and ``--input file.csv``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from benchlab.cli import app
from benchlab.errors import InputError
from benchlab.release import ComprehensiveReleaseManager
from benchlab.runs import RunFolder
from benchlab.text.config import TextRunConfig
from benchlab.text.registry import load_registry
from benchlab.text.release import (
    TextReleaseAdapter,
    load_classifier,
    read_texts,
    save_classifier,
    saved_model_dir,
)
from benchlab.text.training import fine_tune
from tests.text.test_training import tiny_config, tiny_splits

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A text run folder: config, leaderboard (tiny-bert first, then an unsaved baseline),
    dataset description and the saved tiny-bert."""
    classifier = fine_tune(
        load_registry().get("tiny-bert"),
        tiny_splits(),
        tiny_config(epochs=1, max_steps=2),
        log_dir=None,
    )
    root = tmp_path_factory.mktemp("runs")
    with RunFolder(root, task="text", dataset="tiny", name="release") as run:
        run.write_yaml("config.yaml", TextRunConfig(models=["tiny-bert", "majority"]).to_raw())
        board = pl.DataFrame(
            {
                "rank": [1, 2],
                "model": ["tiny-bert", "majority"],
                "f1_macro": [0.61, 0.33],
                "accuracy": [0.62, 0.5],
                "latency_median_ms": [1.5, float("nan")],
                "status": ["finished", "finished"],
            }
        )
        board.write_csv(run.file("leaderboard.csv"))
        run.write_json(
            "dataset.json",
            {
                "source": "generated",
                "text_column": "review",
                "label_column": "label",
                "n_train": 40,
                "n_validation": 10,
                "n_test": 10,
                "labels": ["neg", "pos"],
            },
        )
        save_classifier(classifier, saved_model_dir(run.path, "tiny-bert"))
    return run.final_path


@pytest.fixture()
def releases(run_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "releases"
    ComprehensiveReleaseManager(folder).create(run_dir, "moods", "1.0.0", notes="tiny")
    return folder


def _invoke(*args: str, releases: Path):
    return runner.invoke(app, [*args, "--releases-dir", str(releases)])


def test_the_best_classifier_is_released_with_its_card(releases: Path, run_dir: Path) -> None:
    manager = ComprehensiveReleaseManager(releases)
    info = manager.show("moods@1.0.0")
    assert info["task"] == "text" and info["model"] == "tiny-bert" and info["kind"] == "lora"
    assert info["labels"] == ["neg", "pos"] and info["primary_metric"] == "f1_macro"
    assert info["metrics"] == {"f1_macro": 0.61, "accuracy": 0.62, "latency_median_ms": 1.5}
    assert info["base_model"]["name"] == "tiny-bert" and info["lora"]["r"] == 8
    assert info["text_column"] == "review"
    path = manager.resolve("moods@1.0.0")
    assert sorted(p.name for p in (path / "models").iterdir()) == [
        "adapter",
        "classifier.json",
        "tokenizer",
    ]
    assert (path / "dataset.json").is_file() and (path / "config.yaml").is_file()
    card = (path / "MODEL_CARD.md").read_text()
    assert "`tiny-bert` LoRA-tuned sentiment classifier (2 classes: neg, pos)" in card
    assert 'benchlab predict moods@1.0.0 --text "what a lovely day"' in card
    assert "| f1_macro | 0.61 |" in card and "r 8, alpha 16" in card
    assert manager.verify("moods@1.0.0")["files"]


def test_an_unsaved_model_cannot_be_released(run_dir: Path, tmp_path: Path) -> None:
    manager = ComprehensiveReleaseManager(tmp_path / "releases")
    with pytest.raises(InputError, match=r"no saved models in .*models/majority"):
        manager.create(run_dir, "moods", "1.0.0", model="majority")


def test_predict_texts_from_the_command_line(releases: Path, run_dir: Path, tmp_path: Path) -> None:
    original = load_classifier(saved_model_dir(run_dir, "tiny-bert"))
    texts = ["what a great movie", "I hate it"]
    out = tmp_path / "some.parquet"
    result = _invoke(
        "predict",
        "moods@latest",
        "--text",
        texts[0],
        "--text",
        texts[1],
        "--out",
        str(out),
        releases=releases,
    )
    assert result.exit_code == 0, result.output
    assert "2 predictions from moods@1.0.0" in result.output
    frame = pl.read_parquet(out)
    assert frame.columns == ["text", "label", "probability", "prob_neg", "prob_pos"]
    assert frame["text"].to_list() == texts
    expected = original.predict_proba(texts)
    np.testing.assert_allclose(frame.select("prob_neg", "prob_pos").to_numpy(), expected)
    assert frame["label"].to_list() == [["neg", "pos"][i] for i in expected.argmax(axis=1)]
    np.testing.assert_allclose(frame["probability"].to_numpy(), expected.max(axis=1))

    printed = _invoke("predict", "moods@1.0.0", "--text", "so happy", releases=releases)
    assert printed.exit_code == 0, printed.output
    assert "so happy" in printed.output and "prob_pos" in printed.output


def test_predict_a_file_of_texts(releases: Path, tmp_path: Path) -> None:
    source = tmp_path / "texts.csv"
    pl.DataFrame({"id": [1, 2, 3], "text": ["good", "bad, really bad", "fine"]}).write_csv(source)
    out = tmp_path / "predictions.parquet"
    result = _invoke(
        "predict", "moods@1.0.0", "--input", str(source), "--out", str(out), releases=releases
    )
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out).height == 3
    # the training data's text column is read when there is no `text` column
    other = tmp_path / "reviews.parquet"
    pl.DataFrame({"review": ["good", "bad"]}).write_parquet(other)
    csv_out = tmp_path / "p.csv"
    result = _invoke(
        "predict", "moods@1.0.0", "--input", str(other), "--out", str(csv_out), releases=releases
    )
    assert result.exit_code == 0, result.output
    assert pl.read_csv(csv_out)["text"].to_list() == ["good", "bad"]


def test_bad_predict_input_is_one_message_and_exit_2(releases: Path, tmp_path: Path) -> None:
    no_text = tmp_path / "no_text.csv"
    pl.DataFrame({"body": ["a"]}).write_csv(no_text)
    empty = tmp_path / "empty.csv"
    empty.write_text('text\nfine\n""\n  \nok\n')
    out = str(tmp_path / "o.parquet")
    cases = [
        (("--input", str(no_text), "--out", out), "no text column ('text' or 'review')"),
        (("--input", str(empty), "--out", out), "'text' has 2 empty text(s) (rows 2, 3)"),
        (("--input", str(no_text), "--text", "x"), "not both"),
        ((), "give --input FILE (or, for a text release, --text TEXT)"),
        (("--input", str(no_text)), "--out is required with --input"),
        (("--text", "x", "--out", str(tmp_path / "o.txt")), "written as .parquet (or .csv)"),
        (("--input", str(tmp_path / "nope.csv"), "--out", out), "nope.csv: no such file"),
    ]
    for args, message in cases:
        result = _invoke("predict", "moods@1.0.0", *args, releases=releases)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / "o.parquet").exists()


def test_read_texts_takes_parquet_and_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pl.DataFrame({"text": ["a", None]}).write_parquet(path)
    with pytest.raises(InputError, match=r"1 empty text\(s\) \(rows 2\)"):
        read_texts(path)
    other = tmp_path / "t.json"
    other.write_text("{}")
    with pytest.raises(InputError, match="must be a .csv or .parquet file"):
        read_texts(other)


class _Stand_in:  # noqa: N801 - a type outside the trusted prefixes
    name = "stand-in"
    labels = ["neg", "pos"]


def test_a_baseline_file_with_untrusted_types_is_refused(tmp_path: Path) -> None:
    folder = save_classifier(_Stand_in(), tmp_path / "baseline")
    info = json.loads((folder / "classifier.json").read_text())
    assert info == {
        "format": "benchlab-text-baseline/1",
        "kind": "baseline",
        "name": "stand-in",
        "labels": ["neg", "pos"],
    }
    with pytest.raises(InputError, match=r"refused to load type\(s\) tests.text.test_release"):
        load_classifier(folder)


def test_a_fitted_baseline_round_trips_through_skops(tmp_path: Path) -> None:
    baselines = pytest.importorskip("benchlab.text.baselines")
    splits = tiny_splits()
    baseline = baselines.make_baseline("tfidf_logreg", splits.labels, seed=0).fit(
        splits.train["text"].to_list(), splits.train["label"].to_numpy()
    )
    folder = save_classifier(baseline, tmp_path / "tfidf")
    assert (folder / "baseline.skops").is_file()
    loaded = load_classifier(folder)
    texts = splits.test["text"].to_list()
    np.testing.assert_array_equal(loaded.predict_proba(texts), baseline.predict_proba(texts))
    assert TextReleaseAdapter().load_models(folder)["classifier"].labels == ["neg", "pos"]
