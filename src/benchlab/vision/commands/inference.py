"""``benchlab vision inference`` (seed 002's ``ml-inference``): a checkpoint on its test split,
or on a folder of images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.common import JsonFlag, out, print_json, user_errors


def inference(
    checkpoint: Annotated[
        Path,
        typer.Option(
            "--checkpoint",
            "--checkpoint-path",
            "--checkpoint_path",
            help="a checkpoint written by training (a run's weights/best.pt)",
        ),
    ],
    images: Annotated[
        Path | None,
        typer.Option("--images", help="predict every image under this folder instead"),
    ] = None,
    out_path: Annotated[
        Path,
        typer.Option("--out", help="--images: the predictions file (.csv or .parquet)"),
    ] = Path("predictions.csv"),
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or mps")] = "auto",
    as_json: JsonFlag = False,
) -> None:
    """Evaluate a checkpoint on the test split of its data (accuracy, macro F1, report), or
    predict every image of a folder into a CSV (path, predicted class, probabilities)."""
    from benchlab.vision.inference import evaluate_checkpoint, predict_folder

    with user_errors():
        if images is not None:
            frame = predict_folder(checkpoint, images, out_path, device=device)
        else:
            evaluation = evaluate_checkpoint(checkpoint, device=device)
    if images is not None:
        out.print(
            f"{frame.height} image(s) from {images} → {out_path}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        if as_json:
            counts = frame.get_column("predicted").value_counts(sort=True)
            print_json(
                {
                    "checkpoint": str(checkpoint.resolve()),
                    "images": frame.height,
                    "predictions": str(out_path.resolve()),
                    "predicted_counts": dict(counts.iter_rows()),
                }
            )
        return
    metrics = evaluation.metrics
    out.print(
        f"{checkpoint}: test split of {evaluation.data_dir} (fold {evaluation.fold}, "
        f"{evaluation.images} images): accuracy {metrics['accuracy']:.4f}, "
        f"macro F1 {metrics['f1_macro']:.4f}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    out.print(metrics["report_text"], markup=False, highlight=False)
    if as_json:
        print_json(evaluation.to_json())
