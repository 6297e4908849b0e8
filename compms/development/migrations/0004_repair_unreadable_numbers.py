"""Repair costs and hours that older versions stored and Django cannot read back.

Before input was checked, a cost of 1e400 (or any number past the column's digits) was stored by
SQLite as a float (inf, 1e+400 ...), and every page or API call that loaded the resource answered 500.
Such values are set to the largest the column holds (9999999999.99 for a cost), so they are visibly
wrong, never look free to the optimiser, and can be corrected on the resource page. PostgreSQL never
stored them (its numeric column refuses them), so only SQLite is touched.
"""

from __future__ import annotations

from django.db import migrations

COLUMNS = (("development_resource", "cost", "9999999999.99"), ("development_resource", "hours", "999999.99"),
           ("development_commission", "budget", "9999999999.99"))


def clamp_unreadable(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, largest in COLUMNS:
            cursor.execute(f"UPDATE {table} SET {column} = {largest} WHERE {column} > {largest}")
            cursor.execute(f"UPDATE {table} SET {column} = -{largest} WHERE {column} < -{largest}")


class Migration(migrations.Migration):
    dependencies = [("development", "0003_mentor_preference")]

    operations = [migrations.RunPython(clamp_unreadable, migrations.RunPython.noop)]
