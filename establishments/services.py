"""Writes of the onboarding journey: claims, access requests, invitations, roles, deactivations.

Every function is one transition inside ``transaction.atomic``: guards first (raising ``OnboardingError`` with a
French message the view shows as is), then the write, then e-mails queued with ``transaction.on_commit`` so that a
rolled-back transition never sends anything. Rows that concurrent requests compete for are locked with
``select_for_update``: the establishment row serialises two first claimants, the directors' memberships serialise
two directors demoting each other.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AccessRequest, Establishment, Invitation, Membership, VerifiedDomain
from .roles import Capability, Role, StaffKind
from .selectors import can, crrc_staff_regions
from .validators import finess_error, normalise_finess

INVITATION_VALIDITY = timedelta(days=14)

# Declared transitions of an access request: the states a request may leave.
DECIDABLE_STATES = frozenset({AccessRequest.Status.PENDING})


class OnboardingError(Exception):
    """A transition refused by a guard. ``code`` lets tests and views tell the reasons apart."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ClaimResult:
    establishment: Establishment
    membership: Membership | None = None
    access_request: AccessRequest | None = None

    @property
    def is_director(self) -> bool:
        return self.membership is not None and self.membership.role == Role.DIRECTOR


# ---------------------------------------------------------------------------------------------------------------
# E-mails
# ---------------------------------------------------------------------------------------------------------------


def _base_url(base_url: str | None) -> str:
    return (base_url or getattr(settings, "PORTAL_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def _send(template: str, recipients: list[str], context: dict) -> None:
    """Render ``establishments/email/<template>_subject.txt`` and ``_message.txt`` and send after commit."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    subject = render_to_string(f"establishments/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"establishments/email/{template}_message.txt", context)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    transaction.on_commit(
        lambda: send_mail(f"{prefix}{subject}", body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    )


def _director_emails(establishment: Establishment) -> list[str]:
    return list(
        Membership.objects.filter(is_active=True, role=Role.DIRECTOR)
        .covering(establishment)
        .values_list("user__email", flat=True)
    )


def _crrc_emails(establishment: Establishment) -> list[str]:
    staff = list(
        establishment.region.staff_assignments.filter(is_active=True, kind=StaffKind.CRRC_STAFF).values_list(
            "user__email", flat=True
        )
    )
    return staff or [establishment.region.contact_email]


# ---------------------------------------------------------------------------------------------------------------
# Claim
# ---------------------------------------------------------------------------------------------------------------


def find_establishment_by_finess(value: str) -> Establishment:
    """The establishment with this FINESS number, or an error saying whether it is mistyped or unknown."""
    number = normalise_finess(value)
    error = finess_error(number)
    if error:
        raise OnboardingError(error, code="invalid_finess")
    establishment = (
        Establishment.objects.select_related("region", "organisation", "category").filter(finess=number).first()
    )
    if establishment is None:
        raise OnboardingError(
            _(
                "Le numéro FINESS %(finess)s est valide, mais il ne figure pas dans le répertoire FINESS du portail. "
                "Vérifiez qu'il s'agit bien du FINESS géographique de votre établissement (et non du FINESS "
                "juridique de l'organisme gestionnaire), ou contactez le CRRC."
            )
            % {"finess": number},
            code="unknown_finess",
        )
    return establishment


def _has_director(establishment: Establishment) -> bool:
    return Membership.objects.filter(is_active=True, role=Role.DIRECTOR).covering(establishment).exists()


def verified_domain_for(user, establishment: Establishment) -> VerifiedDomain | None:
    """The CRRC-verified domain of one of the user's verified addresses, for this establishment or its organisation.

    An organisation's domain counts in the region it was verified for only (an organisation may span regions).
    """
    domains = {email.rsplit("@", 1)[-1] for email in user_emails(user) if "@" in email}
    if not domains:
        return None
    holder = Q(establishment=establishment)
    if establishment.organisation_id:
        holder |= Q(organisation_id=establishment.organisation_id, region_id=establishment.region_id)
    return VerifiedDomain.objects.filter(holder, domain__in=domains).first()


def claim_establishment(
    user,
    finess: str,
    message: str = "",
    role: str = Role.MEMBER,
    base_url: str | None = None,
    function: str = "",
) -> ClaimResult:
    """Claim an establishment: an access request, decided by a director or, without one, by the region's CRRC.

    Without an active director, nobody vouches for the claimant: the request goes to the region's CRRC staff, who
    see the FINESS record, the claimant's e-mail and stated function. Only a claimant whose verified address is on
    a domain the CRRC verified for the establishment (or its organisation) becomes director at once. Until a
    request is approved the claimant has no membership, hence sees nothing of the establishment.
    """
    found = find_establishment_by_finess(finess)
    function = (function or getattr(user, "job_title", "") or "").strip()[:150]
    with transaction.atomic():
        # Lock the establishment: two first claimants at once are serialised here, the second sees the first.
        establishment = Establishment.objects.select_for_update(of=("self",)).select_related("region").get(pk=found.pk)
        active = Membership.objects.filter(user=user, is_active=True)
        if active.filter(establishment=establishment).exists():
            raise OnboardingError(
                _("Vous êtes déjà membre de « %(name)s » (FINESS %(finess)s).")
                % {"name": establishment.name, "finess": establishment.finess},
                code="already_member",
            )
        if (
            establishment.organisation_id
            and active.filter(organisation_id=establishment.organisation_id, regions=establishment.region_id).exists()
        ):
            raise OnboardingError(
                _(
                    "Vous avez déjà accès à « %(name)s » par votre rattachement à l'organisme gestionnaire "
                    "« %(organisation)s »."
                )
                % {"name": establishment.name, "organisation": establishment.organisation},
                code="already_member",
            )
        pending = AccessRequest.objects.filter(
            user=user, establishment=establishment, status=AccessRequest.Status.PENDING
        ).first()
        if pending:
            raise OnboardingError(
                _(
                    "Vous avez déjà demandé à rejoindre « %(name)s » le %(date)s : votre demande attend la réponse "
                    "d'un directeur de l'établissement ou du CRRC."
                )
                % {"name": establishment.name, "date": timezone.localtime(pending.created_at).strftime("%d/%m/%Y")},
                code="already_pending",
            )
        context = {"establishment": establishment, "user": user, "base_url": _base_url(base_url)}
        without_director = not _has_director(establishment)
        if without_director:
            domain = verified_domain_for(user, establishment)
            if domain is not None:
                membership = Membership.objects.create(user=user, establishment=establishment, role=Role.DIRECTOR)
                context = {**context, "membership": membership, "verified_domain": domain}
                _send("claim_director", [user.email], context)
                _send("claim_director_crrc", _crrc_emails(establishment), context)
                return ClaimResult(establishment=establishment, membership=membership)
        access_request = AccessRequest.objects.create(
            user=user,
            establishment=establishment,
            # Without a director, the claimant asks for the director's seat: the CRRC appoints the first director.
            role=Role.DIRECTOR if without_director else role,
            message=message.strip(),
            function=function,
            without_director=without_director,
        )
        context["access_request"] = access_request
        _send("access_request_received", [user.email], context)
        if without_director:
            _send("access_request_to_crrc", _crrc_emails(establishment), context)
        else:
            _send("access_request_to_directors", _director_emails(establishment), context)
        return ClaimResult(establishment=establishment, access_request=access_request)


# ---------------------------------------------------------------------------------------------------------------
# Access requests
# ---------------------------------------------------------------------------------------------------------------


def may_decide(user, establishment: Establishment) -> bool:
    """Directors of the establishment, and CRRC staff of its region (through the admin)."""
    if can(user, establishment, Capability.MANAGE_MEMBERS):
        return True
    return crrc_staff_regions(user).filter(pk=establishment.region_id).exists()


def _lock_pending_request(access_request: AccessRequest, decided_by) -> AccessRequest:
    locked = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("establishment", "user")
        .get(pk=access_request.pk)
    )
    if not may_decide(decided_by, locked.establishment):
        raise OnboardingError(
            _("Seul un directeur de l'établissement ou l'équipe du CRRC peut traiter cette demande."),
            code="forbidden",
        )
    if locked.status not in DECIDABLE_STATES:
        raise OnboardingError(
            _("Cette demande a déjà été traitée (%(status)s).") % {"status": locked.get_status_display()},
            code="already_decided",
        )
    return locked


def approve_access_request(request: AccessRequest, decided_by, base_url: str | None = None) -> Membership:
    with transaction.atomic():
        locked = _lock_pending_request(request, decided_by)
        membership = Membership.objects.filter(
            user=locked.user, establishment=locked.establishment, is_active=True
        ).first()
        if membership is None:
            membership = Membership.objects.create(
                user=locked.user, establishment=locked.establishment, role=locked.role
            )
        locked.status = AccessRequest.Status.APPROVED
        locked.decided_at = timezone.now()
        locked.decided_by = decided_by
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        _send(
            "access_request_approved",
            [locked.user.email],
            {"access_request": locked, "establishment": locked.establishment, "base_url": _base_url(base_url)},
        )
    request.refresh_from_db()
    return membership


def refuse_access_request(request: AccessRequest, decided_by, reason: str, base_url: str | None = None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise OnboardingError(
            _("Indiquez le motif du refus : il sera communiqué au demandeur."), code="reason_required"
        )
    with transaction.atomic():
        locked = _lock_pending_request(request, decided_by)
        locked.status = AccessRequest.Status.REFUSED
        locked.decided_at = timezone.now()
        locked.decided_by = decided_by
        locked.decision_reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
        _send(
            "access_request_refused",
            [locked.user.email],
            {"access_request": locked, "establishment": locked.establishment, "base_url": _base_url(base_url)},
        )
    request.refresh_from_db()


# ---------------------------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------------------------


def _require_manager(user, establishment: Establishment) -> None:
    if not can(user, establishment, Capability.MANAGE_MEMBERS):
        raise OnboardingError(_("Seul un directeur de l'établissement peut gérer ses membres."), code="forbidden")


def invite_member(
    establishment: Establishment, email: str, role: str, invited_by, base_url: str | None = None
) -> Invitation:
    """Invite a colleague by e-mail; a new invitation to the same address replaces the pending one."""
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise OnboardingError(_("Rôle inconnu."), code="invalid_role")
    with transaction.atomic():
        _require_manager(invited_by, establishment)
        if Membership.objects.filter(establishment=establishment, is_active=True, user__email__iexact=email).exists():
            raise OnboardingError(
                _("%(email)s est déjà membre de cet établissement.") % {"email": email}, code="already_member"
            )
        now = timezone.now()
        Invitation.objects.filter(
            establishment=establishment,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            establishment=establishment,
            email=email,
            role=role,
            token=secrets.token_urlsafe(32),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + INVITATION_VALIDITY,
        )
        url = _base_url(base_url) + reverse("establishments:invitation", kwargs={"token": invitation.token})
        _send(
            "invitation",
            [email],
            {"invitation": invitation, "establishment": establishment, "invited_by": invited_by, "url": url},
        )
    return invitation


def revoke_invitation(invitation: Invitation, revoked_by) -> None:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _require_manager(revoked_by, locked.establishment)
        if locked.accepted_at is not None:
            raise OnboardingError(_("Cette invitation a déjà été acceptée."), code="already_accepted")
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])


def user_emails(user) -> set[str]:
    """The user's verified addresses (the login address counts once verified by allauth)."""
    from allauth.account.models import EmailAddress

    return {e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)}


def accept_invitation(invitation: Invitation, user) -> Membership:
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",)).select_related("establishment").get(pk=invitation.pk)
        )
        if locked.accepted_at is not None:
            raise OnboardingError(_("Cette invitation a déjà été utilisée."), code="already_accepted")
        if locked.revoked_at is not None:
            raise OnboardingError(
                _("Cette invitation a été annulée : demandez au directeur de vous en envoyer une nouvelle."),
                code="revoked",
            )
        if locked.expires_at <= timezone.now():
            raise OnboardingError(
                _("Cette invitation a expiré le %(date)s : demandez au directeur de vous en envoyer une nouvelle.")
                % {"date": timezone.localtime(locked.expires_at).strftime("%d/%m/%Y")},
                code="expired",
            )
        if locked.email.lower() not in user_emails(user):
            raise OnboardingError(
                _(
                    "Cette invitation a été envoyée à une autre adresse e-mail que la vôtre. Connectez-vous avec "
                    "l'adresse qui l'a reçue, ou ajoutez et vérifiez cette adresse dans « Mon compte »."
                ),
                code="wrong_email",
            )
        membership = Membership.objects.filter(user=user, establishment=locked.establishment, is_active=True).first()
        if membership is None:
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(
                        user=user, establishment=locked.establishment, role=locked.role
                    )
            except IntegrityError:  # a concurrent acceptance or approval won the race
                membership = Membership.objects.get(user=user, establishment=locked.establishment, is_active=True)
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        # The invitation answers any pending claim of the same person.
        AccessRequest.objects.filter(
            user=user, establishment=locked.establishment, status=AccessRequest.Status.PENDING
        ).update(
            status=AccessRequest.Status.APPROVED,
            decided_at=timezone.now(),
            decided_by=locked.invited_by,
            decision_reason=_("Invitation acceptée."),
        )
    invitation.refresh_from_db()
    return membership


# ---------------------------------------------------------------------------------------------------------------
# Roles and deactivation
# ---------------------------------------------------------------------------------------------------------------


def _lock_directors(establishment: Establishment) -> list[Membership]:
    return list(
        Membership.objects.select_for_update()
        .filter(establishment=establishment, is_active=True, role=Role.DIRECTOR)
        .order_by("pk")
    )


def _lock_member(membership: Membership, actor) -> Membership:
    locked = (
        Membership.objects.select_for_update(of=("self",)).select_related("establishment", "user").get(pk=membership.pk)
    )
    if not locked.is_active:
        raise OnboardingError(_("Ce membre a déjà été retiré de l'établissement."), code="inactive")
    return locked


def _require_direct(membership: Membership) -> None:
    if membership.establishment_id is None:
        raise OnboardingError(
            _("Ce rattachement concerne un organisme gestionnaire : il se gère avec le CRRC."),
            code="organisation_membership",
        )


def change_role(membership: Membership, role: str, changed_by) -> Membership:
    if role not in Role.values:
        raise OnboardingError(_("Rôle inconnu."), code="invalid_role")
    _require_direct(membership)
    with transaction.atomic():
        _require_manager(changed_by, membership.establishment)
        directors = _lock_directors(membership.establishment)
        locked = _lock_member(membership, changed_by)
        if locked.role == Role.DIRECTOR and role != Role.DIRECTOR and len(directors) <= 1:
            raise OnboardingError(
                _("%(name)s est le dernier directeur actif de l'établissement : nommez d'abord un autre directeur.")
                % {"name": locked.user},
                code="last_director",
            )
        if locked.role != role:
            locked.role = role
            locked.save(update_fields=["role"])
    membership.refresh_from_db()
    return membership


def deactivate_membership(membership: Membership, deactivated_by) -> Membership:
    """Remove a member (or leave oneself): the membership is deactivated, never deleted."""
    _require_direct(membership)
    with transaction.atomic():
        if membership.user_id != deactivated_by.pk:
            _require_manager(deactivated_by, membership.establishment)
        directors = _lock_directors(membership.establishment)
        locked = _lock_member(membership, deactivated_by)
        if locked.role == Role.DIRECTOR and len(directors) <= 1:
            raise OnboardingError(
                _("%(name)s est le dernier directeur actif de l'établissement : nommez d'abord un autre directeur.")
                % {"name": locked.user},
                code="last_director",
            )
        locked.is_active = False
        locked.deactivated_at = timezone.now()
        locked.deactivated_by = deactivated_by
        locked.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    membership.refresh_from_db()
    return membership
