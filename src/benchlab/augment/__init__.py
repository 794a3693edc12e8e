"""Synthetic sales augmentation (seed 001): a conditional WGAN-GP that writes 7-day sales
sequences from 30 days of history, reviews and calendar, and an LSTM forecaster that measures
whether the synthetic windows help.

Registered with strings only, so importing this package costs nothing.
"""

from benchlab.tasks import TaskSpec

TASK = TaskSpec(
    name="augment",
    summary="Conditional WGAN-GP sales augmentation (Olist) and its effect on an LSTM forecaster.",
    task="benchlab.augment.task:AugmentTask",
    cli="benchlab.augment.cli:app",
    data={"olist": "benchlab.augment.commands.data:data_olist"},
    extra="neural",
    help={"olist": "Olist-shaped CSVs (orders, items, products, reviews) with planted demand."},
)
