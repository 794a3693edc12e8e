"""The one interface every text model meets, baselines and fine-tuned models alike.

The task, the speed benchmark, the report and the release only ever call these members, so a
TF-IDF pipeline and a LoRA-tuned transformer are measured the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TextClassifier(Protocol):
    """A fitted text classifier.

    ``labels`` are the class names in id order: ``predict`` returns ids into it.
    ``count_tokens`` is how many tokens the model reads for ``texts`` (after truncation for a
    transformer; whitespace tokens for the baselines), for throughput in tokens per second.
    ``device`` is where inference runs: ``"cpu"``, ``"cuda"`` or ``"mps"``.
    """

    name: str
    labels: list[str]
    device: str

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Class ids (int64, shape ``[n]``)."""
        ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (float, shape ``[n, len(labels)]``, rows sum to 1)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model reads for ``texts``."""
        ...
