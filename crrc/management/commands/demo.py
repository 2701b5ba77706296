"""Builds the whole demo from the real reference data, module by module, idempotently."""

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from establishments.management.commands.demo_accounts import DEMO_PASSWORD

DEMO_DOMAIN = "@demo.crrc.example"

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
    "demo_exercises",
    "demo_reports",
    "demo_incidents",
    "demo_awareness",
    "demo_community",
    "demo_offers",
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
        call_command("load_finess_categories")
        call_command("import_finess", *[str(finess_dir / name) for name in FINESS_FILES])
        call_command("demo_accounts", stdout=StringIO())
        for step in MODULE_STEPS:
            self.stdout.write(self.style.MIGRATE_HEADING(f"— {step}"))
            call_command(step)
        # The accounts come last, so that the credentials are what the newcomer sees.
        self.stdout.write(self.style.MIGRATE_HEADING(f"— comptes de démonstration (mot de passe : {DEMO_PASSWORD})"))
        for email, what in demo_accounts():
            self.stdout.write(f"  {email:<48} {what}")
        self.stdout.write(
            "L'équipe CRRC, les référents ARS et le superutilisateur configurent la double authentification (TOTP) "
            "à leur première connexion.\nPortail : http://127.0.0.1:8000"
        )


def demo_accounts() -> list[tuple[str, str]]:
    """Every demo account with what it is, read back from the database (whichever module created it)."""
    users = (
        User.objects.filter(email__endswith=DEMO_DOMAIN)
        .prefetch_related(
            "memberships__establishment",
            "memberships__organisation",
            "staff_assignments__region",
            "access_requests__establishment",
        )
        .order_by("email")
    )
    rows = []
    for user in users:
        roles = [
            f"{m.get_role_display()}, {m.establishment or m.organisation}"
            for m in user.memberships.all()
            if m.is_active
        ]
        roles += [f"{a.get_kind_display()}, {a.region}" for a in user.staff_assignments.all() if a.is_active]
        roles += [
            f"demande de rattachement en attente, {r.establishment}"
            for r in user.access_requests.all()
            if r.status == r.Status.PENDING
        ]
        if user.is_superuser:
            roles.append("Superutilisateur")
        rows.append((user.email, " ; ".join(roles) or "compte sans rattachement"))
    return rows
