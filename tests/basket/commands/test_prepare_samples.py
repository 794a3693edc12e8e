"""``benchlab basket prepare-samples``: stage 1 from the command line, one line and exit 2 on
bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.basket.commands.prepare_samples import parse_weeks
from benchlab.basket.layout import SPLITS, ProjectLayout
from benchlab.cli import app
from benchlab.errors import InputError

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["basket", "prepare-samples", "--no-progress", *args])


def test_prints_the_summary_and_writes_the_splits(basket_root: Path) -> None:
    result = _run("--project-root", str(basket_root), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["n_weeks"] == 20 and payload["proportional"] is True
    assert [payload["splits"][s]["weeks"] for s in SPLITS] == [[1, 14], [15, 16], [17, 20]]
    for split in SPLITS:
        assert ProjectLayout(basket_root).samples(split).exists()
        assert split in result.stdout
    assert f"returns: {payload['returns']} rows with negative QUANTITY" in result.stdout
    assert "dropped" in result.stdout and "length buckets" in result.stdout


def test_week_ranges_are_taken_as_given(basket_root: Path) -> None:
    args = ["--train-weeks", "1-8", "--validation-weeks", "10-12", "--test-weeks", "13-20"]
    result = _run("--project-root", str(basket_root), *args, "--returns", "keep", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["proportional"] is False and payload["returns_handling"] == "keep"
    assert [payload["splits"][s]["weeks"] for s in SPLITS] == [[1, 8], [10, 12], [13, 20]]
    assert payload["unassigned_baskets"] > 0  # week 9 belongs to no split
    assert "baskets in weeks outside every range" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train-weeks", "10-1"], "--train-weeks: '10-1' is not a week range"),
        (
            ["--train-weeks", "1-10", "--validation-weeks", "11-20", "--test-weeks", "30-40"],
            "no basket in the test split",
        ),
        (
            ["--train-weeks", "1-16", "--validation-weeks", "10-18"],
            "train weeks 1–16 must end before validation weeks 10–18",
        ),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    basket_root: Path, args: list[str], message: str
) -> None:
    result = _run("--project-root", str(basket_root), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_column_is_one_line_and_exit_2(basket_root: Path) -> None:
    csv = ProjectLayout(basket_root).raw_csv
    csv.write_text(csv.read_text().replace("STORE_REGION", "REGION", 1))
    result = _run("--project-root", str(basket_root))
    assert result.exit_code == 2
    assert "missing column STORE_REGION" in result.output
    assert result.output.startswith("error:")


def test_parse_weeks() -> None:
    assert parse_weeks(" 1 - 80 ", "--train-weeks") == {"first": 1, "last": 80}
    with pytest.raises(InputError, match="--test-weeks: 'x' is not a week range"):
        parse_weeks("x", "--test-weeks")
