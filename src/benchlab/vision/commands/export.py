"""``benchlab vision export``: checkpoints to ONNX, with validation and latency figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, err, out, print_json, user_errors


def export(
    checkpoint: Annotated[
        str,
        typer.Option(
            "--checkpoint",
            "--checkpoint-path",
            "--checkpoint_path",
            help='a checkpoint (weights/best.pt) or a quoted glob ("runs/*/weights/best.pt")',
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", help="the .onnx file (default: beside the checkpoint)"),
    ] = None,
    opset: Annotated[
        int | None,
        typer.Option(
            "--opset", help="ONNX opset (default: the exporter's; below 18: TorchScript exporter)"
        ),
    ] = None,
    input_size: Annotated[
        tuple[int, int] | None,
        typer.Option(
            "--input-size", "--input_size", help="H W (default: the checkpoint's image size)"
        ),
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="onnx.checker and an ONNX Runtime forward pass")
    ] = False,
    comprehensive: Annotated[
        bool,
        typer.Option(
            "--comprehensive-validate",
            "--comprehensive_validate",
            help="PyTorch vs ONNX Runtime on the test split: max abs logit diff, top-1 agreement",
        ),
    ] = False,
    benchmark: Annotated[
        bool,
        typer.Option("--benchmark", help="latency p50/p90/p99, batch 1 and 32, both runtimes"),
    ] = False,
    tolerance: Annotated[
        float, typer.Option("--tolerance", help="max abs logit difference that passes")
    ] = 1e-4,
    as_json: JsonFlag = False,
) -> None:
    """Export checkpoints to ONNX (dynamic batch axis; normalisation inside the graph).

    The graph's input is float32 N×C×H×W with pixels in [0, 1]; it returns the logits.
    --comprehensive-validate includes --validate. Checks and latency go to
    validation_report.json beside the .onnx file; a failed check exits 1.
    """
    from benchlab.vision.export import export_checkpoints

    with user_errors():
        results = export_checkpoints(
            checkpoint,
            output=output,
            opset=opset,
            input_size=input_size,
            validate=validate,
            comprehensive=comprehensive,
            benchmark=benchmark,
            tolerance=tolerance,
        )
    for result in results:
        for line in result.lines():
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    if as_json:
        print_json({"exports": [result.to_json() for result in results]})
    failed = [str(result.checkpoint) for result in results if not result.passed]
    if failed:
        err.print(
            f"[bold red]error:[/] ONNX checks failed for {', '.join(failed)}", highlight=False
        )
        raise typer.Exit(1)
