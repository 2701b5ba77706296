"""The needs per lot are read from a cache whose key carries what they depend on: every write shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offers import services
from offers.models import Question, Response

from .conftest import FULL_ANSWER, answered_response, with_mfa

pytestmark = pytest.mark.django_db


def _submitted(campaign, department, answer=FULL_ANSWER):
    return answered_response(campaign, department, answer)


def _needs(client, campaign) -> str:
    page = client.get(reverse("offers:staff_needs", args=[campaign.pk])).content.decode()
    content = page[page.index("<h1>") : page.index("</main>")]  # the page's own content, without per-request nonces
    return content.replace("\xa0", " ").replace("\u202f", " ")  # thousands as a person reads them


def test_a_new_submission_an_edited_answer_and_an_edited_question_show_at_once(client, staff, campaign, establishment):
    client.force_login(with_mfa(staff))
    department = establishment.department
    response, director = _submitted(campaign, department)
    first = _needs(client, campaign)
    assert "1 réponse transmise" in first and "15 000" in first  # the audit spend of the one answer
    with CaptureQueriesContext(connection) as queries:
        assert _needs(client, campaign) == first  # read again: same figures, from the cache
    assert not [q for q in queries.captured_queries if '"offers_answer"' in q["sql"]]

    _submitted(campaign, department)
    second = _needs(client, campaign)
    assert "2 réponses transmises" in second and "30 000" in second

    services.save_answers(response, director, {"audit_spend": "5000"})  # a submitted answer edited before the deadline
    third = _needs(client, campaign)
    assert "20 000" in third and "30 000" not in third

    Question.objects.filter(campaign=campaign, code="audit_spend").update(need_key="audit-externe")
    fourth = _needs(client, campaign)
    assert "audit-externe" in fourth

    Response.objects.filter(pk=response.pk).delete()
    fifth = _needs(client, campaign)
    assert "1 réponse transmise" in fifth and "15 000" in fifth


def test_a_renamed_lot_shows_at_once(client, staff, campaign, establishment):
    from offers.models import Lot

    from .factories import AgreementFactory, LotFactory

    client.force_login(with_mfa(staff))
    _submitted(campaign, establishment.department)
    agreement = AgreementFactory(region=campaign.region, campaign=campaign)
    lot = LotFactory(agreement=agreement, number=1, title="Audits organisationnels", need_key="audit")
    assert "Lot 1 – Audits organisationnels" in _needs(client, campaign)
    Lot.objects.filter(pk=lot.pk).update(title="Audits techniques")
    page = _needs(client, campaign)
    assert "Lot 1 – Audits techniques" in page and "organisationnels" not in page


def test_needs_without_answers(client, staff, campaign):
    client.force_login(with_mfa(staff))
    assert "Aucune réponse transmise" in _needs(client, campaign)
