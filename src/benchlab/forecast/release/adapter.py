"""What releases need from forecasting: the files of a run and an experiment, the
``<strategy>/<model>`` layout, saved models rebuilt from their own files, the model card,
serving, monitoring and ONNX export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.errors import InputError
from benchlab.release.adapter import ExportReport, ReleaseAdapter
from benchlab.runs import safe_name

if TYPE_CHECKING:
    import polars as pl

    from benchlab.forecast.models.base import ForecastModel
    from benchlab.release.manager import LoadedRelease

STRATEGIES = ("combined", "individual")


class ForecastReleaseAdapter(ReleaseAdapter):
    """One experiment (model × strategy) of a forecast run, as a release."""

    task: ClassVar[str] = "forecast"
    run_files: ClassVar[tuple[str, ...]] = (
        "config.yaml",
        "dataset.json",
        "feature_mapping.json",
        "leaderboard.csv",
    )
    experiment_files: ClassVar[tuple[str, ...]] = (
        "metrics.json",
        "per_sku_metrics.parquet",
        "failures.json",
    )
    selection_keys: ClassVar[tuple[str, ...]] = ("model", "strategy")

    def check_selection(self, selection: dict[str, str]) -> None:
        super().check_selection(selection)
        strategy = selection.get("strategy")
        if strategy is not None and strategy not in STRATEGIES:
            raise InputError(f"strategy must be combined or individual; got {strategy!r}")

    def experiment_path(self, run_dir: Path, row: dict[str, Any]) -> Path:
        return run_dir / row["strategy"] / safe_name(row["model"])

    def release_info(self, run_dir: Path, experiment: Path, row: dict[str, Any]) -> dict[str, Any]:
        from benchlab.forecast.model_types import saved_model_type

        first = next((p for p in sorted((experiment / "models").iterdir()) if p.is_dir()), None)
        if first is None:
            raise InputError(f"{experiment / 'models'}: no saved models")
        experiment_info = json.loads((experiment / "metrics.json").read_text())
        return {
            "model_type": saved_model_type(first),
            "strategy": row["strategy"],
            "quantile_alphas": experiment_info.get("quantile_alphas", []),
            "hyperparameters": experiment_info.get("hyperparameters", {}),
            "dataset": json.loads((run_dir / "dataset.json").read_text()),
        }

    def load_models(self, models_dir: Path) -> dict[str, ForecastModel]:
        from benchlab.forecast.model_types import load_saved_model

        return {
            folder.name: load_saved_model(folder)
            for folder in sorted(models_dir.iterdir())
            if folder.is_dir()
        }

    def model_card(self, info: dict[str, Any], release_dir: Path) -> str:
        from benchlab.forecast.release.model_card import model_card

        return model_card(info, release_dir)

    def predict_file(
        self, release: LoadedRelease, input_path: Path, out_path: Path
    ) -> pl.DataFrame:
        from benchlab.forecast.release.serving import predict_file

        return predict_file(release, input_path, out_path)

    def monitor(
        self,
        release: LoadedRelease,
        actuals: Path,
        *,
        margin: float,
        metric: str | None,
        period: str | None,
        output_dir: Path,
    ) -> Any:
        from benchlab.forecast.release.monitor import monitor_release

        return monitor_release(
            release,
            actuals,
            margin=margin,
            metric=metric or "mae",
            period=period,
            output_dir=output_dir,
        )

    def export(
        self,
        models_dir: Path,
        out_dir: Path,
        *,
        label: str,
        source_dir: Path,
        validate: bool,
        benchmark: bool,
        sample: Path | None,
        tolerance: float,
    ) -> ExportReport:
        from benchlab.forecast.release.exporting import export_models

        return export_models(
            models_dir,
            out_dir,
            label=label,
            dataset_file=source_dir / "dataset.json",
            validate=validate,
            benchmark=benchmark,
            sample=sample,
            tolerance=tolerance,
        )
