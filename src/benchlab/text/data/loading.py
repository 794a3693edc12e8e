"""``load_text_data``: from ``data.source`` to balanced, stratified, seeded splits."""

from __future__ import annotations

import logging

from benchlab.text.config import TextDataConfig
from benchlab.text.data.sources import read_source
from benchlab.text.data.splits import (
    TextSplits,
    balance_classes,
    split_frame,
    stratified_sample,
)
from benchlab.text.data.validation import validate_rows

log = logging.getLogger(__name__)


def load_text_data(config: TextDataConfig, *, seed: int) -> TextSplits:
    """Read ``config.source``, check every row, encode the labels, then balance (downsample to
    the rarest class when ``config.balance``), subsample (``config.max_samples``, stratified)
    and split train/validation/test (stratified), all from ``seed``.

    Bad input (a missing file or column, an empty text, an unknown label, a class too small to
    split) is one :class:`~benchlab.errors.InputError` naming the file, column and rows.
    """
    table = read_source(config)
    frame, labels = validate_rows(table, config.labels)
    if config.balance:
        frame = balance_classes(frame, seed=seed)
    if config.max_samples is not None:
        frame = stratified_sample(frame, config.max_samples, seed=seed)
    train, validation, test = split_frame(
        frame,
        labels,
        validation_fraction=config.validation_fraction,
        test_fraction=config.test_fraction,
        seed=seed,
        where=table.where,
    )
    splits = TextSplits(train, validation, test, labels=labels, source=table.where)
    log.info("%s: %s rows per split, classes %s", table.where, splits.sizes(), labels)
    return splits
