"""Lowercase slugs; stop on records 0003's constraints would refuse."""

from django.db import migrations

from taxonomy.migration_helpers import identity_rows_prepare


def prepare(apps, schema_editor):
    identity_rows_prepare(apps.get_model("catalog", "Provider"), text_limits={})
    identity_rows_prepare(
        apps.get_model("catalog", "Resource"), text_limits={"description": 5000}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [migrations.RunPython(prepare, migrations.RunPython.noop)]
