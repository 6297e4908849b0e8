"""The REST API root: /api/v1/. Each domain app contributes a Router from its own api.py."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from compms.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


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


def _register() -> None:
    from compms.accounts.api import router as accounts_router
    from compms.audit.api import router as audit_router
    from compms.evidence.api import router as evidence_router
    from compms.frameworks.api import router as frameworks_router
    from compms.gaps.api import router as gaps_router
    from compms.strategy.api import router as strategy_router
    from compms.campaigns.api import router as campaigns_router
    from compms.logbook.api import router as logbook_router
    from compms.development.api import router as development_router
    from compms.training.api import router as training_router
    from compms.succession.api import router as succession_router
    from compms.interop.api import router as interop_router
    from compms.organisation.api import router as organisation_router

    api.add_router("/", accounts_router)
    api.add_router("/", audit_router)
    api.add_router("/", frameworks_router)
    api.add_router("/", interop_router)
    api.add_router("/", organisation_router)
    api.add_router("/", evidence_router)
    api.add_router("/", gaps_router)
    api.add_router("/", strategy_router)
    api.add_router("/", campaigns_router)
    api.add_router("/", logbook_router)
    api.add_router("/", development_router)
    api.add_router("/", training_router)
    api.add_router("/", succession_router)


_register()
