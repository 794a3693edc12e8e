"""The learning-rate range test (seed 002's ``ml-lr-finder``).

The learning rate grows exponentially from ``start_lr`` to ``end_lr`` over ``num_iter`` training
steps (one batch each). The loss is smoothed with an exponential moving average (``beta``, with
bias correction: ``avg / (1 - beta**(i+1))``), and the test stops early once the smoothed loss
exceeds ``diverge_threshold`` × its minimum so far. The suggestion is the learning rate where
the smoothed loss falls fastest (the most negative slope of smoothed loss against log10 of the
learning rate, looked for up to the minimum of the smoothed loss) divided by 10 — seed 002's
"1/10th of the LR at the steepest descent point" — never below ``start_lr``.

:func:`range_test` is the pure sweep over a ``step(lr) -> loss`` callback; :func:`find_lr` runs
it on a vision config's training split and puts the model and optimizer back as they were;
:func:`run_lr_finder` writes ``lr_plot.png``, ``results.json`` and ``lr_finder.log`` into
``<output_dir>/vision/<dataset>/lr_finder_<timestamp>-<hex>/``.

>>> import math
>>> result = range_test(lambda lr: (math.log10(lr) + 3) ** 2 + 1, start_lr=1e-6, end_lr=1.0,
...                     num_iter=50, beta=0.0, diverge_threshold=4.0)
>>> result.stop_reason, 1e-6 <= result.suggested_lr <= 1.0
('diverged', True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.errors import InputError
from benchlab.logs import get_logger

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from torch import nn

    from benchlab.vision.config import VisionRunConfig


log = get_logger("vision.lr_finder")

#: Why a sweep ended.
COMPLETED, DIVERGED, NON_FINITE = "completed", "diverged", "non-finite loss"
#: The suggestion is the steepest-descent learning rate divided by this.
SUGGESTION_DIVISOR = 10.0
SUGGESTION_RULE = "steepest descent of the smoothed loss / 10 (not below start_lr)"


@dataclass(frozen=True)
class LRFinderSettings:
    """The sweep's parameters (the command line's ``--start-lr`` … ``--diverge-threshold``)."""

    start_lr: float = 1e-7
    end_lr: float = 1.0
    num_iter: int = 100
    beta: float = 0.98
    diverge_threshold: float = 4.0

    def __post_init__(self) -> None:
        if not 0 < self.start_lr < self.end_lr:
            raise InputError(
                f"--start-lr must be positive and below --end-lr; got {self.start_lr} and "
                f"{self.end_lr}"
            )
        if self.num_iter < 2:
            raise InputError(f"--num-iter must be at least 2; got {self.num_iter}")
        if not 0 <= self.beta < 1:
            raise InputError(f"--beta must be in [0, 1); got {self.beta}")
        if self.diverge_threshold <= 1:
            raise InputError(f"--diverge-threshold must be above 1; got {self.diverge_threshold}")


@dataclass
class LRFinderResult:
    """What a sweep measured: one entry per step taken, the suggestion and why it stopped."""

    settings: LRFinderSettings
    learning_rates: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed_losses: list[float] = field(default_factory=list)
    stop_reason: str = COMPLETED
    steepest_lr: float | None = None
    suggested_lr: float | None = None

    @property
    def best_loss(self) -> float | None:
        return min(self.smoothed_losses) if self.smoothed_losses else None

    @property
    def best_loss_lr(self) -> float | None:
        if not self.smoothed_losses:
            return None
        return self.learning_rates[self.smoothed_losses.index(min(self.smoothed_losses))]

    def to_json(self) -> dict[str, Any]:
        """``results.json``: settings, every step, the suggestion and the stop reason."""
        return {
            "start_lr": self.settings.start_lr,
            "end_lr": self.settings.end_lr,
            "num_iter": self.settings.num_iter,
            "beta": self.settings.beta,
            "diverge_threshold": self.settings.diverge_threshold,
            "iterations": len(self.learning_rates),
            "stop_reason": self.stop_reason,
            "suggested_lr": self.suggested_lr,
            "steepest_lr": self.steepest_lr,
            "suggestion_rule": SUGGESTION_RULE,
            "best_smoothed_loss": self.best_loss,
            "best_smoothed_loss_lr": self.best_loss_lr,
            "learning_rates": self.learning_rates,
            "losses": self.losses,
            "smoothed_losses": self.smoothed_losses,
        }


def lr_schedule(start_lr: float, end_lr: float, num_iter: int) -> list[float]:
    """``num_iter`` learning rates from ``start_lr`` to ``end_lr``, evenly spaced in log scale.

    >>> lr_schedule(1e-3, 1e-1, 3)
    [0.001, 0.01, 0.1]
    """
    ratio = end_lr / start_lr
    return [float(f"{start_lr * ratio ** (i / (num_iter - 1)):.12g}") for i in range(num_iter)]


def range_test(
    step: Callable[[float], float],
    *,
    start_lr: float = 1e-7,
    end_lr: float = 1.0,
    num_iter: int = 100,
    beta: float = 0.98,
    diverge_threshold: float = 4.0,
) -> LRFinderResult:
    """Call ``step(lr)`` (train one batch at ``lr``, return its loss) along the exponential
    schedule until the smoothed loss diverges, a loss is not finite, or the schedule ends."""
    settings = LRFinderSettings(start_lr, end_lr, num_iter, beta, diverge_threshold)
    result = LRFinderResult(settings)
    average, best = 0.0, math.inf
    for i, lr in enumerate(lr_schedule(start_lr, end_lr, num_iter)):
        loss = float(step(lr))
        if not math.isfinite(loss):
            result.stop_reason = NON_FINITE
            log.info("step %d: lr %.3g gave a non-finite loss; stopping", i, lr)
            break
        average = beta * average + (1 - beta) * loss
        smoothed = average / (1 - beta ** (i + 1))
        result.learning_rates.append(lr)
        result.losses.append(loss)
        result.smoothed_losses.append(smoothed)
        log.debug("step %d: lr %.3g loss %.5f smoothed %.5f", i, lr, loss, smoothed)
        best = min(best, smoothed)
        if smoothed > diverge_threshold * best:
            result.stop_reason = DIVERGED
            log.info(
                "step %d: smoothed loss %.4g > %.3g × best %.4g at lr %.3g; stopping",
                i,
                smoothed,
                diverge_threshold,
                best,
                lr,
            )
            break
    result.steepest_lr = steepest_descent_lr(result.learning_rates, result.smoothed_losses)
    if result.steepest_lr is not None:
        result.suggested_lr = max(result.steepest_lr / SUGGESTION_DIVISOR, start_lr)
    return result


def steepest_descent_lr(learning_rates: list[float], smoothed: list[float]) -> float | None:
    """The learning rate where ``smoothed`` falls fastest against log10(lr), looked for up to
    the lowest smoothed loss; ``None`` when fewer than three points lead there.

    >>> steepest_descent_lr([1e-3, 1e-2, 1e-1, 1.0], [2.0, 1.9, 1.0, 0.9])
    0.01
    """
    if len(smoothed) < 3:
        return None
    stop = smoothed.index(min(smoothed)) + 1
    logs = [math.log10(lr) for lr in learning_rates[:stop]]
    values = smoothed[:stop]
    if len(values) < 3:
        return None
    slopes = [(values[i + 1] - values[i]) / (logs[i + 1] - logs[i]) for i in range(len(values) - 1)]
    steepest = min(range(len(slopes)), key=slopes.__getitem__)
    return learning_rates[steepest]


def lr_figure(result: LRFinderResult) -> Figure:
    """Smoothed (and raw, faint) loss against the learning rate, log scale, with the
    suggestion marked."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    ax.plot(result.learning_rates, result.losses, color="#1f77b4", alpha=0.25, label="loss")
    ax.plot(result.learning_rates, result.smoothed_losses, color="#1f77b4", label="smoothed loss")
    if result.suggested_lr is not None:
        ax.axvline(
            result.suggested_lr,
            color="#d62728",
            linestyle="--",
            label=f"suggested lr {result.suggested_lr:.2e}",
        )
    if result.steepest_lr is not None:
        ax.axvline(
            result.steepest_lr,
            color="#7f7f7f",
            linestyle=":",
            label=f"steepest descent {result.steepest_lr:.2e}",
        )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title(f"Learning-rate range test ({result.stop_reason})")
    ax.legend()
    fig.tight_layout()
    return fig


# --- on a vision config -----------------------------------------------------------------------
def find_lr(
    model: nn.Module,
    optimizer: Any,
    loader: Any,
    *,
    device: Any,
    settings: LRFinderSettings,
    loss_fn: Callable[[Any, Any], Any] | None = None,
) -> LRFinderResult:
    """The range test on ``model`` with ``optimizer`` over batches of ``loader`` (cycled when
    shorter than the sweep); the model's weights, its train/eval mode and the optimizer's
    state are restored afterwards."""
    import copy

    import torch

    loss_fn = loss_fn or torch.nn.functional.cross_entropy
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    was_training = model.training
    batches = _cycle(loader)

    def step(lr: float) -> float:
        for group in optimizer.param_groups:
            group["lr"] = lr
        images, labels = next(batches)
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    model.train()
    try:
        return range_test(
            step,
            start_lr=settings.start_lr,
            end_lr=settings.end_lr,
            num_iter=settings.num_iter,
            beta=settings.beta,
            diverge_threshold=settings.diverge_threshold,
        )
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        model.train(was_training)


def _cycle(loader: Any) -> Any:
    """Batches of ``loader`` for ever (a new pass when one ends); an empty loader is an error."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise InputError("lr-find: the training split has no images")


@dataclass
class LRFinderRun:
    """A finished range test and the folder holding its files."""

    result: LRFinderResult
    out_dir: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir.resolve()),
            "plot": str((self.out_dir / "lr_plot.png").resolve()),
            "suggested_lr": self.result.suggested_lr,
            "stop_reason": self.result.stop_reason,
            "iterations": len(self.result.learning_rates),
        }


def run_lr_finder(
    config: VisionRunConfig, settings: LRFinderSettings, *, console: Any = None
) -> LRFinderRun:
    """The range test on ``config``'s network, optimizer and training split (its fold), written
    to ``<output_dir>/vision/<dataset>/lr_finder_<timestamp>-<hex>/``: ``lr_plot.png``,
    ``results.json`` and ``lr_finder.log``. Nothing is written when the data or the network is
    bad input; the folder appears complete or not at all."""
    import datetime as dt
    import uuid

    from benchlab.logs import log_to_file
    from benchlab.reports.plots import save_figure
    from benchlab.runs import atomic_directory, safe_name
    from benchlab.vision.models import model_label
    from benchlab.vision.optim import create_optimizer
    from benchlab.vision.task import VisionTask
    from benchlab.vision.training import prepare_training, training_session

    prepared = prepare_training(config.model_copy(update={"resume": None}), console=console)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dataset = safe_name(VisionTask().dataset_name(config))
    final = (
        Path(config.output_dir) / "vision" / dataset / f"lr_finder_{stamp}-{uuid.uuid4().hex[:4]}"
    )
    with atomic_directory(final) as tmp, log_to_file(tmp / "lr_finder.log"):
        log.info(
            "lr range test of %s on %s fold %d (%d training images, batch %d, %s on %s): "
            "lr %.3g → %.3g over %d iterations, beta %.3g, diverge threshold %.3g",
            model_label(config.model),
            dataset,
            config.data.fold,
            len(prepared.data.train),
            config.training.batch_size,
            config.optimizer.name,
            prepared.device,
            settings.start_lr,
            settings.end_lr,
            settings.num_iter,
            settings.beta,
            settings.diverge_threshold,
        )
        with training_session(config):
            model = prepared.model.to(prepared.device)
            optimizer = create_optimizer(config.optimizer, model.parameters())
            result = find_lr(
                model,
                optimizer,
                prepared.loaders["train"],
                device=prepared.device,
                settings=settings,
            )
        log.info(
            "%d iteration(s), stopped: %s; steepest descent at lr %s, suggested lr %s (%s)",
            len(result.learning_rates),
            result.stop_reason,
            _lr_text(result.steepest_lr),
            _lr_text(result.suggested_lr),
            SUGGESTION_RULE,
        )
        save_figure(lr_figure(result), tmp / "lr_plot.png")
        payload = {
            **result.to_json(),
            "config": {"name": config.name, "fold": config.data.fold, "seed": config.seed},
            "model": model_label(config.model),
            "optimizer": config.optimizer.name,
            "batch_size": config.training.batch_size,
        }
        (tmp / "results.json").write_text(json.dumps(payload, indent=2, allow_nan=False))
    return LRFinderRun(result, final)


def _lr_text(lr: float | None) -> str:
    return "none" if lr is None else f"{lr:.3g}"
