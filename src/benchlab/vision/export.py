"""ONNX export of vision checkpoints (seed 002's ``ml-export``), with validation and latency.

The exported graph takes **float32 images N×C×H×W with pixels scaled to [0, 1]** (input
``images``; N is a dynamic axis) and returns the logits N×classes (output ``logits``). The
training **normalisation is inside the graph** (``(x - mean) / std`` with the checkpoint's
mean and std), so a runtime only has to resize an image to H×W and divide its 8-bit pixels by
255. The classes, mean, std and image size are stored in the model's metadata.

``torch.onnx.export`` in torch 2.14 uses the ``torch.export``-based (dynamo) exporter by
default, and it writes opset 18 or later only (an older opset asked of it is silently kept at
18). So an opset of 18 or more (or none: the exporter's default) is exported by the dynamo
exporter; an opset below 18 by the TorchScript exporter (``dynamo=False``), which is also the
fallback when the dynamo exporter fails on a network. The report says which one ran.

Checks, all run on CPU against ONNX Runtime's CPU provider:

- ``validate``: ``onnx.checker.check_model`` and a forward pass for batch 1 and 3 (the batch
  axis is dynamic), outputs finite and of the right shape;
- ``comprehensive``: PyTorch and ONNX Runtime on the test split of the checkpoint's data: max
  absolute logit difference and top-1 agreement (pass: ≤ ``tolerance`` and 100 %);
- ``benchmark``: latency p50/p90/p99 in milliseconds for batch 1 and batch 32 in both runtimes
  (same thread count), and the ratio ONNX Runtime / PyTorch eager of the medians.

Results go to ``validation_report.json`` beside the ``.onnx`` file (one entry per ONNX file).
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.logs import get_logger
from benchlab.runs import atomic_path

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import nn

    from benchlab.vision.checkpoints import Checkpoint

log = get_logger("vision.export")

INPUT_NAME, OUTPUT_NAME = "images", "logits"
REPORT_FILE = "validation_report.json"
#: The lowest opset the dynamo exporter writes; a lower one goes through the TorchScript one.
DYNAMO_MIN_OPSET = 18
DEFAULT_TOLERANCE = 1e-4
BENCHMARK_BATCHES = (1, 32)
NORMALIZATION = (
    "inside the graph: feed float32 N×C×H×W pixels scaled to [0, 1] (8-bit / 255), resized to "
    "H×W; the graph applies (x - mean) / std"
)


def with_normalization(model: nn.Module, mean: Sequence[float], std: Sequence[float]) -> nn.Module:
    """``model`` preceded by ``(x - mean) / std`` per channel: what the ONNX graph computes."""
    import torch

    class NormalizedClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = model
            shape = (1, len(mean), 1, 1)
            self.register_buffer("mean", torch.tensor(list(mean), dtype=torch.float32).view(shape))
            self.register_buffer("std", torch.tensor(list(std), dtype=torch.float32).view(shape))

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            return self.net((images - self.mean) / self.std)

    return NormalizedClassifier().eval()


@contextlib.contextmanager
def _quiet_exporters() -> Iterator[None]:
    """Keep the exporters' warnings and progress logs off the console."""
    names = ("torch.onnx", "torch.export", "torch._export", "onnxscript", "torch._dynamo")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def export_module(
    module: nn.Module,
    path: Path,
    *,
    channels: int,
    image_size: tuple[int, int],
    opset: int | None = None,
    metadata: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Export ``module`` (images N×C×H×W → logits) to ``path`` with a dynamic batch axis;
    return the exporter used (``dynamo`` or ``torchscript``) and the file's opset."""
    import onnx
    import torch

    module = module.eval()
    example = (torch.rand(2, channels, *image_size),)
    exporter, first_error = "dynamo", None
    proto = None
    with _quiet_exporters():
        if opset is None or opset >= DYNAMO_MIN_OPSET:
            try:
                program = torch.onnx.export(
                    module,
                    example,
                    dynamo=True,
                    external_data=False,
                    input_names=[INPUT_NAME],
                    output_names=[OUTPUT_NAME],
                    dynamic_shapes=({0: torch.export.Dim("batch", min=1)},),
                    opset_version=opset,
                    verbose=False,
                )
                proto = program.model_proto
            except Exception as exc:  # noqa: BLE001 - any exporter failure: try the other one
                first_error = exc
                log.info("dynamo exporter failed (%s); trying the TorchScript exporter", exc)
        if proto is None:
            exporter = "torchscript"
            proto = _torchscript_export(module, example, opset, first_error)
    for key, value in (metadata or {}).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    with atomic_path(path) as tmp:
        onnx.save_model(proto, str(tmp))
    version = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)
    return exporter, int(version)


def _torchscript_export(
    module: nn.Module, example: tuple[Any, ...], opset: int | None, first_error: Exception | None
) -> Any:
    import io

    import onnx
    import torch

    buffer = io.BytesIO()
    try:
        torch.onnx.export(
            module,
            example,
            buffer,
            dynamo=False,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=opset,
        )
    except Exception as exc:  # noqa: BLE001 - report the first exporter's reason when both fail
        reason = first_error or exc
        first = str(reason).strip().splitlines()[0] if str(reason).strip() else repr(reason)
        raise InputError(f"ONNX export failed: {first}") from None
    return onnx.load_model_from_string(buffer.getvalue())


# --- ONNX Runtime -----------------------------------------------------------------------------
def ort_session(path: Path, *, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session on ``path`` (``threads``: intra-op threads, default torch's)."""
    import onnxruntime as ort
    import torch

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_session(session: Any, images: np.ndarray) -> np.ndarray:
    return session.run([OUTPUT_NAME], {INPUT_NAME: images})[0]


def basic_validation(
    path: Path, *, channels: int, image_size: tuple[int, int], num_classes: int
) -> dict[str, Any]:
    """``onnx.checker`` and a forward pass in ONNX Runtime for batch 1 and batch 3."""
    import numpy as np
    import onnx

    try:
        onnx.checker.check_model(str(path), full_check=True)
    except Exception as exc:  # noqa: BLE001 - the checker's reason, named with the file
        raise InputError(f"{path}: onnx.checker refused the model ({exc})") from None
    session = ort_session(path)
    rng = np.random.default_rng(0)
    shapes, finite = {}, True
    for batch in (1, 3):
        images = rng.random((batch, channels, *image_size), dtype=np.float32)
        logits = run_session(session, images)
        shapes[str(batch)] = list(logits.shape)
        finite = finite and bool(np.isfinite(logits).all())
    passed = finite and all(s == [int(b), num_classes] for b, s in shapes.items())
    return {"checker": "ok", "output_shapes": shapes, "finite": finite, "passed": passed}


def compare_on_loader(
    module: nn.Module, session: Any, loader: Any, *, tolerance: float = DEFAULT_TOLERANCE
) -> dict[str, Any]:
    """PyTorch (``module``, eager, CPU) against ONNX Runtime on every batch of ``loader``
    (images in [0, 1], labels): max abs logit difference, top-1 agreement, both accuracies."""
    import numpy as np
    import torch

    max_diff, agree, correct_torch, correct_ort, count = 0.0, 0, 0, 0, 0
    with torch.inference_mode():
        for images, labels in loader:
            expected = module(images.float()).numpy()
            got = run_session(session, images.float().numpy())
            max_diff = max(max_diff, float(np.abs(expected - got).max()))
            top_torch, top_ort = expected.argmax(1), got.argmax(1)
            labels = np.asarray(labels)
            agree += int((top_torch == top_ort).sum())
            correct_torch += int((top_torch == labels).sum())
            correct_ort += int((top_ort == labels).sum())
            count += len(labels)
    if count == 0:
        raise InputError("comprehensive validation: the test split has no images")
    agreement = agree / count
    return {
        "images": count,
        "max_abs_logit_diff": max_diff,
        "top1_agreement": agreement,
        "pytorch_accuracy": correct_torch / count,
        "onnxruntime_accuracy": correct_ort / count,
        "tolerance": tolerance,
        "passed": max_diff <= tolerance and agreement == 1.0,
    }


def latency_percentiles(
    run: Any, *, min_runs: int = 20, max_runs: int = 200, budget_s: float = 2.0
) -> dict[str, float]:
    """p50/p90/p99 (ms) of ``run()``: 3 warm-up calls, then at least ``min_runs`` timed calls
    and more until ``max_runs`` or ``budget_s`` seconds."""
    import numpy as np

    for _ in range(3):
        run()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < min_runs or (
        len(times) < max_runs and time.perf_counter() - started < budget_s
    ):
        tic = time.perf_counter()
        run()
        times.append((time.perf_counter() - tic) * 1e3)
    p50, p90, p99 = np.percentile(times, [50, 90, 99])
    return {"p50_ms": float(p50), "p90_ms": float(p90), "p99_ms": float(p99), "runs": len(times)}


def benchmark_runtimes(
    module: nn.Module,
    session: Any,
    *,
    channels: int,
    image_size: tuple[int, int],
    batch_sizes: Sequence[int] = BENCHMARK_BATCHES,
    budget_s: float = 2.0,
) -> dict[str, Any]:
    """Latency of PyTorch eager and ONNX Runtime on the same random input, per batch size, and
    the ratio ONNX Runtime p50 / PyTorch p50 (below 1: ONNX Runtime is faster)."""
    import torch

    results: dict[str, Any] = {"threads": torch.get_num_threads(), "device": "cpu"}
    generator = torch.Generator().manual_seed(0)
    for batch in batch_sizes:
        images = torch.rand(batch, channels, *image_size, generator=generator)
        array = images.numpy()

        def eager(images: torch.Tensor = images) -> None:
            with torch.inference_mode():
                module(images)

        def onnx_runtime(array: Any = array) -> None:
            run_session(session, array)

        pytorch = latency_percentiles(eager, budget_s=budget_s)
        ort = latency_percentiles(onnx_runtime, budget_s=budget_s)
        results[f"batch_{batch}"] = {
            "pytorch": pytorch,
            "onnxruntime": ort,
            "onnxruntime_over_pytorch_p50": ort["p50_ms"] / pytorch["p50_ms"],
        }
    return results


# --- checkpoints ------------------------------------------------------------------------------
@dataclass
class ExportResult:
    """One exported checkpoint and what was checked."""

    checkpoint: Path
    onnx_path: Path
    exporter: str
    opset: int
    input_shape: list[Any]
    classes: list[str]
    validation: dict[str, Any] | None = None
    comprehensive: dict[str, Any] | None = None
    benchmark: dict[str, Any] | None = None
    report_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        checks = (self.validation, self.comprehensive)
        return all(check["passed"] for check in checks if check is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint": str(self.checkpoint.resolve()),
            "onnx": str(self.onnx_path.resolve()),
            "exporter": self.exporter,
            "opset": self.opset,
            "input": {"name": INPUT_NAME, "shape": self.input_shape, "dtype": "float32"},
            "output": {"name": OUTPUT_NAME, "shape": ["batch", len(self.classes)]},
            "normalization": NORMALIZATION,
            "classes": self.classes,
            "validation": self.validation,
            "comprehensive_validation": self.comprehensive,
            "benchmark": self.benchmark,
            "passed": self.passed,
            "report": str(self.report_path.resolve()) if self.report_path else None,
        }

    def lines(self) -> list[str]:
        """What ``benchlab vision export`` prints."""
        out = [
            f"{self.checkpoint} → {self.onnx_path} ({self.exporter} exporter, opset {self.opset})"
        ]
        if self.validation is not None:
            state = "ok" if self.validation["passed"] else "FAILED"
            out.append(f"  validate: {state} (checker, forward pass batch 1 and 3)")
        if self.comprehensive is not None:
            c = self.comprehensive
            state = "ok" if c["passed"] else "FAILED"
            out.append(
                f"  comprehensive: {state}: {c['images']} test images, max abs logit diff "
                f"{c['max_abs_logit_diff']:.3g} (≤ {c['tolerance']:g}), top-1 agreement "
                f"{c['top1_agreement']:.2%}"
            )
        if self.benchmark is not None:
            for key, value in self.benchmark.items():
                if not key.startswith("batch_"):
                    continue
                pt, ort = value["pytorch"], value["onnxruntime"]
                out.append(
                    f"  {key.replace('_', ' ')}: PyTorch p50/p90/p99 {pt['p50_ms']:.3f}/"
                    f"{pt['p90_ms']:.3f}/{pt['p99_ms']:.3f} ms, ONNX Runtime "
                    f"{ort['p50_ms']:.3f}/{ort['p90_ms']:.3f}/{ort['p99_ms']:.3f} ms "
                    f"(ratio {value['onnxruntime_over_pytorch_p50']:.2f})"
                )
        if self.report_path is not None:
            out.append(f"  report: {self.report_path}")
        return out


def checkpoint_paths(pattern: str) -> list[Path]:
    """The checkpoint a path names, or every file a glob pattern matches (sorted)."""
    if glob.has_magic(pattern):
        found = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        if not found:
            raise InputError(f"--checkpoint {pattern!r} matches no file")
        return found
    path = Path(pattern)
    if not path.is_file():
        raise InputError(f"checkpoint {path} does not exist")
    return [path]


def checkpoint_test_loader(
    checkpoint: Checkpoint, image_size: tuple[int, int], batch_size: int = 64
) -> Any:
    """The test split of the checkpoint's data, images in [0, 1] (no normalisation: the
    exported graph normalises), at ``image_size``."""
    from torch.utils.data import DataLoader

    from benchlab.vision.data.dataset import IndexedImageDataset
    from benchlab.vision.data.splits import read_split

    data = checkpoint.config.get("data", {})
    data_dir = Path(data.get("data_dir", ""))
    if not data_dir.is_dir():
        raise InputError(
            f"comprehensive validation needs the checkpoint's data: {data_dir} does not exist "
            f"(checkpoint {checkpoint.path})"
        )
    split = read_split(data_dir, int(data.get("fold", 0)))
    dataset = IndexedImageDataset(
        data_dir,
        split.test,
        checkpoint.classes,
        transform=None,
        channels=checkpoint.channels,
        image_size=image_size,
    )
    return DataLoader(dataset, batch_size=batch_size, shuffle=False)


def export_checkpoint(
    checkpoint_path: Path,
    *,
    output: Path | None = None,
    opset: int | None = None,
    input_size: tuple[int, int] | None = None,
    validate: bool = False,
    comprehensive: bool = False,
    benchmark: bool = False,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ExportResult:
    """Export one checkpoint to ``output`` (default: beside it, ``best.pt`` → ``best.onnx``)
    and run the checks asked for; the checks' results go to ``validation_report.json``."""
    import torch

    from benchlab.neural.session import torch_session
    from benchlab.runs import sha256_file
    from benchlab.vision.checkpoints import build_model, load_checkpoint

    if opset is not None and opset < 7:
        raise InputError(f"--opset must be at least 7; got {opset}")
    checkpoint = load_checkpoint(checkpoint_path)
    size = tuple(int(v) for v in (input_size or checkpoint.image_size))
    if len(size) != 2 or min(size) < 1:
        raise InputError(f"--input-size must be two positive integers H W; got {input_size}")
    image_size = (size[0], size[1])
    onnx_path = Path(output) if output is not None else checkpoint_path.with_suffix(".onnx")
    if onnx_path.suffix != ".onnx":
        raise InputError(f"--output {onnx_path} must end in .onnx")
    with torch_session(n_threads=-1):
        module = with_normalization(build_model(checkpoint), checkpoint.mean, checkpoint.std)
        with torch.inference_mode():
            try:
                module(torch.rand(1, checkpoint.channels, *image_size))
            except RuntimeError as exc:
                first = str(exc).splitlines()[0]
                raise InputError(
                    f"{checkpoint_path}: the network does not take {image_size[0]}×"
                    f"{image_size[1]} images ({first})"
                ) from None
        metadata = {
            "benchlab.classes": json.dumps(checkpoint.classes),
            "benchlab.mean": json.dumps(list(checkpoint.mean)),
            "benchlab.std": json.dumps(list(checkpoint.std)),
            "benchlab.image_size": json.dumps(list(image_size)),
            "benchlab.channels": str(checkpoint.channels),
            "benchlab.normalization": NORMALIZATION,
            "benchlab.checkpoint_sha256": sha256_file(checkpoint_path),
        }
        exporter, version = export_module(
            module,
            onnx_path,
            channels=checkpoint.channels,
            image_size=image_size,
            opset=opset,
            metadata=metadata,
        )
        result = ExportResult(
            checkpoint=checkpoint_path,
            onnx_path=onnx_path,
            exporter=exporter,
            opset=version,
            input_shape=["batch", checkpoint.channels, *image_size],
            classes=list(checkpoint.classes),
        )
        log.info("exported %s to %s (%s, opset %d)", checkpoint_path, onnx_path, exporter, version)
        if validate or comprehensive:
            result.validation = basic_validation(
                onnx_path,
                channels=checkpoint.channels,
                image_size=image_size,
                num_classes=checkpoint.num_classes,
            )
        if comprehensive:
            loader = checkpoint_test_loader(checkpoint, image_size)
            result.comprehensive = compare_on_loader(
                module, ort_session(onnx_path), loader, tolerance=tolerance
            )
        if benchmark:
            result.benchmark = benchmark_runtimes(
                module, ort_session(onnx_path), channels=checkpoint.channels, image_size=image_size
            )
    if validate or comprehensive or benchmark:
        result.report_path = write_report(result)
    return result


def write_report(result: ExportResult) -> Path:
    """Add ``result`` to ``validation_report.json`` beside its ONNX file (keyed by file name,
    so the reports of ``best.onnx`` and ``last.onnx`` live side by side)."""
    path = result.onnx_path.parent / REPORT_FILE
    report: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text())
            report = loaded if isinstance(loaded, dict) else {}
        except json.JSONDecodeError:
            report = {}
    result.report_path = path
    report[result.onnx_path.name] = result.to_json()
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2, allow_nan=False))
    return path


def export_checkpoints(
    pattern: str,
    *,
    output: Path | None = None,
    opset: int | None = None,
    input_size: tuple[int, int] | None = None,
    validate: bool = False,
    comprehensive: bool = False,
    benchmark: bool = False,
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[ExportResult]:
    """Export every checkpoint ``pattern`` names (a path or a glob); ``output`` names one file
    and so takes one checkpoint."""
    paths = checkpoint_paths(pattern)
    if output is not None and len(paths) > 1:
        raise InputError(
            f"--output names one file but {pattern!r} matches {len(paths)} checkpoints; leave "
            "--output out to write each .onnx beside its checkpoint"
        )
    return [
        export_checkpoint(
            path,
            output=output,
            opset=opset,
            input_size=input_size,
            validate=validate,
            comprehensive=comprehensive,
            benchmark=benchmark,
            tolerance=tolerance,
        )
        for path in paths
    ]
