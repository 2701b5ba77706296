"""The admin for CRRC staff: region-scoped, the request workflow as actions, no learner anywhere."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from awareness.models import CampaignRequest
from tests.establishments.factories import EstablishmentFactory

from .factories import CampaignRequestFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, crrc_staff):
    crrc_staff.user_permissions.set(Permission.objects.filter(content_type__app_label="awareness"))
    client.force_login(crrc_staff, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_programmes_of_other_regions_are_hidden(admin_client, programme):
    other = ProgrammeFactory(region=EstablishmentFactory().region, title="Programme Zorglub")
    page = admin_client.get(reverse("admin:awareness_programme_changelist")).content.decode()
    assert programme.title in page and "Zorglub" not in page
    assert admin_client.get(reverse("admin:awareness_programme_change", args=[other.pk])).status_code in (302, 404)


def test_learners_are_not_in_the_admin():
    from django.contrib import admin

    from awareness.models import Learner, PhishingEvent, PhishingResult, Retraining

    assert not {Learner, PhishingResult, PhishingEvent, Retraining} & set(admin.site._registry)


def test_approve_and_refuse_as_admin_actions(admin_client, establishment, crrc_staff):
    item = CampaignRequestFactory(establishment=establishment)
    url = reverse("admin:awareness_campaignrequest_changelist")
    admin_client.post(url, {"action": "workflow_approve", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.state == "approved" and item.decided_by == crrc_staff and item.decided_at
    other = CampaignRequestFactory(establishment=establishment)
    page = admin_client.post(url, {"action": "workflow_refuse", "_selected_action": [other.pk]})
    assert page.status_code == 200  # asks for the reason first
    admin_client.post(url, {"action": "workflow_refuse", "_selected_action": [other.pk], "workflow_confirm": "1",
                            "workflow_reason": "Période de certification"})  # fmt: skip
    other.refresh_from_db()
    assert (other.state, other.decision_reason) == ("refused", "Période de certification")
    assert CampaignRequest.objects.get(pk=other.pk).transitions.last().reason == "Période de certification"
