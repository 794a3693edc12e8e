"""The ``benchlab`` command line (Typer). Bad input: one line on stderr and exit status 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchlab.errors import BenchlabError, InputError

app = typer.Typer(
    help="benchlab: train, tune, benchmark and ship forecasting models per SKU tuple.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Data sets: generate the embedded synthetic M5-like data.")
app.add_typer(data_app, name="data")
release_app = typer.Typer(help="Releases: versioned, verified packages of a run's experiment.")
app.add_typer(release_app, name="release")

JsonFlag = Annotated[bool, typer.Option("--json", help="end stdout with one JSON object")]
ProgressFlag = Annotated[bool, typer.Option(help="show progress bars")]
ReleasesDir = Annotated[
    Path | None,
    typer.Option(
        "--releases-dir", help="where releases live (default: $BENCHLAB_RELEASES or ./releases)"
    ),
]

err = Console(stderr=True)
out = Console()


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="log progress details to the console")
    ] = False,
) -> None:
    """Warnings (and with --verbose, progress details) are logged with Rich on stderr."""
    import logging

    from benchlab.logs import console_handler

    console_handler(logging.INFO if verbose else logging.WARNING)


def _wide(console: Console) -> Console:
    """``console`` itself on a terminal; else one 200 columns wide, so tables are not cut."""
    return console if console.is_terminal else Console(file=console.file, width=200)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn benchlab's own errors into one message and exit status 2 (no traceback)."""
    try:
        yield
    except BenchlabError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        err.print(f"[bold red]error:[/] file not found: {exc.filename}", highlight=False)
        raise typer.Exit(2) from None


@data_app.command("synth")
def data_synth(
    size: Annotated[str, typer.Option(help="tiny | small | medium | m5")] = "small",
    seed: Annotated[int, typer.Option(help="random seed")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("data/synthetic"),
) -> None:
    """Write the M5-like synthetic data (seed 000 files + the oracle) into --out."""
    from benchlab.forecast.data.synthetic import generate_synthetic

    with user_errors():
        paths = generate_synthetic(size, seed=seed, out_dir=out_dir, progress=True)
    for name, path in vars(paths).items():
        out.print(f"{name:>13}: {path}")


@app.command("run")
def run(
    config: Annotated[Path, typer.Argument(help="YAML run config, e.g. configs/m5_quick.yaml")],
    overrides: Annotated[
        list[str] | None, typer.Argument(help="key=value overrides, e.g. data.horizon=14")
    ] = None,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Train every model under every strategy, evaluate, write the run folder and report."""
    from benchlab.config import load_run_config
    from benchlab.runner import print_summary, run_task

    with user_errors():
        cfg = load_run_config(config, overrides or [])
        if cfg.mode == "hp_tune":
            _tune(cfg, n_trials=None, resume=False, as_json=as_json, progress=progress)
            return
        summary = run_task(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, _wide(out))
    if as_json:
        print(json.dumps(summary.to_json()))


@app.command("tune")
def tune(
    config: Annotated[Path, typer.Argument(help="YAML run config with a tuning: section")],
    overrides: Annotated[
        list[str] | None, typer.Argument(help="key=value overrides, e.g. tuning.n_trials=20")
    ] = None,
    n_trials: Annotated[int | None, typer.Option(help="trials to run (default: config)")] = None,
    resume: Annotated[bool, typer.Option(help="add trials to an existing study")] = False,
    as_json: JsonFlag = False,
    progress: ProgressFlag = True,
) -> None:
    """Optuna search on rolling-origin folds before the test period, then refit the best."""
    from benchlab.config import load_run_config

    with user_errors():
        cfg = load_run_config(config, overrides or [])
        _tune(cfg, n_trials=n_trials, resume=resume, as_json=as_json, progress=progress)


def _tune(cfg, *, n_trials: int | None, resume: bool, as_json: bool, progress: bool) -> None:
    from benchlab.tasks import get_task

    if n_trials is not None and n_trials < 1:
        raise InputError(f"--n-trials must be at least 1; got {n_trials}")
    result = get_task(cfg.task).tune(
        cfg, n_trials=n_trials, resume=resume, progress=progress and sys.stderr.isatty()
    )
    out.print(
        f"best {cfg.tuning.metric} {result.best_value:.4g} after {result.n_trials} trial(s) of "
        f"study {result.study_name}: {result.best_params}",
        markup=False,
        soft_wrap=True,
    )
    out.print(f"best config: {result.best_config_path}", markup=False, soft_wrap=True)
    out.print(f"run folder: {result.run_dir}", markup=False, soft_wrap=True)
    if as_json:
        print(json.dumps(result.to_json()))


@app.command("models")
def models() -> None:
    """List the registered models, their task and whether they forecast quantiles."""
    from benchlab.forecast.model_types import model_registry

    table = Table(title="Registered models")
    for column in ("name", "task", "input", "quantiles", "description"):
        table.add_column(column)
    for name, cls in model_registry.items():
        info = cls.info
        table.add_row(
            name,
            info.task,
            info.input_kind,
            "yes" if info.supports_quantiles else "no",
            info.description,
        )
    out.print(table)


@app.command("demo")
def demo(
    size: Annotated[str, typer.Option(help="synthetic data size")] = "small",
    data_dir: Annotated[Path, typer.Option(help="where the synthetic data lives")] = Path(
        "data/synthetic"
    ),
    output_dir: Annotated[Path, typer.Option(help="where run folders go")] = Path("runs"),
    as_json: JsonFlag = False,
) -> None:
    """Generate the synthetic data (if needed) and run the quick benchmark on it."""
    from benchlab.config import load_run_config
    from benchlab.forecast.data.synthetic import generate_synthetic
    from benchlab.runner import print_summary, run_task

    with user_errors():
        if not _synthetic_ready(data_dir, size):
            err.print(f"generating the '{size}' synthetic data into {data_dir} …")
            generate_synthetic(size, seed=42, out_dir=data_dir, progress=True)
        config_file = resources.files("benchlab") / "configs" / "m5_quick.yaml"
        with resources.as_file(config_file) as path:
            cfg = load_run_config(
                path,
                [
                    f"data.features_path={data_dir / 'train_data_features.feather'}",
                    f"data.target_path={data_dir / 'train_data_target.feather'}",
                    f"data.mapping_path={data_dir / 'feature_mapping_train.json'}",
                    f"output_dir={output_dir}",
                ],
            )
        summary = run_task(cfg, progress=sys.stderr.isatty())
    print_summary(summary, _wide(out))
    if as_json:
        print(json.dumps(summary.to_json()))


def _manager(releases_dir: Path | None):
    from benchlab.release import ComprehensiveReleaseManager

    return ComprehensiveReleaseManager(releases_dir)


@release_app.command("create")
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
        path = _manager(releases_dir).create(
            run_dir, name, version, notes=notes, model=model, strategy=strategy
        )
        info = _manager(releases_dir).show(f"{name}@{version}")
    out.print(
        f"released {name}@{version}: {info['model']} ({info['strategy']}) → {path}",
        markup=False,
        soft_wrap=True,
    )


@release_app.command("list")
def release_list(
    name: Annotated[str | None, typer.Option(help="only this release name")] = None,
    releases_dir: ReleasesDir = None,
) -> None:
    """Every release with its model, strategy and test score."""
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
    _wide(out).print(table if rows else "no releases")


@release_app.command("show")
def release_show(
    ref: Annotated[str, typer.Argument(help="name@version or name@latest")],
    releases_dir: ReleasesDir = None,
) -> None:
    """Print a release's description (release.json)."""
    with user_errors():
        info = _manager(releases_dir).show(ref)
    print(json.dumps(info, indent=2))


@release_app.command("verify")
def release_verify(
    ref: Annotated[str, typer.Argument(help="name@version or name@latest")],
    releases_dir: ReleasesDir = None,
) -> None:
    """Check every file's SHA-256 against the manifest (exit 2 naming a tampered file)."""
    with user_errors():
        manifest = _manager(releases_dir).verify(ref)
    out.print(f"{ref}: all {len(manifest['files'])} files match the manifest")


@release_app.command("monitor")
def release_monitor(
    ref: Annotated[str, typer.Argument(help="name@version or name@latest")],
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
    from benchlab.forecast.release.monitor import monitor_release

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
        print(json.dumps(result.to_json()))
    if fail_on_drift and result.drift:
        raise typer.Exit(1)


@app.command("predict")
def predict(
    ref: Annotated[str, typer.Argument(help="release: name@version or name@latest")],
    input_path: Annotated[Path, typer.Option("--input", help="features (or history) file")],
    out_path: Annotated[Path, typer.Option("--out", help="forecasts to write (Parquet)")],
    releases_dir: ReleasesDir = None,
) -> None:
    """Forecast with a verified release: SKU columns, date, point forecast and quantiles."""
    from benchlab.forecast.release.serving import predict_file

    with user_errors():
        release = _manager(releases_dir).load(ref)
        predictions = predict_file(release, input_path, out_path)
    out.print(f"{predictions.height} forecasts from {release.ref} → {out_path}")


@app.command("export")
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
    """Export a run's or a release's tree models to ONNX (with --validate and --benchmark)."""
    from benchlab.forecast.release.exporting import export_target, report_lines

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


def _synthetic_ready(data_dir: Path, size: str) -> bool:
    mapping = data_dir / "feature_mapping_train.json"
    if not mapping.is_file() or not (data_dir / "train_data_target.feather").is_file():
        return False
    try:
        generator = json.loads(mapping.read_text()).get("generator", {})
    except (OSError, ValueError):
        return False
    return generator.get("size") == size and generator.get("seed") == 42


if __name__ == "__main__":  # pragma: no cover
    app()
