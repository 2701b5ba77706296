"""Enrolment directly or from the offers module's positioning answer (the receiver, called as the signal would)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from awareness import receivers, services
from awareness.choices import EnrolmentSource
from awareness.models import Enrolment
from tests.establishments.factories import EstablishmentFactory

from .factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_enrol_is_idempotent_and_reactivates(establishment, programme, sponsor):
    first = services.enrol(establishment, programme, by=sponsor)
    assert services.enrol(establishment, programme, by=sponsor).pk == first.pk
    services.withdraw(first)
    first.refresh_from_db()
    assert not first.is_active and first.withdrawn_at
    again = services.enrol(establishment, programme, by=sponsor, source=EnrolmentSource.OFFER)
    assert again.pk == first.pk and again.is_active and again.source == EnrolmentSource.OFFER


def test_programme_of_another_region_is_refused(establishment):
    other = ProgrammeFactory(region=EstablishmentFactory().region)
    with pytest.raises(ValidationError, match="autre région"):
        services.enrol(establishment, other)
    assert not Enrolment.objects.exists()


def subscription(establishment, state, kind="awareness"):
    return SimpleNamespace(establishment=establishment, state=state, offer=SimpleNamespace(kind=kind), contacts=[])


def test_active_awareness_subscription_enrols_and_withdrawal_withdraws(establishment, programme):
    receivers.on_subscription_changed(subscription=subscription(establishment, "requested"))
    assert not Enrolment.objects.exists()
    receivers.on_subscription_changed(subscription=subscription(establishment, "active"))
    enrolment = Enrolment.objects.get()
    assert enrolment.source == EnrolmentSource.OFFER and enrolment.is_active
    receivers.on_subscription_changed(subscription=subscription(establishment, "withdrawn"))
    enrolment.refresh_from_db()
    assert not enrolment.is_active


def test_other_offers_are_ignored(establishment, programme):
    receivers.on_subscription_changed(subscription=subscription(establishment, "active", kind="exercises"))
    assert not Enrolment.objects.exists()


def test_one_month_notice(establishment, programme):
    from datetime import date

    from .factories import PhishingTemplateFactory

    template = PhishingTemplateFactory(region=establishment.region)
    today = date(2026, 1, 31)
    assert services.earliest_on_demand_date(today) == date(2026, 2, 28)
    with pytest.raises(ValidationError) as exc:
        services.request_campaign(establishment, template, date(2026, 2, 27), by=None, today=today)
    assert "le 28/02/2026" in exc.value.message_dict["wanted_on"][0]
    assert services.request_campaign(establishment, template, date(2026, 2, 28), by=None, today=today).pk
    foreign = PhishingTemplateFactory(region=EstablishmentFactory().region, name="Autre")
    with pytest.raises(ValidationError, match="catalogue"):
        services.request_campaign(establishment, foreign, date(2026, 6, 1), by=None, today=today)


def test_request_workflow_logs_every_step_and_needs_region_staff(establishment, crrc_staff, sponsor):
    from datetime import timedelta

    from django.utils import timezone

    from awareness.workflow import REQUEST_WORKFLOW
    from crrc.workflow import WorkflowError

    from .factories import PhishingTemplateFactory

    template = PhishingTemplateFactory(region=establishment.region)
    item = services.request_campaign(
        establishment, template, services.earliest_on_demand_date() + timedelta(days=3), by=sponsor
    )
    with pytest.raises(WorkflowError):
        services.approve_request(item, sponsor, "")  # the establishment does not decide for itself
    with pytest.raises(WorkflowError, match="motif"):
        services.refuse_request(item, crrc_staff, "")
    services.approve_request(item, crrc_staff, "Date validée")
    with pytest.raises(ValidationError, match="à venir"):
        services.schedule_request(item, crrc_staff, timezone.localdate() - timedelta(days=1))
    services.schedule_request(item, crrc_staff, item.wanted_on)
    item.refresh_from_db()
    assert (item.state, item.decided_by, item.decision_reason) == ("scheduled", crrc_staff, "Date validée")
    assert [log.transition for log in REQUEST_WORKFLOW.history(item)] == ["create", "approve", "schedule"]
    with pytest.raises(WorkflowError, match="déjà été traitée"):
        services.refuse_request(item, crrc_staff, "trop tard")
