"""A track's targets get the curator's order.

``Track.targets`` keeps its table (``taxonomy_track_targets``) and its rows:
the table becomes the through model ``TrackTarget`` (an ``Orderable``), which
only adds ``sort_order``. Existing targets are numbered 0, 1, ... per track in
the order the planner used until now: the track's own subject first, then the
topics' teaching positions, then slugs. So no plan changes shape until a
curator reorders.
"""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models

import modelcluster.fields


def order_from_positions(apps, schema_editor):
    TrackTarget = apps.get_model("taxonomy", "TrackTarget")
    rows = TrackTarget.objects.order_by().values_list(
        "pk",
        "track_id",
        "track__subject_id",
        "topic__subject_id",
        "topic__position",
        "topic__slug",
    )
    by_track = defaultdict(list)
    for pk, track_id, subject_id, topic_subject_id, position, slug in rows:
        by_track[track_id].append((topic_subject_id != subject_id, position, slug, pk))
    updates = [
        TrackTarget(pk=pk, sort_order=order)
        for targets in by_track.values()
        for order, (*_, pk) in enumerate(sorted(targets))
    ]
    TrackTarget.objects.bulk_update(updates, ["sort_order"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0008_translations"),
    ]

    operations = [
        # The model over the existing table: state only, no SQL.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TrackTarget",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "topic",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="track_links",
                                to="taxonomy.topic",
                            ),
                        ),
                        (
                            "track",
                            modelcluster.fields.ParentalKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="target_links",
                                to="taxonomy.track",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "taxonomy_track_targets",
                        # What the many-to-many table was created with.
                        "unique_together": {("track", "topic")},
                    },
                ),
                migrations.AlterField(
                    model_name="track",
                    name="targets",
                    field=models.ManyToManyField(
                        help_text="The topics the learner is aiming for; their "
                        "prerequisites come along.",
                        related_name="tracks",
                        through="taxonomy.TrackTarget",
                        to="taxonomy.topic",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="tracktarget",
            name="sort_order",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterModelOptions(
            name="tracktarget",
            options={"ordering": ["sort_order"]},
        ),
        migrations.AlterUniqueTogether(name="tracktarget", unique_together=set()),
        migrations.AddConstraint(
            model_name="tracktarget",
            constraint=models.UniqueConstraint(
                fields=("track", "topic"), name="tracktarget_unique_topic"
            ),
        ),
        migrations.RunPython(order_from_positions, migrations.RunPython.noop),
    ]
