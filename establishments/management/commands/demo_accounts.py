"""``manage.py demo_accounts``: one demo account per role on real Occitanie establishments. Idempotent.

Demo only: the passwords are printed. Run after ``load_geo`` and ``import_finess`` (the accounts are attached to
real FINESS establishments: CH de Carcassonne and EHPAD de Luzenac).
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from establishments.models import Establishment, Membership, Region
from establishments.roles import Role, StaffKind
from establishments.staffing import assign_staff

DEMO_PASSWORD = "Demo-Portail-CRRC-2026"
REGION_CODE = "76"  # Occitanie
CH_FINESS = "110000023"  # CH CARCASSONNE (355 Centre hospitalier)
EHPAD_FINESS = "090000597"  # EHPAD DE LUZENAC (500 EHPAD)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    label: str
    finess: str | None = None
    role: str | None = None
    staff_kind: str | None = None
    superuser: bool = False


ACCOUNTS = (
    DemoAccount(
        "directrice.ch@demo.crrc.example", "Claire", "Martin", "Directrice, CH de Carcassonne", CH_FINESS, Role.DIRECTOR
    ),
    DemoAccount("rssi.ch@demo.crrc.example", "Karim", "Benali", "RSSI, CH de Carcassonne", CH_FINESS, Role.RSSI),
    DemoAccount(
        "relais.ch@demo.crrc.example",
        "Julie",
        "Roux",
        "Relais sensibilisation, CH de Carcassonne",
        CH_FINESS,
        Role.AWARENESS_RELAY,
    ),
    DemoAccount("membre.ch@demo.crrc.example", "Paul", "Garcia", "Membre, CH de Carcassonne", CH_FINESS, Role.MEMBER),
    DemoAccount(
        "directeur.ehpad@demo.crrc.example",
        "Michel",
        "Fabre",
        "Directeur, EHPAD de Luzenac",
        EHPAD_FINESS,
        Role.DIRECTOR,
    ),
    DemoAccount(
        "membre.ehpad@demo.crrc.example", "Sophie", "Vidal", "Membre, EHPAD de Luzenac", EHPAD_FINESS, Role.MEMBER
    ),
    DemoAccount(
        "equipe.crrc@demo.crrc.example",
        "Nadia",
        "Lopez",
        "Équipe CRRC Occitanie (admin)",
        staff_kind=StaffKind.CRRC_STAFF,
    ),
    DemoAccount(
        "referent.ars@demo.crrc.example",
        "Thomas",
        "Blanc",
        "Référent ARS Occitanie (lecture seule)",
        staff_kind=StaffKind.ARS_REVIEWER,
    ),
    DemoAccount("admin@demo.crrc.example", "Admin", "Portail", "Superutilisateur", superuser=True),
)


class Command(BaseCommand):
    help = "Crée (ou remet à zéro) un compte de démonstration par rôle et affiche identifiants et mots de passe."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=REGION_CODE).first()
        establishments = {e.finess: e for e in Establishment.objects.filter(finess__in=[CH_FINESS, EHPAD_FINESS])}
        if region is None or len(establishments) < 2:
            raise CommandError(
                "Région Occitanie ou établissements de démonstration introuvables : lancez d'abord "
                "« manage.py load_geo » puis « manage.py import_finess …/finess_et_20210108_occitanie.csv »."
            )
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})")
        for account in ACCOUNTS:
            user = self._user(account)
            if account.finess:
                self._membership(user, establishments[account.finess], account.role)
            if account.staff_kind:
                assign_staff(user, region, account.staff_kind)
            self.stdout.write(f"  {account.label:<45} {account.email}")
        self.stdout.write(
            "L'équipe CRRC, le référent ARS et le superutilisateur doivent configurer la double authentification "
            "(application TOTP) à leur première connexion : le portail les y conduit avant toute autre page."
        )

    def _user(self, account: DemoAccount) -> User:
        user = User.objects.filter(email=account.email).first() or User(email=account.email)
        user.first_name, user.last_name = account.first_name, account.last_name
        user.is_superuser = account.superuser
        user.is_staff = account.superuser or user.is_staff
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        return user

    def _membership(self, user: User, establishment: Establishment, role: str) -> None:
        membership = Membership.objects.filter(user=user, establishment=establishment, is_active=True).first()
        if membership is None:
            Membership.objects.create(user=user, establishment=establishment, role=role)
        elif membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
