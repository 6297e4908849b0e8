"""Leavers recorded before a leave ended access still had working log-ins: end them now.

Log-ins linked to a person who has left are deactivated, their sessions ended (session_generation) and
their API tokens revoked, as `compms.accounts.services.end_access` does for every leave from now on.
Reversing leaves them ended: which of them should come back is HR's decision (`restore_access`)."""

from django.db import migrations
from django.db.models import F
from django.utils import timezone


def end_access_of_past_leavers(apps, schema_editor) -> None:
    Person = apps.get_model("organisation", "Person")
    User = apps.get_model("accounts", "User")
    ApiToken = apps.get_model("accounts", "ApiToken")
    user_ids = list(Person.objects.filter(active=False, user__isnull=False, user__is_active=True)
                    .values_list("user_id", flat=True))
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start:start + 500]
        User.objects.filter(pk__in=chunk).update(is_active=False, session_generation=F("session_generation") + 1)
        ApiToken.objects.filter(user_id__in=chunk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_token_expiry_session_generation"),
        ("organisation", "0001_organisation_roles_dacum_positions"),
    ]

    operations = [
        migrations.RunPython(end_access_of_past_leavers, migrations.RunPython.noop),
    ]
