"""Seed 004's target on the embedded tweets: LoRA MiniLM against TF-IDF + logistic regression.

    python benchmarks/text_tweets.py [--data data/tweets/tweets.parquet] [--threads N]
                                     [--keep DIR] [key=value ...]

The user's workflow, each step a ``benchlab`` command: ``data tweets`` (skipped when ``--data``
names an existing file), then ``run configs/text_sentiment.yaml --json`` (majority,
tfidf_logreg and MiniLM-L6 on the balanced tweets; any ``key=value`` is passed on, e.g.
``training.epochs=1 data.max_samples=9000``), then ``text benchmark RUN --json``. It prints, on
the held-out test split:

- macro F1 of every model with its bootstrap 95 % interval, and whether MiniLM's interval lies
  wholly above TF-IDF's (the target: it does);
- McNemar's test of MiniLM against TF-IDF (Holm-corrected over all pairs);
- MiniLM's training time against the 20-minute CPU budget, and the whole run's wall time;
- MiniLM's trainable-parameter share (LoRA adapters + classification head).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from benchlab_cli import benchlab_command  # benchmarks/ is on sys.path

CONFIG = (
    Path(__file__).resolve().parents[1] / "src" / "benchlab" / "configs" / "text_sentiment.yaml"
)
BUDGET_MINUTES = 20.0
LORA_MODEL, BASELINE = "MiniLM-L6", "tfidf_logreg"


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """One ``benchlab`` command; its stderr (progress, warnings) goes to ours."""
    done = subprocess.run(
        [*benchlab_command(), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"benchlab {' '.join(args)} failed (exit {done.returncode})")
    return done.stdout


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="an existing tweets.parquet (else written)")
    parser.add_argument("--threads", type=int, default=-1, help="torch threads (-1: all cores)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("overrides", nargs="*", help="key=value overrides of the config")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="text_tweets_"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    started = time.perf_counter()
    if args.data is not None and args.data.is_file():
        tweets = args.data.resolve()
        print(f"data: {tweets}")
    else:
        tweets = work / "data" / "tweets" / "tweets.parquet"
        print(run(["data", "tweets", "--out", str(tweets.parent)], work, env).strip())
    overrides = [
        f"data.source={tweets}",
        f"output_dir={work / 'runs'}",
        "tracking.enabled=false",
        f"training.num_threads={args.threads}",
        *args.overrides,
    ]
    print(f"run: {CONFIG.name} {' '.join(overrides[3:])}", flush=True)
    run_started = time.perf_counter()
    payload = last_json(run(["run", str(CONFIG), *overrides, "--json"], work, env))
    run_seconds = time.perf_counter() - run_started
    run_dir = Path(payload["run_dir"])
    comparison = last_json(run(["text", "benchmark", str(run_dir), "--json"], work, env))
    report(payload, comparison, run_dir, run_seconds, time.perf_counter() - started)


def report(payload: dict, comparison: dict, run_dir: Path, run_s: float, total_s: float) -> None:
    results = {r["model"]: r for r in payload["results"]}
    dataset = json.loads((run_dir / "dataset.json").read_text())
    intervals = {
        (row["model"], row["metric"]): (row["value"], row["low"], row["high"])
        for row in comparison["intervals"]
    }
    print(
        f"\ntweets: train {dataset['n_train']:,}, validation {dataset['n_validation']:,}, "
        f"held-out test {dataset['n_test']:,} ({', '.join(dataset['labels'])}, balanced)"
    )
    print(f"{'model':<14} {'macro F1 [95% CI]':>26} {'accuracy':>9} {'train s':>9} "
          f"{'p50 ms':>8} {'samples/s':>10}")  # fmt: skip
    for model, result in results.items():
        if result.get("status") == "failed":
            print(f"{model:<14} failed: {result.get('error')}")
            continue
        m = result["metrics"]
        f1, low, high = intervals[(model, "f1_macro")]
        print(
            f"{model:<14} {f1:>8.4f} [{low:.4f}, {high:.4f}] {m['accuracy']:>9.4f} "
            f"{m['training_time_s']:>9.1f} {m['latency_median_ms']:>8.2f} "
            f"{m['throughput_samples_per_sec']:>10.1f}"
        )
    if (LORA_MODEL, "f1_macro") in intervals and (BASELINE, "f1_macro") in intervals:
        _, lora_low, _ = intervals[(LORA_MODEL, "f1_macro")]
        _, _, base_high = intervals[(BASELINE, "f1_macro")]
        verdict = "MEETS" if lora_low > base_high else "MISSES"
        print(
            f"target: {LORA_MODEL} macro F1 interval wholly above {BASELINE}'s: {verdict} "
            f"(lower bound {lora_low:.4f} vs upper bound {base_high:.4f})"
        )
        for test in comparison["mcnemar"]:
            if {test["model_a"], test["model_b"]} == {LORA_MODEL, BASELINE}:
                print(
                    f"McNemar {test['model_a']} vs {test['model_b']}: only-a right "
                    f"{test['only_a_correct']}, only-b right {test['only_b_correct']}, "
                    f"Holm p = {test['p_value_holm']:.3g}"
                )
    lora = results.get(LORA_MODEL)
    if lora and lora.get("status") != "failed":
        minutes = lora["metrics"]["training_time_s"] / 60
        verdict = "MEETS" if minutes <= BUDGET_MINUTES else "MISSES"
        print(
            f"{LORA_MODEL} training: {minutes:.1f} min on CPU ({verdict} the "
            f"{BUDGET_MINUTES:.0f}-minute budget); trainable share "
            f"{100 * lora['metrics']['trainable_share']:.3f} % "
            f"({lora['trainable_parameters']:,} of {lora['total_parameters']:,} parameters)"
        )
    print(f"run wall time {run_s / 60:.1f} min (whole script {total_s / 60:.1f} min)")
    print(f"run folder: {run_dir}")


if __name__ == "__main__":
    main()
