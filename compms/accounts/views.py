from __future__ import annotations

from typing import Any

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from compms.accounts import services
from compms.accounts.models import ApiToken


def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    status = 200
    if request.method == "POST":
        try:
            _token, new_token = services.create_token(request.user, request.POST.get("name", ""))
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    messages.error(request, f"{field}: {problem}")
            status = 400
    return render(request, "accounts/tokens.html", {
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_token": new_token,
        "token_days": settings.COMPMS_TOKEN_DAYS,
    }, status=status)


@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # A user may only revoke their own tokens: someone else's is simply not found.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token, request.user)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens")


class PasswordChangeView(auth_views.PasswordChangeView):
    """/accounts/password/: the logged-in user sets a new password (old one first, validators apply)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        user = services.set_password(form.user, form.cleaned_data["new_password1"], form.user, via="change")
        # This session stays logged in; every other session of the user ends (their hash no longer matches).
        update_session_auth_hash(self.request, user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address and always answers the same "check your inbox" page, so the form
    cannot be used to learn whether an address belongs to an account. Only active accounts with a
    usable password get a mail (Django's rule), so a leaver cannot reset their way back in."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    token_generator = default_token_generator


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "reset_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        user = services.set_password(form.user, form.cleaned_data["new_password1"], form.user, via="reset")
        # Whoever proved they hold the mailbox may log in again even if guessing had locked the name out.
        reset_login_failures(username=user.get_username())
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def password_change_done(request: HttpRequest) -> HttpResponse:
    messages.success(request, "Your password has been changed. Other sessions of yours have been logged out.")
    return redirect("accounts:password_change")
