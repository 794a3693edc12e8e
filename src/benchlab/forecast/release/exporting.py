"""``benchlab export`` for forecasting: every saved model of an experiment or a release, as ONNX.

The engine (:func:`benchlab.release.dispatch.export_target`) finds the models folder of a run's
experiment or of a verified release; here each saved model (``combined``, or one per SKU) is
exported into its own sub-folder of the output; with ``validate`` the ONNX outputs are compared
with the native models on sample feature rows, with ``benchmark`` both are timed on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchlab.data.tables import scan_table
from benchlab.errors import InputError
from benchlab.forecast.release.onnx_export import (
    LatencyResult,
    OnnxArtifact,
    ParityResult,
    benchmark_onnx,
    export_onnx,
    validate_onnx,
)

SAMPLE_ROWS = 2000


@dataclass
class ExportReport:
    out_dir: Path
    label: str
    sample: str = ""
    artifacts: dict[str, list[OnnxArtifact]] = field(default_factory=dict)
    parity: dict[str, list[ParityResult]] = field(default_factory=dict)
    latency: list[LatencyResult] = field(default_factory=list)

    @property
    def parity_ok(self) -> bool:
        return all(r.ok for results in self.parity.values() for r in results)

    def lines(self) -> list[str]:
        """What ``benchlab export`` prints."""
        return report_lines(self)


def sample_features(
    n_features: int, dataset_file: Path | None, sample: Path | None, *, seed: int = 0
) -> tuple[np.ndarray, str]:
    """Feature rows to validate and time on: ``sample``, else the training source, else random.

    Random rows (standard normal, 5 % NaN) still check that ONNX and native trees agree; real
    rows also cover the value ranges the model saw.
    """
    dataset = {}
    if dataset_file is not None and dataset_file.is_file():
        dataset = json.loads(dataset_file.read_text())
    columns = dataset.get("feature_columns") or []
    candidates = [sample] if sample is not None else []
    if dataset.get("source"):
        candidates.append(Path(dataset["source"]))
    for path in candidates:
        if path.is_file() and len(columns) == n_features:
            X = scan_table(path).select(columns).head(SAMPLE_ROWS).collect()
            return X.to_numpy().astype(np.float32), f"{X.height} rows of {path.name}"
    if sample is not None:
        raise InputError(f"{sample}: cannot read the model's {n_features} feature columns from it")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((SAMPLE_ROWS, n_features)).astype(np.float32)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, f"{SAMPLE_ROWS} random rows (the training data was not found)"


def export_models(
    models_dir: Path,
    out_dir: Path,
    *,
    label: str,
    dataset_file: Path | None = None,
    validate: bool = False,
    benchmark: bool = False,
    sample: Path | None = None,
    tolerance: float = 1e-4,
) -> ExportReport:
    """Export every saved model under ``models_dir`` to ONNX, optionally validated and timed."""
    report = ExportReport(out_dir=out_dir, label=label)
    folders = sorted(p for p in models_dir.iterdir() if p.is_dir())
    X: np.ndarray | None = None
    for folder in folders:
        artifacts = export_onnx(folder, out_dir / folder.name)
        report.artifacts[folder.name] = artifacts
        if not (validate or benchmark):
            continue
        if X is None:
            n_features = _n_features(artifacts[0].path)
            X, report.sample = sample_features(n_features, dataset_file, sample)
        if validate:
            report.parity[folder.name] = validate_onnx(folder, artifacts, X, tolerance=tolerance)
        if benchmark and not report.latency:  # one model is representative of the rest
            report.latency = benchmark_onnx(folder, artifacts, X)
    return report


def _n_features(onnx_path: Path) -> int:
    import onnx

    graph = onnx.load(str(onnx_path)).graph
    dims = graph.input[0].type.tensor_type.shape.dim
    return int(dims[1].dim_value)


def report_lines(report: ExportReport) -> list[str]:
    """What ``benchlab export`` prints about ``report``."""
    n_files = sum(len(a) for a in report.artifacts.values())
    lines = [f"{n_files} ONNX file(s) for {len(report.artifacts)} model(s) → {report.out_dir}"]
    if report.sample:
        lines.append(f"sample: {report.sample}")
    if report.parity:
        worst = max(
            (r for results in report.parity.values() for r in results),
            key=lambda r: r.max_abs_diff,
        )
        status = "ok" if report.parity_ok else "FAILED"
        lines.append(
            f"parity {status}: max |onnx - native| = {worst.max_abs_diff:.3g} "
            f"(output {worst.key}, tolerance {worst.tolerance:g} x max(1, |native|))"
        )
        failed = [
            f"{folder}/{r.key}" for folder, rs in report.parity.items() for r in rs if not r.ok
        ]
        if failed:
            lines.append(f"outputs beyond tolerance: {', '.join(failed[:10])}")
    for r in report.latency:
        lines.append(
            f"{r.runtime:>12}: p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
            f"{r.rows_per_second:,.0f} rows/s (batch {r.batch_rows})"
        )
    if len(report.latency) == 2:
        ratio = report.latency[0].p50_ms / report.latency[1].p50_ms
        lines.append(f"native p50 / onnxruntime p50: {ratio:.2f}x (above 1: onnxruntime faster)")
    return lines
