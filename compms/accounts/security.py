"""Session lifetimes by role, the client address for login throttling, safe `next` targets, and the
audit record of a lock-out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from compms.accounts.models import Role

log = logging.getLogger("compms.security")

# Where the time of the last request is kept in the session (seconds since the epoch).
LAST_SEEN_KEY = "compms_last_seen"
PRIVILEGED_ROLES = frozenset({Role.ADMINISTRATOR, Role.HR})


def is_privileged(user: Any) -> bool:
    """Administrators, HR and anyone who may open the Django admin: they see and change the most,
    so an unattended session of theirs is the most worth stealing."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or PRIVILEGED_ROLES & user.role_codes())


def idle_limit_seconds(user: Any) -> int:
    if is_privileged(user):
        return max(60, int(float(settings.COMPMS_PRIVILEGED_SESSION_MINUTES) * 60))
    return max(60, int(float(settings.COMPMS_SESSION_HOURS) * 3600))


def _write_interval(limit: int) -> float:
    # Storing the time on every request would write the session row on every request; a stamp at most
    # once a minute (or a tenth of a short limit) ends an idle session at most that much early.
    return min(60.0, limit / 10)


def start_session_clock(request: HttpRequest, user: Any) -> None:
    """At log-in: the session's lifetime follows the user's roles from the first response on."""
    limit = idle_limit_seconds(user)
    request.session[LAST_SEEN_KEY] = time.time()
    request.session.set_expiry(limit)


class SessionTimeoutMiddleware:
    """Ends a session idle for longer than the user's limit (see `idle_limit_seconds`).

    The session's own expiry (cookie and store) is set to the same limit, so an abandoned session also
    disappears from the store; the stamp in the session makes the check exact whatever the store."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limit = idle_limit_seconds(user)
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, (int, float)) and now - last_seen > limit:
                log.info("session of %s ended after %d s idle", user.get_username(), int(now - last_seen))
                logout(request)
            elif not isinstance(last_seen, (int, float)) or now - last_seen > _write_interval(limit):
                request.session[LAST_SEEN_KEY] = now
                request.session.set_expiry(limit)
        return self.get_response(request)


def client_ip_address(request: HttpRequest) -> str | None:
    """The address login failures are counted against. Behind COMPMS_PROXY_COUNT trusted reverse proxies
    the client is the address the outermost of them saw (each appends one to X-Forwarded-For); anything
    further left was written by the client and is not trusted."""
    proxies = int(getattr(settings, "COMPMS_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def safe_next_url(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    """`candidate` if it stays on this site (a path, or this host), else `fallback`: a `next` parameter
    must never send a user to another site (https://evil.example/, //evil.example, /\\evil.example)."""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return fallback


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The page a locked-out log-in gets (429): who is locked, for how long, and the way out."""
    from axes.helpers import get_client_username

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"username": get_client_username(request, credentials) or "", "minutes": minutes,
               "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/locked_out.html", context, status=429)


def record_lockout(request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any) -> None:
    """Receiver of django-axes' `user_locked_out`: a lock-out is a security event worth an audit row."""
    from compms.access import SYSTEM
    from compms.accounts.models import User
    from compms.audit.services import record

    name = (username or "")[:150]
    failures = getattr(request, "axes_failures_since_start", None)
    if isinstance(failures, int) and failures > settings.AXES_FAILURE_LIMIT:
        # Attempts during a lock-out only prolong it: one audit row when the lock starts, not one per
        # attempt, so hammering the form cannot flood the audit trail.
        log.info("login attempt during lock-out: user name %r from %s", name, ip_address)
        return
    user = User.objects.filter(username=name).first() if name else None
    log.warning("login locked out: user name %r from %s", name, ip_address)
    record(SYSTEM, "login.lockout", user, object_type="accounts.user", object_repr=name,
           after={"username": name, "ip_address": ip_address or "",
                  "failure_limit": settings.AXES_FAILURE_LIMIT,
                  "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)})
