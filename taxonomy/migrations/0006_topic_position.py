"""Topics get a curated teaching position within their subject.

Existing topics are numbered 1, 2, ... per subject by the order the planner
used until now: prerequisite depth (the longest chain of prerequisites of
either kind below a topic), then name, then slug. Deterministic, and already
a topological order, so no plan changes shape until a curator reorders.
"""

from collections import defaultdict, deque

from django.db import migrations, models


def positions_from_depth(apps, schema_editor):
    Topic = apps.get_model("taxonomy", "Topic")
    Prerequisite = apps.get_model("taxonomy", "Prerequisite")
    rows = list(
        Topic.objects.order_by().values_list("pk", "subject_id", "name", "slug")
    )
    pending = {pk: 0 for pk, *_ in rows}
    dependents = defaultdict(list)
    for topic_id, requires_id in Prerequisite.objects.values_list(
        "topic_id", "requires_id"
    ):
        pending[topic_id] += 1
        dependents[requires_id].append(topic_id)
    depth = dict.fromkeys(pending, 1)
    ready = deque(pk for pk, n in pending.items() if n == 0)
    while ready:  # Kahn's algorithm: the graph is a DAG (the admin and import hold it)
        pk = ready.popleft()
        for dep in dependents[pk]:
            depth[dep] = max(depth[dep], depth[pk] + 1)
            pending[dep] -= 1
            if pending[dep] == 0:
                ready.append(dep)
    by_subject = defaultdict(list)
    for pk, subject_id, name, slug in rows:
        by_subject[subject_id].append((depth[pk], name.casefold(), slug, pk))
    updates = []
    for topics in by_subject.values():
        for position, (*_, pk) in enumerate(sorted(topics), start=1):
            updates.append(Topic(pk=pk, position=position))
    Topic.objects.bulk_update(updates, ["position"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0005_identity_folded_and_text_limits"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="topic",
            options={"ordering": ["subject__name", "position", "slug"]},
        ),
        migrations.AddField(
            model_name="topic",
            name="position",
            field=models.PositiveIntegerField(
                blank=True,
                default=0,
                help_text="Where this topic comes in the subject's teaching order "
                "(1 first). Leave empty to put a new topic last.",
                verbose_name="teaching position",
            ),
        ),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(
                fields=["subject", "position", "slug"], name="topic_teaching_order"
            ),
        ),
        migrations.RunPython(positions_from_depth, migrations.RunPython.noop),
    ]
