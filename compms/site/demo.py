"""The built-in demo, assembled from each domain's own demo builder.

Users: admin, competency, hr, manager, assessor, employee, all with the password DEMO_PASSWORD.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from compms.accounts.models import User

DEFAULT_EMPLOYEES = 400
DEMO_PASSWORD = "compms-demo"
DEMO_USERS = {
    "admin": ["administrator"],
    "competency": ["competency_manager", "employee"],
    "hr": ["hr", "employee"],
    "manager": ["manager", "employee"],
    "assessor": ["assessor", "employee"],
    "employee": ["employee"],
}


def already_built() -> bool:
    return User.objects.filter(username="admin").exists()


def build(employees: int = DEFAULT_EMPLOYEES, seed: int = 1, progress: Callable[[str], None] = print) -> list[str]:
    from compms.accounts.services import create_user
    from compms.frameworks.demo import build_dictionaries

    summary: list[str] = []
    with transaction.atomic():
        for username, roles in DEMO_USERS.items():
            if not User.objects.filter(username=username).exists():
                user = create_user(username, DEMO_PASSWORD, roles, first_name=username.title(),
                                   last_name="(demo)")
                if username == "admin":
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
        summary.append(f"users: {', '.join(DEMO_USERS)} (password {DEMO_PASSWORD})")
        progress("Building competency dictionaries…")
        summary.extend(build_dictionaries())
    return summary
