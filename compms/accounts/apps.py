from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "compms.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from compms.accounts import security

        user_locked_out.connect(security.record_lockout, dispatch_uid="compms-audit-lockout")
        user_logged_in.connect(_start_session_clock, dispatch_uid="compms-session-clock")


def _start_session_clock(sender: object, request: object, user: object, **kwargs: object) -> None:
    from compms.accounts.security import start_session_clock

    # login() called from a script without a real request has no session whose lifetime could be set.
    if request is not None and hasattr(request, "session"):
        start_session_clock(request, user)  # type: ignore[arg-type]
