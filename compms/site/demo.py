"""The built-in demo, assembled from each domain's own demo builder.

Users: admin, competency, hr, manager, assessor, employee, all with the password DEMO_PASSWORD.
The whole build is one transaction: it appears complete or not at all.

Steps, in order:
1. users (compms.accounts.services.create_user);
2. competency dictionaries (compms.frameworks.demo, through the framework services);
3. the organisation: roles with DACUM charts and profiles, units, people, positions, and the demo
   users linked to people (compms.organisation.demo, bulk inserts for 40,000 people);
4. evidence (compms.evidence.demo), then key positions, nominations and ratings
   (compms.succession.demo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction

from compms.accounts.models import User
from compms.organisation.demo import MIN_EMPLOYEES

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
__all__ = ["DEFAULT_EMPLOYEES", "DEMO_PASSWORD", "DEMO_USERS", "MIN_EMPLOYEES", "already_built", "build"]


def already_built() -> bool:
    return User.objects.filter(username="admin").exists()


def build(employees: int = DEFAULT_EMPLOYEES, seed: int = 1, progress: Callable[[str], None] = print,
          today: dt.date | None = None) -> list[str]:
    from compms.accounts.services import create_user
    from compms.frameworks.demo import build_dictionaries
    from compms.organisation.demo import build_organisation

    if employees < MIN_EMPLOYEES:
        raise ValueError(f"The demo needs at least {MIN_EMPLOYEES} employees (asked for {employees}).")
    summary: list[str] = []
    with transaction.atomic():
        users: dict[str, User] = {}
        # One hash for all demo users: the password is public anyway, and each hash costs about a
        # second of CPU with Django's default PBKDF2 work factor.
        password_hash = make_password(DEMO_PASSWORD)
        for username, roles in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_user(username, None, roles, first_name=username.title(), last_name="(demo)")
                user.password = password_hash
                user.is_staff = user.is_superuser = username == "admin"
                user.save(update_fields=["password", "is_staff", "is_superuser"])
            users[username] = user
        summary.append(f"users: {', '.join(DEMO_USERS)} (password {DEMO_PASSWORD})")
        progress("Building competency dictionaries…")
        summary.extend(build_dictionaries(progress))
        progress(f"Building the organisation ({employees} employees, seed {seed})…")
        summary.extend(build_organisation(employees=employees, seed=seed, today=today, users=users,
                                          progress=progress))
        # Each domain builds its own demo data, in dependency order, inside this one transaction.
        from compms.evidence.demo import build_evidence
        from compms.succession.demo import build_succession_demo

        progress("Building evidence…")
        summary.extend(build_evidence(seed=seed, progress=progress))
        progress("Building key positions, nominations and ratings…")
        summary.extend(build_succession_demo(seed=seed, progress=progress))
    return summary
