"""Small input checks shared by the services of several apps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
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


WEB_LINK_SCHEMES = ("http", "https")
WEB_LINK_MAX_LENGTH = 500


def web_link_problem(value: Any) -> str | None:
    """Why `value` may not be stored or shown as a link, or None for an http(s) address.

    Only http and https: javascript:, data:, vbscript:, file: and the like run code or read local
    files when clicked. Whitespace and control characters inside are refused too, because browsers
    drop them while parsing ("java\\tscript:" is javascript:)."""
    if not isinstance(value, str):
        return "give the link as text"
    text = value.strip()
    if len(text) > WEB_LINK_MAX_LENGTH:
        return f"a link is at most {WEB_LINK_MAX_LENGTH} characters"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "a link cannot contain spaces or control characters"
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in WEB_LINK_SCHEMES:
        return f"{text[:60]!r} is not an http:// or https:// address"
    if not rest.startswith("//") or not rest[2:].split("/", 1)[0].split("@")[-1].strip("[]:"):
        return f"{text[:60]!r} has no host name"
    return None


def require_web_link(value: Any, field: str, *, where: str = "") -> str:
    """The stripped http(s) address, or "" for an empty value; anything else is a field error
    naming `field` (and `where`, e.g. "row 7", for an import)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    problem = web_link_problem(value)
    if problem:
        raise ValidationError({field: f"{where}: {problem}" if where else problem})
    return str(value).strip()


def is_web_link(value: Any) -> bool:
    return bool(value) and web_link_problem(value) is None



def decimal_field_limit(max_digits: int, decimal_places: int) -> Decimal:
    """The largest value a DecimalField(max_digits, decimal_places) holds (12, 2 -> 9999999999.99)."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places


def number_problem(value: Any, *, max_digits: int, decimal_places: int, minimum: Decimal | int | None = 0
                   ) -> tuple[Decimal | None, str | None]:
    """(the value as a Decimal, None) or (None, why it cannot be stored in such a DecimalField).

    1e400, inf and NaN are refused: Decimal() takes them, but no column holds them, and a value past
    the field's digits is stored by SQLite as a float that then cannot be read back."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None, f"{str(value)[:40]!r} is not a number"
    limit = decimal_field_limit(max_digits, decimal_places)
    if not number.is_finite() or abs(number) > limit:
        return None, f"give a number no larger than {limit}"
    if minimum is not None and number < minimum:
        return None, f"cannot be below {minimum}" if minimum else "cannot be negative"
    return number, None


def require_number(value: Any, field: str, *, max_digits: int, decimal_places: int,
                   minimum: Decimal | int | None = 0) -> Decimal:
    number, problem = number_problem(value, max_digits=max_digits, decimal_places=decimal_places, minimum=minimum)
    if problem or number is None:
        raise ValidationError({field: problem or "not a number"})
    return number
