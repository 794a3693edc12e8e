"""Frequencies of time-series panels: parsing, inference, season lengths and date grids.

benchlab names a frequency by its canonical Polars interval: ``"1h"``, ``"1d"``, ``"1w"``,
``"1mo"``, ``"1q"`` or ``"1y"``. Users may also write pandas aliases (``"D"``, ``"W-SUN"``,
``"MS"``, ``"ME"``, ``"Q"``, ``"H"`` …) or plain words (``"daily"``, ``"weekly"`` …).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import polars as pl

from benchlab.errors import InputError

HOURLY, DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY = "1h", "1d", "1w", "1mo", "1q", "1y"
FREQUENCIES = (HOURLY, DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY)

#: Frequencies whose periods have a fixed length, in microseconds.
FIXED_STEP_US = {HOURLY: 3_600_000_000, DAILY: 86_400_000_000, WEEKLY: 7 * 86_400_000_000}
#: Calendar frequencies, as a number of months per period.
CALENDAR_STEP_MONTHS = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}

_SEASON_LENGTH = {HOURLY: 24, DAILY: 7, WEEKLY: 52, MONTHLY: 12, QUARTERLY: 4, YEARLY: 1}

_ALIASES = {
    # pandas offset aliases
    "h": HOURLY,
    "H": HOURLY,
    "D": DAILY,
    "W": WEEKLY,
    "M": MONTHLY,
    "MS": MONTHLY,
    "ME": MONTHLY,
    "Q": QUARTERLY,
    "QS": QUARTERLY,
    "QE": QUARTERLY,
    "Y": YEARLY,
    "YS": YEARLY,
    "YE": YEARLY,
    "A": YEARLY,
    "AS": YEARLY,
    # words
    "hourly": HOURLY,
    "daily": DAILY,
    "weekly": WEEKLY,
    "monthly": MONTHLY,
    "quarterly": QUARTERLY,
    "yearly": YEARLY,
    "annual": YEARLY,
}
_PANDAS_ANCHORED = re.compile(r"^(W|Q|QS|QE|Y|YS|YE|A|AS)-[A-Z]{3}$")
_PANDAS_COUNTED = re.compile(r"^1(h|H|D|W|M|MS|ME|Q|QS|QE|Y|YS|YE)$")
_POLARS_INTERVAL = re.compile(r"^1(h|d|w|mo|q|y)$")


def parse_freq(freq: str | None) -> str:
    """Canonical Polars interval of ``freq`` (a pandas alias, a Polars interval or a word).

    >>> parse_freq("W-SUN"), parse_freq("MS"), parse_freq("1d")
    ('1w', '1mo', '1d')
    """
    if not isinstance(freq, str) or not freq.strip():
        raise InputError(f"frequency must be a non-empty string, got {freq!r}")
    text = freq.strip()
    if _POLARS_INTERVAL.match(text):
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    if text.lower() in _ALIASES and len(text) > 2:  # words, case-insensitive
        return _ALIASES[text.lower()]
    anchored = _PANDAS_ANCHORED.match(text)
    if anchored:
        return _ALIASES[anchored.group(1)]
    counted = _PANDAS_COUNTED.match(text)
    if counted:
        return _ALIASES[counted.group(1)]
    raise InputError(
        f"unknown frequency {freq!r} (use one of {', '.join(FREQUENCIES)}, "
        "a pandas alias such as D, W-SUN, MS, ME, Q, H, or daily/weekly/monthly/...)"
    )


def season_length(freq: str) -> int:
    """Periods in one season: 1h→24, 1d→7, 1w→52, 1mo→12, 1q→4, 1y→1."""
    return _SEASON_LENGTH[parse_freq(freq)]


def _freq_of_difference() -> pl.Expr:
    """Expression mapping a column ``diff`` (Duration) to the frequency it suggests, or null."""
    us = pl.col("diff").dt.total_microseconds()
    day = FIXED_STEP_US[DAILY]
    days = us / day
    whole_days = (us % day) == 0
    return (
        pl.when(us == FIXED_STEP_US[HOURLY])
        .then(pl.lit(HOURLY))
        .when(whole_days & (days == 1))
        .then(pl.lit(DAILY))
        .when(whole_days & (days == 7))
        .then(pl.lit(WEEKLY))
        .when(whole_days & days.is_between(28, 31))
        .then(pl.lit(MONTHLY))
        .when(whole_days & days.is_between(89, 92))
        .then(pl.lit(QUARTERLY))
        .when(whole_days & days.is_between(365, 366))
        .then(pl.lit(YEARLY))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _format_step(step: dt.timedelta) -> str:
    if step.seconds == 0 and step.microseconds == 0:
        return f"{step.days} day{'s' if step.days != 1 else ''}"
    return str(step)


def freq_from_differences(diffs: pl.Series, *, source: str = "") -> str:
    """Most common frequency suggested by positive differences between consecutive dates."""
    frame = pl.DataFrame({"diff": diffs}).filter(pl.col("diff") > pl.duration(microseconds=0))
    where = f"{source}: " if source else ""
    if frame.height == 0:
        raise InputError(f"{where}cannot infer the frequency from fewer than two dates; pass freq")
    counts = (
        frame.with_columns(_freq_of_difference().alias("freq"))
        .group_by("freq")
        .len()
        .sort(["len", "freq"], descending=[True, False], nulls_last=True)
    )
    best = counts["freq"][0]
    if best is None:
        common = frame.group_by("diff").len().sort(["len", "diff"], descending=[True, False])
        common = _format_step(common["diff"][0])
        raise InputError(
            f"{where}cannot infer the frequency: the most common step between dates is {common}, "
            f"which is none of {', '.join(FREQUENCIES)}; pass freq"
        )
    return best


def _as_temporal(dates: pl.Series, source: str) -> pl.Series:
    if dates.dtype == pl.Date or isinstance(dates.dtype, pl.Datetime):
        return dates
    where = f"{source}: " if source else ""
    raise InputError(f"{where}cannot infer a frequency from a {dates.dtype} column; need dates")


def infer_freq(dates: pl.Series, *, source: str = "") -> str:
    """Frequency from the most common positive step between consecutive unique dates."""
    dates = _as_temporal(dates, source)
    unique = dates.drop_nulls().unique().sort()
    return freq_from_differences(unique.diff().drop_nulls(), source=source)


def infer_panel_freq(
    frame: pl.DataFrame,
    id_columns: Sequence[str],
    date_column: str = "date",
    *,
    source: str = "",
    assume_sorted: bool = False,
) -> str:
    """Frequency from the most common step between consecutive dates *within* each series.

    Unlike :func:`infer_freq` on all dates, weekly series that fall on different weekdays still
    give ``"1w"``. ``assume_sorted`` skips the sort of a frame already sorted by ids then date.
    """
    _as_temporal(frame[date_column], source)
    ids = list(id_columns)
    lf = frame.lazy().select(*ids, date_column)
    if not assume_sorted:
        lf = lf.sort([*ids, date_column])
    same_series = pl.all_horizontal(pl.col(c) == pl.col(c).shift() for c in ids)
    diffs = (
        lf.select(pl.when(same_series).then(pl.col(date_column).diff()).alias("diff"))
        .drop_nulls()
        .collect()
        .to_series()
    )
    return freq_from_differences(diffs, source=source)


def date_grid(start: dt.date | dt.datetime, end: dt.date | dt.datetime, freq: str) -> pl.Series:
    """Every period from ``start`` to ``end`` (both included) at ``freq``, as a Polars Series."""
    interval = parse_freq(freq)
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime):
        return pl.datetime_range(start, end, interval, eager=True).alias("date")
    if interval == HOURLY:
        raise InputError("an hourly frequency needs datetime values, not dates")
    return pl.date_range(start, end, interval, eager=True).alias("date")
