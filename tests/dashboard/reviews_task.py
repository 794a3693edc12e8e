"""A sentiment task for the dashboard tests: star-rated reviews, three scikit-learn classifiers.

It writes what seed 004's text task measures (accuracy, macro F1, precision, recall, latency
per example, throughput) with real fits and timings on generated reviews, plus the predictions
with the customers' ratings (the NPS tab) and the per-example latencies (the latency plot).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal

import numpy as np
import polars as pl
from pydantic import Field

from benchlab.config import RunConfig
from benchlab.evaluation.leaderboard import ExperimentRecord, Leaderboard
from benchlab.tasks import RunOutcome, Task, TaskSpec

TASK = TaskSpec(
    name="reviews", summary="Sentiment of star-rated reviews.", task=f"{__name__}:Reviews"
)
MODELS = ("majority", "logreg", "centroid")
PARKS = ("California", "Paris", "Hong Kong")
LABELS = np.array(["negative", "negative", "negative", "neutral", "positive", "positive"])


class ReviewsConfig(RunConfig):
    task: Literal["reviews"] = "reviews"
    name: str = "reviews"
    n_reviews: int = Field(600, ge=60)
    models: list[Literal["majority", "logreg", "centroid"]] = Field(
        default_factory=lambda: list(MODELS)
    )


def reviews(n: int, seed: int) -> pl.DataFrame:
    """Ratings 1–5 per park, and 6 features that carry the rating with noise."""
    rng = np.random.default_rng(seed)
    park = rng.integers(0, len(PARKS), n)
    rating = np.clip(
        np.round(rng.normal(3.6 + 0.4 * (park == 0) - 0.5 * (park == 2), 1.2, n)), 1, 5
    )
    features = rating[:, None] * rng.normal(1.0, 0.1, (1, 6)) + rng.normal(0, 1.3, (n, 6))
    return pl.DataFrame(
        {
            "category": np.array(PARKS)[park],
            "rating": rating.astype(np.int64),
            "label": LABELS[rating.astype(int)],
            "features": features,
        }
    )


def classifier(name: str) -> Any:
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import NearestCentroid

    return {
        "majority": DummyClassifier(strategy="most_frequent"),
        "logreg": LogisticRegression(max_iter=500),
        "centroid": NearestCentroid(),
    }[name]


class Reviews(Task):
    name: ClassVar[str] = "reviews"
    config_class: ClassVar[type[ReviewsConfig]] = ReviewsConfig
    primary_metric: ClassVar[str] = "f1_macro"
    greater_is_better: ClassVar[bool] = True

    def dataset_name(self, config: ReviewsConfig) -> str:
        return f"parks{config.n_reviews}"

    def run(self, config: ReviewsConfig, prepared: Any, run, *, progress: bool, console):
        from sklearn.metrics import accuracy_score, precision_recall_fscore_support

        data = reviews(config.n_reviews, config.seed)
        split = int(0.7 * data.height)
        train, test = data[:split], data[split:]
        x_train, x_test = train["features"].to_numpy(), test["features"].to_numpy()
        board = Leaderboard(self.primary_metric, greater_is_better=True)
        predictions, latencies = [], []
        for name in config.models:
            start = time.perf_counter()
            model = classifier(name).fit(x_train, train["label"].to_numpy())
            train_seconds = time.perf_counter() - start
            predicted = model.predict(x_test)
            single = []
            for row in x_test[:40]:
                start = time.perf_counter()
                model.predict(row[None, :])
                single.append(1000.0 * (time.perf_counter() - start))
            starts = range(0, len(x_test) - 31, 32)
            start = time.perf_counter()
            for first in starts:
                model.predict(x_test[first : first + 32])
            throughput = 32 * len(starts) / (time.perf_counter() - start)
            precision, recall, f1, _ = precision_recall_fscore_support(
                test["label"], predicted, average="macro", zero_division=0
            )
            board.add(
                ExperimentRecord(
                    model=name,
                    metrics={
                        "f1_macro": float(f1),
                        "accuracy": float(accuracy_score(test["label"], predicted)),
                        "precision": float(precision),
                        "recall": float(recall),
                        "latency_median_ms": float(np.median(single)),
                        "latency_p99_ms": float(np.percentile(single, 99)),
                        "throughput_samples_per_sec": float(throughput),
                    },
                    info={"train_seconds": train_seconds, "n_test": test.height},
                )
            )
            predictions.append(
                test.select("category", "rating", "label").with_columns(
                    model=pl.lit(name), prediction=pl.Series(predicted)
                )
            )
            latencies.append(pl.DataFrame({"model": name, "latency_ms": single}))
        run.write_parquet("predictions.parquet", pl.concat(predictions))
        run.write_parquet("latency.parquet", pl.concat(latencies))
        return RunOutcome(board.records, board.frame(), self.primary_metric)
