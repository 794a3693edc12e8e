"""Engine figures: the atomic PNG writer and the leaderboard chart of any task's leaderboard."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import polars as pl
import pytest

from benchlab.errors import InputError
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.reports.plots import ReferenceLine, colour_map, leaderboard_chart, save_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DPI = 80


def assert_png(path: Path, *, min_height: int = 150, min_width: int = 300) -> None:
    """``path`` is a PNG that matplotlib reads back with a non-trivial size and content."""
    assert path.is_file(), path
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.shape[0] >= min_height and image.shape[1] >= min_width, image.shape
    assert image[..., :3].std() > 0.05  # not a blank canvas


def vision_board() -> pl.DataFrame:
    """A leaderboard of another task: models × a ``pretrained`` key, ranked on accuracy."""
    board = Leaderboard("accuracy")
    for model, pretrained, accuracy in [
        ("resnet18", "imagenet", 0.91),
        ("resnet18", "scratch", 0.78),
        ("mobilenet", "imagenet", 0.94),
        ("vit_tiny", "scratch", None),
    ]:
        metrics = {"accuracy": accuracy} if accuracy is not None else {}
        board.add(ExperimentRecord(model, metrics, keys={"pretrained": pretrained}))
    return board.frame()


def test_leaderboard_chart_of_any_task_is_a_deterministic_png(tmp_path: Path) -> None:
    board = vision_board()
    first = leaderboard_chart(board, "accuracy", tmp_path / "a" / "board.png", dpi=DPI)
    second = leaderboard_chart(board, "accuracy", tmp_path / "b.png", dpi=DPI)
    assert first == tmp_path / "a" / "board.png"
    assert_png(first)
    assert first.read_bytes() == second.read_bytes()
    assert [p.name for p in first.parent.iterdir()] == ["board.png"]  # no temp file left

    line = [ReferenceLine(0.9, "target (0.9)")]
    with_line = leaderboard_chart(board, "accuracy", tmp_path / "c.png", reference_lines=line)
    assert with_line.read_bytes() != first.read_bytes()
    by_model = leaderboard_chart(board, "accuracy", tmp_path / "d.png", colour_by="model")
    assert_png(by_model)
    assert (
        by_model.read_bytes()
        != leaderboard_chart(board, "accuracy", tmp_path / "e.png").read_bytes()
    )


def test_leaderboard_chart_errors_name_the_problem(tmp_path: Path) -> None:
    board = vision_board()
    with pytest.raises(InputError, match="leaderboard_chart: leaderboard: missing column 'f1'"):
        leaderboard_chart(board, "f1", tmp_path / "x.png")
    with pytest.raises(InputError, match="missing column 'strategy'"):
        leaderboard_chart(board, "accuracy", tmp_path / "x.png", colour_by="strategy")
    empty = board.with_columns(pl.lit(None, dtype=pl.Float64).alias("accuracy"))
    with pytest.raises(InputError, match="no model has a value for 'accuracy'"):
        leaderboard_chart(empty, "accuracy", tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_colour_map_keeps_fixed_colours_and_does_not_touch_its_arguments() -> None:
    fixed = {"combined": "#1f77b4", "individual": "#ff7f0e"}
    values = ["individual", "hybrid", "combined", "hybrid", "global"]
    colours = colour_map(values, fixed)
    assert colours == {
        "individual": "#ff7f0e",
        "hybrid": "#2ca02c",  # the palette's first colour that no fixed value uses
        "combined": "#1f77b4",
        "global": "#9467bd",
    }
    assert fixed == {"combined": "#1f77b4", "individual": "#ff7f0e"}
    assert values == ["individual", "hybrid", "combined", "hybrid", "global"]
    assert colour_map(values, fixed) == colours  # no state carried between calls


def test_save_figure_writes_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    assert_png(save_figure(fig, tmp_path / "ok.png", dpi=DPI), min_height=100, min_width=200)

    def half_written(self, target, **kwargs):
        Path(target).write_bytes(PNG_SIGNATURE)  # the temporary file exists, then it fails
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_written)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, tmp_path / "broken.png")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.png"]
