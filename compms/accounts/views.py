from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from compms.accounts import services
from compms.accounts.models import ApiToken


def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        try:
            _token, new_token = services.create_token(request.user, request.POST.get("name", ""))
        except ValueError as exc:
            messages.error(request, str(exc))
    return render(request, "accounts/tokens.html", {
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_token": new_token,
    })


@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # A user may only revoke their own tokens: someone else's is simply not found.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token, request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens")
