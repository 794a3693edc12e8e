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

from benchlab.errors import BenchlabError

app = typer.Typer(
    help="benchlab: train, tune, benchmark and ship forecasting models per SKU tuple.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Data sets: generate the embedded synthetic M5-like data.")
app.add_typer(data_app, name="data")

err = Console(stderr=True)
out = Console()


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
    from benchlab.data.synthetic import generate_synthetic

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
    as_json: Annotated[
        bool, typer.Option("--json", help="end stdout with one JSON object")
    ] = False,
    progress: Annotated[bool, typer.Option(help="show progress bars")] = True,
) -> None:
    """Train every model under every strategy, evaluate, write the run folder and report."""
    from benchlab.config import load_run_config
    from benchlab.runner import print_summary, run_forecast

    with user_errors():
        cfg = load_run_config(config, overrides or [])
        summary = run_forecast(cfg, progress=progress and sys.stderr.isatty())
    print_summary(summary, out)
    if as_json:
        print(json.dumps(summary.to_json()))


@app.command("models")
def models() -> None:
    """List the registered models, their task and whether they forecast quantiles."""
    from benchlab.model_types import model_registry

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
    as_json: Annotated[
        bool, typer.Option("--json", help="end stdout with one JSON object")
    ] = False,
) -> None:
    """Generate the synthetic data (if needed) and run the quick benchmark on it."""
    from benchlab.config import load_run_config
    from benchlab.data.synthetic import generate_synthetic
    from benchlab.runner import print_summary, run_forecast

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
        summary = run_forecast(cfg, progress=sys.stderr.isatty())
    print_summary(summary, out)
    if as_json:
        print(json.dumps(summary.to_json()))


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
