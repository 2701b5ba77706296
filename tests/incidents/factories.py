"""Factories of the incident module."""

from datetime import timedelta

import factory
from allauth.mfa.models import Authenticator
from django.utils import timezone
from factory.django import DjangoModelFactory

from establishments.roles import Role, StaffKind
from incidents import services
from incidents.models import CareImpact, Incident
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, StaffAssignmentFactory


def staff_of(region, kind=StaffKind.CRRC_STAFF):
    """CRRC staff (or ARS reviewer) of ``region`` with MFA set up, as the portal requires of staff."""
    user = StaffAssignmentFactory(region=region, kind=kind).user
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    return user


def director_of(establishment):
    return MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user


def rssi_of(establishment):
    return MembershipFactory(establishment=establishment, role=Role.RSSI).user


def declare(establishment=None, user=None, **answers) -> Incident:
    """An incident declared through the service (so that its steps exist), detected two hours ago by default."""
    establishment = establishment or EstablishmentFactory()
    user = user or director_of(establishment)
    values = {
        "title": "Rançongiciel sur les postes de l'accueil",
        "description": "Écran de rançon sur trois postes, fichiers chiffrés.",
        "detected_at": timezone.now() - timedelta(hours=2),
        "care_impact": CareImpact.DEGRADED,
    } | answers
    return services.declare(establishment, user, services.Declaration(**values))


class IncidentFactory(DjangoModelFactory):
    """A bare incident row, without steps (for list sizes and statistics)."""

    class Meta:
        model = Incident

    establishment = factory.SubFactory(EstablishmentFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    description = "Messagerie compromise."
    detected_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    declared_at = factory.LazyFunction(timezone.now)
    care_impact = CareImpact.NONE
    declared_by = factory.LazyAttribute(lambda o: director_of(o.establishment))
