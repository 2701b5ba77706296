"""The action item log moves onto the workflow kit's ``TransitionLog``: same table and rows, the kit's field names."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("action_plans", "0002_source_kind_incident"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("actionitemtransition", "name", "transition"),
        migrations.RenameField("actionitemtransition", "from_status", "from_state"),
        migrations.RenameField("actionitemtransition", "to_status", "to_state"),
        migrations.RenameField("actionitemtransition", "user", "by"),
        migrations.RenameField("actionitemtransition", "created_at", "at"),
        migrations.AlterModelOptions(
            name="actionitemtransition",
            options={
                "ordering": ["-at", "-pk"],
                "verbose_name": "changement de statut",
                "verbose_name_plural": "changements de statut",
            },
        ),
        migrations.AlterField(
            model_name="actionitemtransition",
            name="from_state",
            field=models.CharField(blank=True, max_length=40, verbose_name="état de départ"),
        ),
        migrations.AlterField(
            model_name="actionitemtransition",
            name="to_state",
            field=models.CharField(max_length=40, verbose_name="état d'arrivée"),
        ),
        migrations.AlterField(
            model_name="actionitemtransition",
            name="transition",
            field=models.CharField(max_length=40, verbose_name="action"),
        ),
    ]
