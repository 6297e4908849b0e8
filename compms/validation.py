"""Small input checks shared by the services of several apps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError


def require_date(value: Any, field: str) -> dt.date:
    """A date from a date, a datetime or ISO text; otherwise a field error naming `field`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError({field: "Give a date as YYYY-MM-DD."})
