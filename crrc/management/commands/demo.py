"""Builds the whole demo from the real reference data, module by module, idempotently."""

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# FINESS extracts loaded for the demo (see PROVENANCE.md beside them): two full regions and a national sample.
FINESS_FILES = (
    "finess_et_20210108_occitanie.csv",
    "finess_et_20210108_ile-de-france.csv",
    "finess_et_20210108_echantillon_national.csv",
)

# Each module's demo step, in dependency order (accounts first: the others use the demo establishments).
MODULE_STEPS = (
    "demo_onboarding",
    "demo_assessments",
    "demo_action_plans",
    "demo_calls",
    "demo_calls_review",
    "demo_reports",
)


class Command(BaseCommand):
    help = "Charge les données de démonstration (géographie, FINESS réel, comptes, modules)."

    def handle(self, *args, **options) -> None:
        finess_dir = settings.REFERENCE_DATA_DIR / "finess"
        if not finess_dir.is_dir():
            raise CommandError(
                f"Données de référence introuvables dans {settings.REFERENCE_DATA_DIR} : "
                "clonez le dépôt à côté du dossier shared/ ou définissez REFERENCE_DATA_DIR."
            )
        self.stdout.write(self.style.MIGRATE_HEADING("— géographie et FINESS"))
        call_command("load_geo")
        call_command("import_finess", *[str(finess_dir / name) for name in FINESS_FILES])
        # The accounts are printed last, so that the credentials are what the newcomer sees.
        accounts = StringIO()
        call_command("demo_accounts", stdout=accounts)
        for step in MODULE_STEPS:
            self.stdout.write(self.style.MIGRATE_HEADING(f"— {step}"))
            call_command(step)
        self.stdout.write(self.style.MIGRATE_HEADING("— comptes de démonstration"))
        self.stdout.write(accounts.getvalue())
