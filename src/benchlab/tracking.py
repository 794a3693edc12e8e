"""MLflow tracking for runs and trials that can never break a run.

Every call into MLflow goes through an explicit ``MlflowClient`` (no global fluent state), is
made only while the tracker is healthy, and turns any MLflow failure into one warning on the
``benchlab.tracking`` logger, after which the tracker stays off. MLflow is imported lazily, and
not at all when tracking is disabled.

>>> tracker = Tracker(TrackingConfig(), output_dir=Path("runs"), experiment="m5")  # doctest: +SKIP
>>> with tracker.run("lgbm", params={"models": [{"n_estimators": 200}]}) as run:  # doctest: +SKIP
...     run.log_metrics({"rmsse": 0.81, "pinball_0.1": None})
...     run.log_artifacts(run_folder.path)
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from benchlab.plain import plain_data
from benchlab.runs import safe_name

if TYPE_CHECKING:  # pragma: no cover
    from mlflow import MlflowClient

_log = logging.getLogger("benchlab.tracking")

# Limits of mlflow.utils.validation (MLflow 3): key length, value lengths, entities per batch.
MAX_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
_PARAMS_PER_BATCH = 100
_METRICS_PER_BATCH = 1000
# MLflow accepts word characters, ".", "-", "/", " " (and ":" except on Windows) in keys.
_BAD_KEY_CHARS = re.compile(r"[^\w./ -]")
_PROBE_TIMEOUT_S = 5.0

PARENT_RUN_TAG = "mlflow.parentRunId"


class TrackingConfig(BaseModel):
    """The ``tracking:`` section of a run config."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    uri: str | None = None
    """Tracking server or store URI; ``None`` = SQLite store under the run output root."""
    experiment: str | None = None
    """MLflow experiment name; ``None`` = the run config's name."""


def local_tracking_uri(output_dir: Path) -> str:
    """The default store: ``<output_dir>/mlflow.db`` (artifacts go to ``<output_dir>/mlartifacts``).

    >>> local_tracking_uri(Path("/data/runs"))
    'sqlite:////data/runs/mlflow.db'
    """
    return f"sqlite:///{Path(os.path.abspath(output_dir)).as_posix()}/mlflow.db"


def metric_key(key: str) -> str:
    """``key`` as MLflow accepts it: other characters become ``_``, no empty path segments.

    >>> metric_key("pinball_0.1"), metric_key("wape@sku#2"), metric_key("/a//b/../c")
    ('pinball_0.1', 'wape_sku_2', 'a/b/_/c')
    """
    cleaned = _BAD_KEY_CHARS.sub("_", str(key))
    parts = [p if p not in (".", "..") else "_" for p in cleaned.split("/") if p]
    return ("/".join(parts) or "_")[:MAX_KEY_LENGTH]


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested mappings (and lists holding mappings) as dotted keys, every value a string.

    Lists of plain values are kept whole, as text.

    >>> flatten_params({"models": [{"type": "lightgbm", "n_estimators": 200}], "lags": [1, 7]})
    {'models.0.type': 'lightgbm', 'models.0.n_estimators': '200', 'lags': '[1, 7]'}
    """
    flat: dict[str, str] = {}
    for key, raw in params.items():
        name, value = f"{prefix}{key}", plain_data(raw)
        if isinstance(value, Mapping) and value:
            flat.update(flatten_params(value, f"{name}."))
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            flat.update(flatten_params({str(i): v for i, v in enumerate(value)}, f"{name}."))
        else:
            flat[name] = _text(value)
    return flat


def _text(value: Any) -> str:
    """Strings as they are, lists and mappings as JSON, anything else through ``str``."""
    if isinstance(value, str):
        return str(value.value) if isinstance(value, Enum) else value
    if isinstance(value, list | tuple | Mapping):
        return json.dumps(value, default=_text)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Path):
        return value.as_posix()
    return str(value)


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0].strip() if lines else ''}".rstrip(": ")


def _probe(uri: str) -> None:
    """Fail fast on an unreachable HTTP server (MLflow itself retries for minutes)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    with socket.create_connection((parts.hostname, port), timeout=_PROBE_TIMEOUT_S):
        pass


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Tracker:
    """Logs runs to one MLflow experiment; turns itself off at the first MLflow failure."""

    def __init__(self, config: TrackingConfig, *, output_dir: Path, experiment: str) -> None:
        self.config = config
        self.output_dir = Path(output_dir)
        self.experiment = config.experiment or experiment
        self.uri = config.uri or local_tracking_uri(self.output_dir)
        self.failed = False
        self._client: MlflowClient | None = None
        self._experiment_id: str | None = None

    @property
    def active(self) -> bool:
        """Whether calls still go to MLflow (enabled and no failure so far)."""
        return self.config.enabled and not self.failed

    def __getstate__(self) -> dict[str, Any]:
        """Picklable for worker processes: the client is rebuilt there on first use."""
        return {**self.__dict__, "_client": None, "_experiment_id": None}

    @contextmanager
    def run(
        self,
        name: str,
        *,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_run_id: str | None = None,
    ) -> Iterator[TrackedRun]:
        """One MLflow run, FINISHED on success, FAILED (KILLED on Ctrl-C) if the body raises.

        The body's exception propagates unchanged; MLflow's own errors never do.
        """
        tracked = TrackedRun(self, None)
        run_tags = {metric_key(k): _text(v)[:MAX_TAG_VALUE_LENGTH] for k, v in (tags or {}).items()}
        if parent_run_id:
            run_tags[PARENT_RUN_TAG] = parent_run_id
        if self.active:
            try:
                client, experiment_id = self._connect()
                created = client.create_run(experiment_id, run_name=name, tags=run_tags)
                tracked.run_id = created.info.run_id
            except Exception as error:
                self._fail(error)
        if params:
            tracked.log_params(params)
        try:
            yield tracked
        except BaseException as error:
            tracked._end("FAILED" if isinstance(error, Exception) else "KILLED")
            raise
        tracked._end("FINISHED")

    def _connect(self) -> tuple[MlflowClient, str]:
        if self._client is not None and self._experiment_id is not None:
            return self._client, self._experiment_id
        artifact_location = None
        if self.config.uri is None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            root = Path(os.path.abspath(self.output_dir)) / "mlartifacts"
            artifact_location = (root / safe_name(self.experiment)).as_uri()
        else:
            _probe(self.uri)
        from benchlab.extras import require

        require("mlflow", "tracking", what="tracking (MLflow)")
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        # MLflow announces creating and migrating its tables at INFO: not news for our users.
        logging.getLogger("mlflow.store.db.utils").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        client = MlflowClient(tracking_uri=self.uri)
        experiment = client.get_experiment_by_name(self.experiment)
        if experiment is None:
            try:
                experiment_id = client.create_experiment(
                    self.experiment, artifact_location=artifact_location
                )
            except MlflowException:  # created meanwhile by another process
                experiment = client.get_experiment_by_name(self.experiment)
                if experiment is None:
                    raise
                experiment_id = experiment.experiment_id
        else:
            experiment_id = experiment.experiment_id
            if experiment.lifecycle_stage == "deleted":
                client.restore_experiment(experiment_id)
        self._client, self._experiment_id = client, experiment_id
        return client, experiment_id

    def _call(self, action: Callable[[MlflowClient], object]) -> None:
        if not self.active or self._client is None:
            return
        try:
            action(self._client)
        except Exception as error:
            self._fail(error)

    def _fail(self, error: BaseException) -> None:
        if self.failed:
            return
        self.failed = True
        _log.warning(
            "MLflow tracking to %s failed, tracking is off for the rest of this run "
            "(the run folder is unaffected): %s",
            self.uri,
            _first_line(error),
        )
        _log.debug("MLflow tracking failure", exc_info=error)


class TrackedRun:
    """Handle on one MLflow run; every method is a no-op once tracking is off."""

    def __init__(self, tracker: Tracker, run_id: str | None) -> None:
        self._tracker = tracker
        self.run_id = run_id
        """MLflow run id; ``None`` when tracking is disabled or the run could not be created."""
        self._params: dict[str, str] = {}

    def _call(self, action: Callable[[MlflowClient], object]) -> None:
        if self.run_id is not None:
            self._tracker._call(action)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log ``params`` flattened (``models.0.n_estimators``), values cut to MLflow's limit.

        A key logged before keeps its first value (MLflow refuses to change it).
        """
        if self.run_id is None or not self._tracker.active:
            return
        fresh: dict[str, str] = {}
        for raw_key, raw_value in flatten_params(params).items():
            key, value = metric_key(raw_key), raw_value[:MAX_PARAM_VALUE_LENGTH]
            previous = self._params.get(key, fresh.get(key))
            if previous is None:
                fresh[key] = value
            elif previous != value:
                _log.warning(
                    "param %r already logged as %r, not changed to %r", key, previous, value
                )
        if not fresh:
            return
        from mlflow.entities import Param

        def send(client: MlflowClient) -> None:
            entries = [Param(k, v) for k, v in fresh.items()]
            for chunk in _chunks(entries, _PARAMS_PER_BATCH):
                client.log_batch(self.run_id, params=chunk, synchronous=True)
            self._params.update(fresh)

        self._call(send)

    def log_metrics(self, metrics: Mapping[str, float | None], step: int | None = None) -> None:
        """Log the finite numeric values of ``metrics``; None, NaN and inf are skipped."""
        if self.run_id is None or not self._tracker.active:
            return
        values: dict[str, float] = {}
        for key, value in metrics.items():
            if isinstance(value, numbers.Real) and math.isfinite(value):
                values[metric_key(key)] = float(value)
        if not values:
            return
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        entries = [Metric(k, v, stamp, step or 0) for k, v in values.items()]

        def send(client: MlflowClient) -> None:
            for chunk in _chunks(entries, _METRICS_PER_BATCH):
                client.log_batch(self.run_id, metrics=chunk, synchronous=True)

        self._call(send)

    def log_artifacts(self, directory: Path, artifact_path: str | None = None) -> None:
        """Copy the files under ``directory`` into the run's artifacts (under ``artifact_path``)."""
        if self.run_id is not None and self._tracker.active and not Path(directory).is_dir():
            _log.warning("no artifact folder %s, nothing logged", directory)
            return
        self._call(lambda c: c.log_artifacts(self.run_id, str(directory), artifact_path))

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set tags, values as text cut to MLflow's limit."""
        if self.run_id is None or not self._tracker.active or not tags:
            return
        from mlflow.entities import RunTag

        entries = [RunTag(metric_key(k), _text(v)[:MAX_TAG_VALUE_LENGTH]) for k, v in tags.items()]

        def send(client: MlflowClient) -> None:
            for chunk in _chunks(entries, _PARAMS_PER_BATCH):
                client.log_batch(self.run_id, tags=chunk, synchronous=True)

        self._call(send)

    def _end(self, status: str) -> None:
        self._call(lambda c: c.set_terminated(self.run_id, status))
