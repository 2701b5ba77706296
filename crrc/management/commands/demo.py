"""Builds the whole demo from the real reference data, module by module, idempotently."""

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

# FINESS extracts loaded for the demo (see PROVENANCE.md beside them): two full regions and a national sample.
FINESS_FILES = (
    "finess_et_20210108_occitanie.csv",
    "finess_et_20210108_ile-de-france.csv",
    "finess_et_20210108_echantillon_national.csv",
)

# Each module's demo step, in dependency order; a module adds its line here when it lands.
MODULE_STEPS = ("demo_accounts", "demo_assessments", "demo_action_plans", "demo_calls")


class Command(BaseCommand):
    help = "Charge les données de démonstration (géographie, FINESS réel, comptes, modules)."

    def handle(self, *args, **options) -> None:
        finess_dir = settings.REFERENCE_DATA_DIR / "finess"
        if not finess_dir.is_dir():
            raise CommandError(
                f"Données de référence introuvables dans {settings.REFERENCE_DATA_DIR} : "
                "clonez le dépôt à côté du dossier shared/ ou définissez REFERENCE_DATA_DIR."
            )
        available = get_commands()
        call_command("load_geo")
        call_command("import_finess", *[str(finess_dir / name) for name in FINESS_FILES])
        for step in MODULE_STEPS:
            if step in available:
                self.stdout.write(self.style.MIGRATE_HEADING(f"— {step}"))
                call_command(step)
