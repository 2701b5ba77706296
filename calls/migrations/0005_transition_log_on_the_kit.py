"""The application log moves onto the workflow kit's ``TransitionLog``: same table and rows, the kit's field names
(``comment`` becomes ``reason``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0004_required_document_types_help"),
    ]

    operations = [
        migrations.RenameField("transitionlog", "comment", "reason"),
        migrations.AlterField(
            model_name="transitionlog",
            name="from_state",
            field=models.CharField(blank=True, max_length=40, verbose_name="état de départ"),
        ),
        migrations.AlterField(
            model_name="transitionlog",
            name="reason",
            field=models.TextField(blank=True, verbose_name="motif"),
        ),
        migrations.AlterField(
            model_name="transitionlog",
            name="to_state",
            field=models.CharField(max_length=40, verbose_name="état d'arrivée"),
        ),
    ]
