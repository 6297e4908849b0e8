"""Chain the audit entries: each one gets its place (seq), the previous entry's hash and its own hash.

Existing entries are chained in id order. The append-only triggers refuse the UPDATE that fills the
new columns (and SQLite drops them when it rebuilds the table), so they are lifted for the length
of this migration and put back at its end.
"""

import importlib

from django.db import migrations, models

from compms.audit import chain

TRIGGERS = importlib.import_module("compms.audit.migrations.0002_forbid_changes_in_database")
FILL_CHUNK = 5000


def lift_triggers(apps, schema_editor):
    down = {"sqlite": TRIGGERS.SQLITE_DOWN, "postgresql": TRIGGERS.POSTGRES_DOWN}
    for sql in down.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def restore_triggers(apps, schema_editor):
    up = {"sqlite": TRIGGERS.SQLITE_UP, "postgresql": TRIGGERS.POSTGRES_UP}
    for sql in up.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def chain_existing_entries(apps, schema_editor):
    entry_model = apps.get_model("audit", "AuditEntry")
    head_model = apps.get_model("audit", "AuditChainHead")
    alias = schema_editor.connection.alias
    table = schema_editor.quote_name(entry_model._meta.db_table)
    columns = ["id", *(name for name in chain.HASHED_FIELDS if name not in ("seq", "previous_hash"))]
    seq, previous, last_id = 0, chain.GENESIS_HASH, 0
    while True:
        rows = list(entry_model.objects.using(alias).filter(id__gt=last_id).order_by("id")
                    .values_list(*columns)[:FILL_CHUNK])
        if not rows:
            break
        updates = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            seq += 1
            values.update(seq=seq, previous_hash=previous)
            previous = chain.content_hash(values)
            updates.append((seq, values["previous_hash"], previous, values["id"]))
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET seq = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
                               updates)
        last_id = rows[-1][0]
    head_model.objects.using(alias).update_or_create(pk=chain.HEAD_ID,
                                                     defaults={"seq": seq, "entry_hash": previous})


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_forbid_changes_in_database")]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("entry_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(model_name="auditentry", name="seq",
                            field=models.PositiveBigIntegerField(editable=False, null=True)),
        migrations.AddField(model_name="auditentry", name="previous_hash",
                            field=models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.AddField(model_name="auditentry", name="entry_hash",
                            field=models.CharField(default="", editable=False, max_length=64),
                            preserve_default=False),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditentry", name="seq",
                              field=models.PositiveBigIntegerField(editable=False, unique=True)),
        migrations.RunPython(restore_triggers, lift_triggers),
    ]
