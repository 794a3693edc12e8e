"""The forecast task's commands: ``benchlab forecast …``, ``benchlab data synth`` and
``benchlab demo`` (registered by name in :mod:`benchlab.forecast`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, err, out, print_json, user_errors, wide

app = typer.Typer(
    help="Demand forecasting per SKU tuple: its models and the quick demo.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DEMO_CONFIG = "m5_quick.yaml"
DEMO_SEED = 42


def data_synth(
    size: Annotated[str, typer.Option(help="tiny | small | medium | m5")] = "small",
    seed: Annotated[int, typer.Option(help="random seed")] = DEMO_SEED,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("data/synthetic"),
) -> None:
    """Write the M5-like synthetic data (seed 000 files + the oracle) into --out."""
    from benchlab.forecast.data.synthetic import generate_synthetic

    with user_errors():
        paths = generate_synthetic(size, seed=seed, out_dir=out_dir, progress=True)
    for name, path in vars(paths).items():
        out.print(f"{name:>13}: {path}")


def demo(
    size: Annotated[str, typer.Option(help="synthetic data size")] = "small",
    data_dir: Annotated[Path, typer.Option(help="where the synthetic data lives")] = Path(
        "data/synthetic"
    ),
    output_dir: Annotated[Path, typer.Option(help="where run folders go")] = Path("runs"),
    as_json: JsonFlag = False,
) -> None:
    """Generate the synthetic data (if needed) and run the quick benchmark on it."""
    from importlib import resources

    from benchlab.config import load_run_config
    from benchlab.forecast.data.seed_files import FEATURES_FILE, MAPPING_JSON, TARGET_FILE
    from benchlab.forecast.data.synthetic import generate_synthetic
    from benchlab.runner import print_summary, run_task

    with user_errors():
        if not _synthetic_ready(data_dir, size):
            err.print(f"generating the '{size}' synthetic data into {data_dir} …")
            generate_synthetic(size, seed=DEMO_SEED, out_dir=data_dir, progress=True)
        config_file = resources.files("benchlab") / "configs" / DEMO_CONFIG
        with resources.as_file(config_file) as path:
            cfg = load_run_config(
                path,
                [
                    f"data.features_path={data_dir / FEATURES_FILE}",
                    f"data.target_path={data_dir / TARGET_FILE}",
                    f"data.mapping_path={data_dir / MAPPING_JSON}",
                    f"output_dir={output_dir}",
                ],
            )
        summary = run_task(cfg, progress=sys.stderr.isatty())
    print_summary(summary, wide(out))
    if as_json:
        print_json(summary.to_json())


def models() -> None:
    """List the forecasting models: input, quantile support, description."""
    from benchlab.cli.models import models as list_models

    list_models(task="forecast")


def _synthetic_ready(data_dir: Path, size: str) -> bool:
    """Whether ``data_dir`` holds the demo's data: ``size``, generated with the demo's seed."""
    from benchlab.forecast.data.seed_files import MAPPING_JSON, TARGET_FILE

    mapping = data_dir / MAPPING_JSON
    if not mapping.is_file() or not (data_dir / TARGET_FILE).is_file():
        return False
    try:
        generator = json.loads(mapping.read_text()).get("generator", {})
    except (OSError, ValueError):
        return False
    return generator.get("size") == size and generator.get("seed") == DEMO_SEED


app.command("models")(models)
app.command("demo")(demo)
