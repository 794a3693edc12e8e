"""Errors that benchlab reports to a user as one clear line (CLI exit status 2)."""

from __future__ import annotations


class BenchlabError(Exception):
    """Base class of every error benchlab raises on purpose."""


class InputError(BenchlabError, ValueError):
    """Bad input: a file, column, value, config key or hyperparameter that cannot be used.

    The message names what is wrong and where, e.g.
    ``train_data_target.feather: column 'target' has 3 non-finite values (bdID 4, 17, 90)``.
    """


class FitError(BenchlabError):
    """A model failed to fit on a given slice of data."""
