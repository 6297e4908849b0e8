"""`{{ value|web_link }}`: a stored link only if it is an http(s) address, else "" (so a template
renders no <a href> at all). The services refuse other links already; this is defence in depth for
rows stored before that check or written around it."""

from __future__ import annotations

from typing import Any

from django import template

from compms.validation import is_web_link

register = template.Library()


@register.filter
def web_link(value: Any) -> str:
    return str(value).strip() if is_web_link(value) else ""
