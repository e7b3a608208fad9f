"""Each existing roadmap becomes version 1 of itself."""

from django.db import migrations


def versions_from_roadmaps(apps, schema_editor):
    """Each existing roadmap becomes version 1 of itself, steps included."""
    Roadmap = apps.get_model("roadmaps", "Roadmap")
    RoadmapVersion = apps.get_model("roadmaps", "RoadmapVersion")
    RoadmapStep = apps.get_model("roadmaps", "RoadmapStep")
    for roadmap in Roadmap.objects.order_by("pk").iterator():
        version = RoadmapVersion.objects.create(
            roadmap=roadmap,
            number=1,
            catalog_version=roadmap.catalog_version,
            planner_version=1,
            input_profile_hash="",
            model_versions=roadmap.llm or {},
            start_date=roadmap.start_date,
            end_date=roadmap.end_date,
            weekly_hours=roadmap.weekly_hours,
            total_hours=roadmap.total_hours,
            feasible=roadmap.feasible,
            shortfall=roadmap.shortfall,
            notices=roadmap.notices,
            changed_at=roadmap.created_at,
        )
        RoadmapStep.objects.filter(roadmap=roadmap).update(version=version)
        Roadmap.objects.filter(pk=roadmap.pk).update(current=version)
    RoadmapStep.objects.filter(state="completed", completed_at__isnull=True).update(
        state="active"
    )


class Migration(migrations.Migration):
    dependencies = [("roadmaps", "0003_versions")]

    operations = [
        migrations.RunPython(versions_from_roadmaps, migrations.RunPython.noop),
    ]
