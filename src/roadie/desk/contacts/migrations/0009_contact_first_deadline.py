from django.db import migrations, models


def first_deadlines(apps, schema_editor):
    """Contacts never reopened still hold their first deadline; for a reopened one it was
    replaced, and the reopening's is the best there is (its verdict may be too kind)."""
    Contact = apps.get_model("contacts", "Contact")
    Contact.objects.filter(first_deadline_at__isnull=True).update(first_deadline_at=models.F("deadline_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0008_desk_identified'),
    ]

    operations = [
        migrations.AddField(
            model_name='contact',
            name='first_deadline_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(first_deadlines, migrations.RunPython.noop),
    ]
