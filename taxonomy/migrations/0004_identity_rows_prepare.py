"""Lowercase slugs; stop on records 0005's constraints would refuse."""

from django.db import migrations

from taxonomy.migration_helpers import identity_rows_prepare


def prepare(apps, schema_editor):
    identity_rows_prepare(
        apps.get_model("taxonomy", "Subject"),
        text_limits={"description": 5000},
        names_unique=True,
    )
    identity_rows_prepare(
        apps.get_model("taxonomy", "Topic"),
        text_limits={"summary": 1000, "mastery_description": 1000},
    )
    identity_rows_prepare(
        apps.get_model("taxonomy", "Track"), text_limits={"description": 5000}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0003_topic_hours_decimal_validator"),
    ]

    operations = [migrations.RunPython(prepare, migrations.RunPython.noop)]
