"""Articles a brand lets its customers read (the /help/ pages).

On SQLite, adding a NOT NULL column rebuilds the ``kb_article`` table, which drops its
triggers: the one that keeps the search index in step with deletions is created again."""

import importlib

from django.db import migrations, models

_triggers = importlib.import_module("roadie.desk.kb.migrations.0003_fts_delete_trigger")


def _sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _triggers.SQLITE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_fts_delete_trigger")]

    operations = [
        # (backwards, removing the column rebuilds the table too: the trigger comes back after it)
        migrations.RunPython(migrations.RunPython.noop, _sqlite_trigger),
        migrations.AddField(model_name="article", name="public", field=models.BooleanField(default=False)),
        migrations.RunPython(_sqlite_trigger, migrations.RunPython.noop),
    ]
