"""The text task's data: labelled texts from a file, a saved ``datasets`` folder or the hub
cache, validated and split (``load_text_data``), and the embedded tweets (``write_tweets``)."""

from benchlab.text.data.loading import load_text_data
from benchlab.text.data.splits import TextSplits

__all__ = ["TextSplits", "load_text_data"]
