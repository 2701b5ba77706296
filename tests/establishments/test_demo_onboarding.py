"""The onboarding demo step: a pending claim and a pending invitation, built once however often it runs."""

import pytest
from django.core.management import call_command

from establishments.management.commands.demo_accounts import CH_FINESS, EHPAD_FINESS
from establishments.management.commands.demo_onboarding import CLAIMANT_EMAIL, INVITEE_EMAIL
from establishments.models import AccessRequest, Invitation
from establishments.roles import Role

from .factories import EstablishmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_onboarding_is_idempotent():
    ch = EstablishmentFactory(finess=CH_FINESS)
    ehpad = EstablishmentFactory(finess=EHPAD_FINESS, ehpad=True)
    MembershipFactory(establishment=ch, role=Role.DIRECTOR)
    MembershipFactory(establishment=ehpad, role=Role.DIRECTOR)
    call_command("demo_onboarding")
    call_command("demo_onboarding")
    request = AccessRequest.objects.get()
    assert request.user.email == CLAIMANT_EMAIL and request.status == AccessRequest.Status.PENDING
    invitation = Invitation.objects.get()
    assert invitation.email == INVITEE_EMAIL and invitation.is_usable
