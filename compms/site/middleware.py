"""Request hygiene: refuse, before any view runs, input no field of CompMS can hold.

One place for checks every page and API endpoint would otherwise repeat (and miss somewhere):
- a NUL character (\\x00) in the path, a query parameter, a form field or a JSON string: PostgreSQL
  cannot store it in text and raises on it (SQLite stores it silently), so it is refused everywhere;
- a whole number beyond 64 bits in the path, a query parameter or a JSON body: no database column
  holds it, and the drivers raise OverflowError or DataError on it;
- a number in a JSON body that is not finite (1e400, NaN, Infinity: Python's json reads them);
- JSON nested deeper than MAX_JSON_DEPTH, checked on the raw text before it is parsed (a deep
  document costs the parser and every recursive walk after it), and bodies over Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE.
File uploads (multipart file parts) are binary and are not inspected. The answer is 400 naming the
parameter or field (422 for a number inside a JSON body, as the API's own validation answers).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

MAX_JSON_DEPTH = 32
MAX_PAGE = 10**9
LARGEST_INTEGER = 2**63 - 1  # a signed 64-bit column, the widest integer either database stores
_DIGITS = re.compile(r"[+-]?\d+")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
_JSON_NUL = re.compile(rb"\\u0000|\x00", re.IGNORECASE)
_JSON_BIG_NUMBER = re.compile(rb"\d{19}|[eE][+-]?\d{3}|NaN|Infinity")


class Refusal(Exception):
    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status


def _too_large(text: str) -> bool:
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return False
    digits = text.lstrip("+-").lstrip("0")
    # Longer than any 64-bit number: decided without int(), which refuses texts of over 4,300 digits.
    return len(digits) > 19 or abs(int(text)) > LARGEST_INTEGER


def check_text(field: str, value: str, *, numbers: bool = True) -> None:
    if "\x00" in value:
        raise Refusal(field, "contains a NUL character (\\x00), which cannot be stored")
    if numbers and len(value) > 18 and _too_large(value):
        raise Refusal(field, f"the number is too large (the largest allowed is {LARGEST_INTEGER})")


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without parsing it."""
    brackets = _JSON_BRACKET.findall(_JSON_STRING.sub(b'""', body))
    steps = (1 if b in (b"[", b"{") else -1 for b in brackets)
    return max(accumulate(steps, initial=0))


def _walk(value: Any, where: str) -> Iterator[tuple[str, Any]]:
    stack = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                yield f"{path}.{key}" if path else str(key), key
                stack.append((f"{path}.{key}" if path else str(key), inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))
        else:
            yield path, item


def check_json(body: bytes) -> None:
    if not body.strip():
        return
    if json_depth(body) > MAX_JSON_DEPTH:
        raise Refusal("body", f"JSON nested more than {MAX_JSON_DEPTH} levels deep is not accepted")
    if not (_JSON_NUL.search(body) or _JSON_BIG_NUMBER.search(body)):
        return  # the common case: nothing a value-by-value walk could find
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # the view answers malformed JSON itself
    for path, value in _walk(document, ""):
        field = path or "body"
        if isinstance(value, str):
            if "\x00" in value:
                raise Refusal(field, "contains a NUL character (\\x00), which cannot be stored")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) > LARGEST_INTEGER:
            raise Refusal(field, f"the number is too large (the largest allowed is {LARGEST_INTEGER})", 422)
        elif isinstance(value, float) and not math.isfinite(value):
            raise Refusal(field, "give a finite number (not 1e400, NaN or Infinity)", 422)


def check_request(request: HttpRequest) -> None:
    check_text("path", request.path)
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match is not None:
        for name, value in match.kwargs.items():
            if isinstance(value, str):
                check_text(name, value)
            elif isinstance(value, int) and abs(value) > LARGEST_INTEGER:  # a page's <int:pk>
                raise Refusal(name, f"the number is too large (the largest allowed is {LARGEST_INTEGER})")
    for name, values in request.GET.lists():
        check_text("query parameter name", name)
        for value in values:
            check_text(name, value)
            if name == "page" and _DIGITS.fullmatch(value.strip()) and int(value) > MAX_PAGE:
                # Within 64 bits, but the offset page x page size is not: the drivers overflow on it.
                raise Refusal(name, f"there is no page {value.strip()} (at most {MAX_PAGE})")
    content_type = request.content_type or ""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            fields = request.POST
        except Exception:  # noqa: BLE001 - a malformed form is the view's to refuse, not this check's
            return
        for name, values in fields.lists():
            check_text("form field name", name)
            for value in values:
                # A password of twenty digits is a password, not a number.
                check_text(name, value, numbers="password" not in name.lower())
    elif content_type == "application/json" or content_type.endswith("+json") or \
            request.body.lstrip()[:1] in (b"{", b"["):
        # Also JSON sent as text/plain or with no type at all: xAPI intake parses the body whatever its type.
        check_json(request.body)


class RequestHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except Refusal as refusal:
            return self._refuse(request, refusal.status, refusal.field, refusal.message)
        except RequestDataTooBig:
            return self._refuse(request, 400, "body", "the request body is too large")
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, status: int, field: str, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": [{"loc": [field], "field": field, "msg": message}]}, status=status)
        return HttpResponse(f"Bad request: {field}: {message}\n", status=status,
                            content_type="text/plain; charset=utf-8")
