"""The assessment log moves onto the workflow kit's ``TransitionLog``: same table and rows, the kit's field names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("assessmenttransition", "name", "transition"),
        migrations.RenameField("assessmenttransition", "user", "by"),
        migrations.AlterModelOptions(
            name="assessmenttransition",
            options={
                "ordering": ["at", "pk"],
                "verbose_name": "étape de l'évaluation",
                "verbose_name_plural": "historique de l'évaluation",
            },
        ),
        migrations.AddField(
            model_name="assessmenttransition",
            name="reason",
            field=models.TextField(blank=True, verbose_name="motif"),
        ),
        migrations.AlterField(
            model_name="assessmenttransition",
            name="by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="par",
            ),
        ),
        migrations.AlterField(
            model_name="assessmenttransition",
            name="from_state",
            field=models.CharField(blank=True, max_length=40, verbose_name="état de départ"),
        ),
        migrations.AlterField(
            model_name="assessmenttransition",
            name="to_state",
            field=models.CharField(max_length=40, verbose_name="état d'arrivée"),
        ),
        migrations.AlterField(
            model_name="assessmenttransition",
            name="transition",
            field=models.CharField(max_length=40, verbose_name="action"),
        ),
    ]
