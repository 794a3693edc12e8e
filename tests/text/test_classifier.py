"""The TextClassifier protocol: what isinstance accepts and refuses."""

from __future__ import annotations

from benchlab.text.classifier import TextClassifier
from tests.text.test_speed import SleepyClassifier


def test_a_complete_classifier_meets_the_protocol() -> None:
    assert isinstance(SleepyClassifier(0.0), TextClassifier)


def test_an_object_without_count_tokens_does_not() -> None:
    class NoTokens:
        name = "x"
        labels = ["a"]
        device = "cpu"

        def predict(self, texts):
            return texts

        def predict_proba(self, texts):
            return texts

    assert not isinstance(NoTokens(), TextClassifier)
