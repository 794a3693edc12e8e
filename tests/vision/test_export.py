"""ONNX export of vision checkpoints: the graph, its checks, its latency and bad checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from benchlab.errors import InputError
from benchlab.vision.checkpoints import build_model, load_checkpoint
from benchlab.vision.export import (
    INPUT_NAME,
    REPORT_FILE,
    export_checkpoint,
    export_checkpoints,
    ort_session,
    run_session,
)
from tests.vision.checkpoint_factory import digits_run_config, untrained_checkpoint


@pytest.fixture(scope="module")
def checkpoint(digits_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    config = digits_run_config(digits_dir, folder / "runs")
    return untrained_checkpoint(config, folder / "weights" / "best.pt")


def test_export_has_a_dynamic_batch_and_normalises_inside_the_graph(
    checkpoint: Path, tmp_path: Path
) -> None:
    result = export_checkpoint(checkpoint, output=tmp_path / "model.onnx")
    assert result.exporter == "dynamo" and result.report_path is None  # no check asked
    model = onnx.load(str(result.onnx_path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].dim_value  # batch: a named, dynamic axis
    meta = {p.key: p.value for p in model.metadata_props}
    state = load_checkpoint(checkpoint)
    assert json.loads(meta["benchlab.classes"]) == state.classes
    # the graph takes pixels in [0, 1] and does (x - mean) / std itself
    pixels = np.random.default_rng(1).random((5, state.channels, *state.image_size), np.float32)
    mean = torch.tensor(state.mean).view(1, -1, 1, 1)
    std = torch.tensor(state.std).view(1, -1, 1, 1)
    with torch.inference_mode():
        expected = build_model(state)((torch.from_numpy(pixels) - mean) / std).numpy()
    got = run_session(ort_session(result.onnx_path), pixels)
    assert got.shape == (5, len(state.classes))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-4)


def test_comprehensive_validation_matches_pytorch_on_the_test_split(checkpoint: Path) -> None:
    result = export_checkpoint(checkpoint, comprehensive=True)
    assert result.onnx_path == checkpoint.with_suffix(".onnx")
    check = result.comprehensive
    assert check is not None and check["passed"] and result.passed
    assert check["images"] == len(
        (Path(load_checkpoint(checkpoint).config["data"]["data_dir"]) / "splits" / "test.txt")
        .read_text()
        .split()
    )
    assert check["max_abs_logit_diff"] <= 1e-4 and check["top1_agreement"] == 1.0
    assert check["pytorch_accuracy"] == check["onnxruntime_accuracy"]
    assert result.validation is not None and result.validation["passed"]
    assert result.validation["output_shapes"] == {"1": [1, 10], "3": [3, 10]}
    report = json.loads((checkpoint.parent / REPORT_FILE).read_text())
    entry = report[result.onnx_path.name]
    assert entry["comprehensive_validation"]["max_abs_logit_diff"] == check["max_abs_logit_diff"]
    assert "inside the graph" in entry["normalization"]


def test_benchmark_reports_latency_percentiles_for_both_runtimes(
    checkpoint: Path, tmp_path: Path
) -> None:
    result = export_checkpoint(checkpoint, output=tmp_path / "b.onnx", benchmark=True)
    assert result.benchmark is not None
    for batch in ("batch_1", "batch_32"):
        entry = result.benchmark[batch]
        for runtime in ("pytorch", "onnxruntime"):
            times = entry[runtime]
            assert 0 < times["p50_ms"] <= times["p90_ms"] <= times["p99_ms"]
            assert times["runs"] >= 20
        ratio = entry["onnxruntime"]["p50_ms"] / entry["pytorch"]["p50_ms"]
        assert entry["onnxruntime_over_pytorch_p50"] == pytest.approx(ratio)
    report = json.loads((tmp_path / REPORT_FILE).read_text())
    assert set(report["b.onnx"]["benchmark"]) >= {"batch_1", "batch_32", "threads"}


def test_an_opset_below_18_goes_through_the_torchscript_exporter(
    checkpoint: Path, tmp_path: Path
) -> None:
    result = export_checkpoint(checkpoint, output=tmp_path / "old.onnx", opset=14, validate=True)
    assert (result.exporter, result.opset) == ("torchscript", 14)
    assert result.validation is not None and result.validation["passed"]
    model = onnx.load(str(result.onnx_path))
    assert model.graph.input[0].name == INPUT_NAME
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_an_input_size_resizes_the_graph_and_the_test_images(
    checkpoint: Path, tmp_path: Path
) -> None:
    result = export_checkpoint(
        checkpoint, output=tmp_path / "big.onnx", input_size=(16, 12), comprehensive=True
    )
    assert result.input_shape == ["batch", 1, 16, 12]
    assert result.comprehensive is not None and result.comprehensive["passed"]


def test_a_glob_exports_every_checkpoint_beside_itself(checkpoint: Path, tmp_path: Path) -> None:
    folder = tmp_path / "weights"
    folder.mkdir()
    for name in ("best.pt", "last.pt"):
        for suffix in ("", ".sha256"):
            (folder / f"{name}{suffix}").write_bytes(
                (checkpoint.parent / f"best.pt{suffix}").read_bytes()
            )
    (folder / "last.pt.sha256").write_text(
        (folder / "last.pt.sha256").read_text().replace("best.pt", "last.pt")
    )
    results = export_checkpoints(str(folder / "*.pt"), validate=True)
    assert [r.onnx_path.name for r in results] == ["best.onnx", "last.onnx"]
    report = json.loads((folder / REPORT_FILE).read_text())
    assert set(report) == {"best.onnx", "last.onnx"}
    with pytest.raises(InputError, match="--output names one file but .* matches 2"):
        export_checkpoints(str(folder / "*.pt"), output=tmp_path / "one.onnx")
    with pytest.raises(InputError, match="matches no file"):
        export_checkpoints(str(tmp_path / "nothing" / "*.pt"))


def test_a_checkpoint_that_is_not_benchlabs_or_fails_its_check_is_named(
    checkpoint: Path, tmp_path: Path
) -> None:
    from benchlab.runs import sha256_file

    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    (tmp_path / "foreign.pt.sha256").write_text(f"{sha256_file(foreign)}  foreign.pt\n")
    with pytest.raises(InputError, match=f"{foreign} is not a benchlab vision checkpoint"):
        export_checkpoint(foreign)
    tampered = tmp_path / "tampered.pt"
    tampered.write_bytes(checkpoint.read_bytes() + b"x")
    (tmp_path / "tampered.pt.sha256").write_text((checkpoint.parent / "best.pt.sha256").read_text())
    with pytest.raises(InputError, match=f"{tampered} fails its SHA-256 check"):
        export_checkpoint(tampered)
    assert not list(tmp_path.glob("*.onnx"))
