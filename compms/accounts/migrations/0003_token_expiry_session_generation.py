"""API tokens expire; a log-in's sessions can all be ended at once (session_generation)."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models

import compms.accounts.models


def expire_existing_tokens(apps, schema_editor) -> None:
    # Tokens made before expiry existed get the usual lifetime counted from their creation, so the
    # oldest stop working at once rather than living forever.
    ApiToken = apps.get_model("accounts", "ApiToken")
    lifetime = dt.timedelta(days=getattr(settings, "COMPMS_TOKEN_DAYS", 90))
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at").iterator():
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at + lifetime)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_create_role_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="session_generation",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Raised to end every session of this log-in at once, whatever the session store"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=compms.accounts.models.default_token_expiry,
                help_text="After this the token is refused (COMPMS_TOKEN_DAYS after creation)"),
        ),
    ]
