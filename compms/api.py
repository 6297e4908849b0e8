"""The REST API root: /api/v1/. Each domain app contributes a Router from its own api.py."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError, IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from compms.accounts.services import token_for_raw


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Revoked, expired and deactivated-user tokens are refused here (401 on the very next request).
        api_token = token_for_raw(token)
        if api_token is None:
            return None
        request.user = api_token.user
        # Kept so endpoints can tell a token-authenticated call from a logged-in session.
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api = NinjaAPI(
    title="CompMS API",
    version="1",
    description="Competency dictionaries, organisation, evidence and gaps. Authenticate with "
    "`Authorization: Bearer <token>` (create tokens at /accounts/tokens/ or with `compms token create`).",
    auth=[BearerToken(), ActiveSession()],
    urls_namespace="api-v1",
)


def _error(request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "You do not have permission to do this.")


@api.exception_handler(ObjectDoesNotExist)
def not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return _error(request, 400, detail)


@api.exception_handler(OverflowError)
def number_too_large(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # The request hygiene middleware refuses 64-bit overflows by name; this catches numbers that grow
    # past a column's range inside a calculation.
    return _error(request, 400, "A number in the request is too large.")


@api.exception_handler(DataError)
def value_out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
    # PostgreSQL's int4 and numeric columns are narrower than Python's numbers: a safety net behind
    # the schemas' own limits, so a value past them is a 400, never a 500.
    return _error(request, 400, "A value in the request is out of range for the field it is stored in.")


@api.exception_handler(IntegrityError)
def constraint_refused(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # A database rule the service did not check first (a CHECK, NOT NULL or unique constraint): name the
    # column when the database does, and answer 422/409 rather than 500.
    text = str(exc)
    column = re.search(r'(?:constraint failed: |null value in column ")"?([\w.]+)', text)
    field = column.group(1).rsplit(".", 1)[-1] if column else ""
    if "UNIQUE" in text or "duplicate key" in text:
        return _error(request, 409, f"{field or 'This'}: this value is already taken.")
    return _error(request, 422, [{"loc": ["body", field] if field else ["body"], "field": field,
                                  "msg": "This value is not allowed here (it breaks a rule of the stored data)."}])


def _register() -> None:
    from compms.accounts.api import router as accounts_router
    from compms.assessments.api import router as assessments_router
    from compms.audit.api import router as audit_router
    from compms.authorisations.api import router as authorisations_router
    from compms.campaigns.api import router as campaigns_router
    from compms.development.api import router as development_router
    from compms.evidence.api import router as evidence_router
    from compms.evidence.expiry_api import router as expiry_router
    from compms.frameworks.api import router as frameworks_router
    from compms.gaps.api import router as gaps_router
    from compms.interop.api import router as interop_router
    from compms.logbook.api import router as logbook_router
    from compms.organisation.api import router as organisation_router
    from compms.privacy.api import router as privacy_router
    from compms.strategy.api import router as strategy_router
    from compms.succession.api import router as succession_router
    from compms.training.api import router as training_router

    api.add_router("/", accounts_router)
    api.add_router("/", audit_router)
    api.add_router("/", frameworks_router)
    api.add_router("/", interop_router)
    api.add_router("/", organisation_router)
    # Before the evidence router: /evidence/expiring must not be read as /evidence/{evidence_id}.
    api.add_router("/", expiry_router)
    api.add_router("/", evidence_router)
    api.add_router("/", gaps_router)
    api.add_router("/", strategy_router)
    api.add_router("/", campaigns_router)
    api.add_router("/", logbook_router)
    api.add_router("/", assessments_router)
    api.add_router("/", authorisations_router)
    api.add_router("/", development_router)
    api.add_router("/", training_router)
    api.add_router("/", succession_router)
    api.add_router("/", privacy_router)


_register()
