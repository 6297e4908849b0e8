from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from compms.accounts import services
from compms.accounts.models import ApiToken

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    name: str
    email: str
    roles: list[str]


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


class TokenIn(Schema):
    name: str


class TokenCreated(TokenOut):
    token: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict:
    user = request.user
    return {"username": user.username, "name": user.get_full_name(), "email": user.email,
            "roles": sorted(user.role_codes())}


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest):
    return ApiToken.objects.filter(user=request.user)


@router.post("/tokens", response={201: TokenCreated},
             summary="Create a token (logged-in session only: a token cannot create another token)")
def create_token(request: HttpRequest, payload: TokenIn):
    # A stolen token must not be able to mint itself successors that outlive its revocation or expiry.
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied(services.TOKEN_FROM_TOKEN_REFUSED)
    token, raw = services.create_token(request.user, payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: int):
    services.revoke_token(get_object_or_404(ApiToken, pk=token_id, user=request.user), request.user)
    return Status(204, None)
