import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("roadmaps", "0004_versions_data")]

    operations = [
        migrations.AlterField(
            model_name="roadmapstep",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="steps",
                to="roadmaps.roadmapversion",
            ),
        ),
        migrations.RemoveConstraint(
            model_name='roadmapstep',
            name='roadmapstep_unique_position',
        ),
        migrations.RemoveConstraint(
            model_name='roadmapstep',
            name='roadmapstep_unique_topic',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='catalog_version',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='end_date',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='feasible',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='llm',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='notices',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='shortfall',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='start_date',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='total_hours',
        ),
        migrations.RemoveField(
            model_name='roadmap',
            name='weekly_hours',
        ),
        migrations.RemoveField(
            model_name='roadmapstep',
            name='roadmap',
        ),
        migrations.AddConstraint(
            model_name='roadmapstep',
            constraint=models.UniqueConstraint(fields=('version', 'position'), name='roadmapstep_unique_position'),
        ),
        migrations.AddConstraint(
            model_name='roadmapstep',
            constraint=models.UniqueConstraint(fields=('version', 'topic_slug'), name='roadmapstep_unique_topic'),
        ),
        migrations.AddConstraint(
            model_name='roadmapstep',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'completed'), _negated=True), ('completed_at__isnull', False), _connector='OR'), name='roadmapstep_completed_has_time'),
        ),
        migrations.AddConstraint(
            model_name='resourcefeedback',
            constraint=models.UniqueConstraint(fields=('learner', 'resource'), name='resourcefeedback_one_vote'),
        ),
        migrations.AddConstraint(
            model_name='roadmapversion',
            constraint=models.UniqueConstraint(fields=('roadmap', 'number'), name='roadmapversion_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='roadmapversion',
            constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='roadmapversion_number_from_1'),
        ),
        migrations.AddConstraint(
            model_name='roadmapexport',
            constraint=models.UniqueConstraint(fields=('roadmap', 'sha256'), name='roadmapexport_unique_content'),
        ),
    ]
