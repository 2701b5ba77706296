"""``manage.py demo_onboarding``: the onboarding journey's pending steps, ready to click through. Idempotent.

Run after ``demo_accounts``. Builds, through the real services (so e-mails are sent to the console backend):
- a claimant waiting for approval at the CH de Carcassonne (its director sees the request on the home page);
- an invitation from the EHPAD de Luzenac's director to a colleague who has no account yet.
"""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from establishments import services
from establishments.models import AccessRequest, Establishment, Invitation, Membership
from establishments.roles import Role

from .demo_accounts import CH_FINESS, DEMO_PASSWORD, EHPAD_FINESS

CLAIMANT_EMAIL = "candidat.ch@demo.crrc.example"
INVITEE_EMAIL = "nouvelle.collegue@demo.crrc.example"


class Command(BaseCommand):
    help = "Crée une demande de rattachement en attente et une invitation en cours pour la démonstration."

    def handle(self, *args, **options) -> None:
        establishments = {e.finess: e for e in Establishment.objects.filter(finess__in=[CH_FINESS, EHPAD_FINESS])}
        if len(establishments) < 2:
            raise CommandError("Établissements de démonstration introuvables : lancez d'abord « manage.py demo ».")
        self._pending_claim(establishments[CH_FINESS])
        self._pending_invitation(establishments[EHPAD_FINESS])

    def _pending_claim(self, establishment: Establishment) -> None:
        user = User.objects.filter(email=CLAIMANT_EMAIL).first()
        if user is None:
            user = User.objects.create_user(CLAIMANT_EMAIL, DEMO_PASSWORD, first_name="Léa", last_name="Mercier")
        EmailAddress.objects.update_or_create(
            user=user, email=CLAIMANT_EMAIL, defaults={"verified": True, "primary": True}
        )
        if Membership.objects.filter(user=user, establishment=establishment, is_active=True).exists():
            self.stdout.write(f"  {CLAIMANT_EMAIL} est déjà membre de {establishment.name} : rien à faire.")
            return
        if not AccessRequest.objects.filter(
            user=user, establishment=establishment, status=AccessRequest.Status.PENDING
        ).exists():
            services.claim_establishment(
                user,
                establishment.finess,
                role=Role.RSSI,
                message="Je remplace l'ancien responsable informatique depuis le 1er du mois.",
            )
        self.stdout.write(
            f"  Demande de rattachement en attente : {CLAIMANT_EMAIL} (mot de passe {DEMO_PASSWORD}) "
            f"→ {establishment.name}"
        )

    def _pending_invitation(self, establishment: Establishment) -> None:
        director = (
            Membership.objects.filter(establishment=establishment, role=Role.DIRECTOR, is_active=True)
            .select_related("user")
            .first()
        )
        if director is None:
            raise CommandError(f"{establishment.name} n'a pas de directeur : lancez d'abord « demo_accounts ».")
        usable = [i for i in Invitation.objects.filter(establishment=establishment, email=INVITEE_EMAIL) if i.is_usable]
        invitation = usable[0] if usable else None
        if (
            invitation is None
            and not Membership.objects.filter(
                establishment=establishment, user__email=INVITEE_EMAIL, is_active=True
            ).exists()
        ):
            invitation = services.invite_member(establishment, INVITEE_EMAIL, Role.AWARENESS_RELAY, director.user)
        if invitation is not None:
            self.stdout.write(
                f"  Invitation en cours : {INVITEE_EMAIL} → {establishment.name}, lien "
                f"/etablissements/invitations/{invitation.token}/"
            )
