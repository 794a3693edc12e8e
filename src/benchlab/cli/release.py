"""``benchlab release …``, ``benchlab predict`` and ``benchlab export``: any task's releases.

The task of a release (or a run folder) is read from it; :mod:`benchlab.release.dispatch`
hands over to that task's release adapter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.common import (
    JsonFlag,
    ReleasesDir,
    absolute_paths,
    err,
    out,
    print_json,
    user_errors,
    wide,
)
from benchlab.errors import InputError

app = typer.Typer(
    help="Releases: versioned, verified packages of a run's experiment.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ReleaseRef = Annotated[str, typer.Argument(help="name@version or name@latest")]


def _manager(releases_dir: Path | None) -> Any:
    from benchlab.release import ComprehensiveReleaseManager

    return ComprehensiveReleaseManager(releases_dir)


@app.command("create")
def release_create(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `benchlab run`")],
    name: Annotated[str, typer.Option(help="release name, e.g. demand-eu")],
    version: Annotated[str, typer.Option(help="semantic version, e.g. 1.2.0")],
    notes: Annotated[str, typer.Option(help="free text kept in the release")] = "",
    model: Annotated[str | None, typer.Option(help="experiment's model (default: best)")] = None,
    strategy: Annotated[str | None, typer.Option(help="combined | individual")] = None,
    releases_dir: ReleasesDir = None,
) -> None:
    """Package one experiment of a run (its leaderboard's best by default) as a release."""
    with user_errors():
        manager = _manager(releases_dir)
        path = manager.create(run_dir, name, version, notes=notes, model=model, strategy=strategy)
        info = manager.show(f"{name}@{version}")
    keys = f" ({info['strategy']})" if info.get("strategy") else ""
    out.print(
        f"released {name}@{version}: {info['model']}{keys} → {path}",
        markup=False,
        soft_wrap=True,
    )


@app.command("list")
def release_list(
    name: Annotated[str | None, typer.Option(help="only this release name")] = None,
    releases_dir: ReleasesDir = None,
) -> None:
    """Every release with its model, strategy and test score."""
    from rich.table import Table

    with user_errors():
        rows = _manager(releases_dir).list_releases(name)
    table = Table(title="Releases")
    for column in ("release", "created", "model", "strategy", "metric", "value"):
        table.add_column(column)
    for r in rows:
        value = "–" if r.primary_value is None else f"{r.primary_value:.4g}"
        table.add_row(
            f"{r.name}@{r.version}", r.created, r.model, r.strategy, r.primary_metric, value
        )
    wide(out).print(table if rows else "no releases")


@app.command("show")
def release_show(ref: ReleaseRef, releases_dir: ReleasesDir = None) -> None:
    """Print a release's description (release.json)."""
    with user_errors():
        info = _manager(releases_dir).show(ref)
    print(json.dumps(info, indent=2))


@app.command("verify")
def release_verify(ref: ReleaseRef, releases_dir: ReleasesDir = None) -> None:
    """Check every file's SHA-256 against the manifest (exit 2 naming a tampered file)."""
    with user_errors():
        manifest = _manager(releases_dir).verify(ref)
    out.print(f"{ref}: all {len(manifest['files'])} files match the manifest")


@app.command("monitor")
def release_monitor(
    ref: ReleaseRef,
    actuals: Annotated[Path, typer.Option(help="features + target that arrived after release")],
    margin: Annotated[float, typer.Option(help="drift when error > test error × (1+margin)")] = 0.2,
    metric: Annotated[str, typer.Option(help="mae | rmse")] = "mae",
    period: Annotated[str | None, typer.Option(help="period to aggregate, e.g. 1w")] = None,
    output_dir: Annotated[Path, typer.Option(help="where the monitoring run goes")] = Path("runs"),
    fail_on_drift: Annotated[bool, typer.Option(help="exit status 1 when drift is found")] = False,
    as_json: JsonFlag = False,
    releases_dir: ReleasesDir = None,
) -> None:
    """Accuracy of a released model on new actuals, per period, with drift flags."""
    from benchlab.release.dispatch import monitor_release

    with user_errors():
        release = _manager(releases_dir).load(ref)
        result = monitor_release(
            release, actuals, margin=margin, metric=metric, period=period, output_dir=output_dir
        )
    status = (
        f"DRIFT in {len(result.drifted_periods)} of {result.periods.height} periods"
        if result.drift
        else f"no drift in {result.periods.height} periods"
    )
    out.print(
        f"{release.ref}: {status} ({result.metric} threshold {result.threshold:.4g}); "
        f"report: {result.run_dir / 'report.md'}",
        soft_wrap=True,
    )
    if as_json:
        print_json(absolute_paths(result.to_json(), ["run_dir"]))
    if fail_on_drift and result.drift:
        raise typer.Exit(1)


def predict(
    ref: Annotated[str, typer.Argument(help="release: name@version or name@latest")],
    input_path: Annotated[
        Path | None,
        typer.Option(
            "--input", "--images", help="features (or history) file; vision: a folder of images"
        ),
    ] = None,
    texts: Annotated[
        list[str] | None,
        typer.Option(
            "--text", help="text: a text to classify (repeat for several), instead of --input"
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="predictions to write (Parquet; vision: .csv or .parquet); with --text, "
            "optional: without it the predictions are printed",
        ),
    ] = None,
    releases_dir: ReleasesDir = None,
) -> None:
    """Predict with a verified release (forecast: SKU columns, date, point and quantiles;
    vision: path, predicted class and the probability of each class per image; text: label and
    the probability of each class per text)."""
    from benchlab.release.dispatch import predict_file

    with user_errors():
        if input_path is not None and texts:
            raise InputError("give --input FILE or --text TEXT, not both")
        if input_path is None and not texts:
            raise InputError("give --input FILE (or, for a text release, --text TEXT)")
        if input_path is not None and out_path is None:
            raise InputError("--out is required with --input")
        release = _manager(releases_dir).load(ref)
        if input_path is not None:
            predictions = predict_file(release, input_path, out_path)
        else:
            predictions = _predict_texts(release, texts or [], out_path)
    if out_path is None:
        wide(out).print(_frame_table(predictions, title=f"{release.ref}"))
        return
    out.print(f"{predictions.height} predictions from {release.ref} → {out_path}")


def _frame_table(frame: Any, *, title: str) -> Any:
    """A Rich table of a (small) predictions frame; numbers to 4 significant digits."""
    from rich.table import Table

    table = Table(title=title)
    for column in frame.columns:
        table.add_column(column, overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row))
    return table


def _predict_texts(release: Any, texts: list[str], out_path: Path | None) -> Any:
    """``--text``: the texts as a one-column (``text``) Parquet input to the release's task."""
    import tempfile

    import polars as pl

    from benchlab.release.dispatch import predict_file

    with tempfile.TemporaryDirectory(prefix="benchlab-predict-") as scratch:
        source = Path(scratch) / "texts.parquet"
        pl.DataFrame({"text": texts}, schema={"text": pl.String()}).write_parquet(source)
        target = out_path if out_path is not None else Path(scratch) / "predictions.parquet"
        return predict_file(release, source, target)


def export(
    target: Annotated[str, typer.Argument(help="a run folder, or a release name@version")],
    fmt: Annotated[str, typer.Option("--format", help="export format (onnx)")] = "onnx",
    out_dir: Annotated[Path | None, typer.Option("--out", help="default: exports/<label>")] = None,
    validate: Annotated[bool, typer.Option(help="compare ONNX with native predictions")] = False,
    benchmark: Annotated[bool, typer.Option(help="time native and onnxruntime")] = False,
    model: Annotated[str | None, typer.Option(help="run: experiment's model")] = None,
    strategy: Annotated[str | None, typer.Option(help="run: combined | individual")] = None,
    sample: Annotated[Path | None, typer.Option(help="feature rows to validate on")] = None,
    tolerance: Annotated[float, typer.Option(help="parity tolerance x max(1, |native|)")] = 1e-4,
    releases_dir: ReleasesDir = None,
) -> None:
    """Export a run's or a release's models to ONNX (with --validate and --benchmark)."""
    from benchlab.release.dispatch import export_target, report_lines

    with user_errors():
        if fmt != "onnx":
            raise InputError(f"--format must be onnx; got {fmt!r}")
        report = export_target(
            target,
            out_dir,
            manager=_manager(releases_dir),
            model=model,
            strategy=strategy,
            validate=validate,
            benchmark=benchmark,
            sample=sample,
            tolerance=tolerance,
        )
    for line in report_lines(report):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    if validate and not report.parity_ok:
        err.print("[bold red]error:[/] ONNX outputs differ from the native models", highlight=False)
        raise typer.Exit(1)
