"""Date <-> integer ordinal helpers for the array engine.

The vectorised engine compares dates as int32 proleptic-Gregorian ordinals
(``date.toordinal()``), because numpy compares integers far faster than it
compares ``datetime64`` or Python objects, and int32 halves memory for 1M+ rows.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

import numpy as np

# "Never expires" must compare as later than every real date so that the validity
# test ``valid_until >= as_of`` needs no special case. date.max is ordinal 3,652,059,
# far below the int32 ceiling.
NO_EXPIRY: int = int(np.iinfo(np.int32).max)


def to_ordinal(day: date) -> int:
    """The ordinal of a date, as the array engine stores it."""
    return day.toordinal()


def from_ordinal(ordinal: int) -> date | None:
    """Back from an ordinal; the no-expiry sentinel becomes ``None``."""
    if ordinal == NO_EXPIRY:
        return None
    return date.fromordinal(int(ordinal))


def expiry_ordinal(valid_until: date | None) -> int:
    """The ordinal of an expiry date, with ``None`` (never expires) as ``NO_EXPIRY``."""
    return NO_EXPIRY if valid_until is None else valid_until.toordinal()


def ordinals(days: Iterable[date]) -> np.ndarray:
    """An int32 array of ordinals for dates that are all present."""
    return np.fromiter((day.toordinal() for day in days), dtype=np.int32)


def expiry_ordinals(days: Iterable[date | None]) -> np.ndarray:
    """An int32 array of expiry ordinals, ``None`` mapped to ``NO_EXPIRY``."""
    return np.fromiter((expiry_ordinal(day) for day in days), dtype=np.int32)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 January + 1 = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
