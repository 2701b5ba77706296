import pytest
from django.urls import reverse

from calls.review.models import Label
from establishments.roles import StaffKind

from .factories import CallFactory, editor_of
from .review_factories import LabelFactory, ReviewNoteFactory, ReviewScoreFactory, attach, reviewer_of, under_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_b():
    return CallFactory()


@pytest.fixture
def staff_a():
    return reviewer_of(CallFactory().region)


@pytest.mark.parametrize(
    "name, args",
    [
        ("calls_review:list", "call"),
        ("calls_review:ranking", "call"),
        ("calls_review:zip", "call"),
        ("calls_review:application", "application"),
        ("calls_review:thread", "application"),
    ],
)
def test_staff_of_region_a_gets_404_on_region_b(client, staff_a, call_b, name, args):
    application = under_review(call_b)
    client.force_login(staff_a)
    pk = call_b.pk if args == "call" else application.pk
    assert client.get(reverse(name, args=[pk])).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_exports_of_region_b_are_404(client, staff_a, call_b, fmt):
    under_review(call_b)
    client.force_login(staff_a)
    assert client.get(reverse("calls_review:export", args=[call_b.pk, fmt])).status_code == 404


def test_staff_of_region_a_cannot_act_on_region_b(client, staff_a, call_b):
    application = under_review(call_b)
    client.force_login(staff_a)
    response = client.post(reverse("calls_review:act", args=[application.pk, "decide"]), {"decision": "accept"})
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == "en_instruction"


def test_applicant_never_reaches_the_review_pages(client, call_b):
    application = under_review(call_b)
    client.force_login(editor_of(application.establishment))
    assert client.get(reverse("calls_review:application", args=[application.pk])).status_code == 404
    assert client.get(reverse("calls_review:list", args=[call_b.pk])).status_code == 404
    assert client.get(reverse("calls_review:index")).status_code == 404


def test_applicant_thread_shows_no_note_score_or_label(client, call_b):
    application = under_review(call_b)
    reviewer = reviewer_of(call_b.region)
    ReviewNoteFactory(application=application, author=reviewer, text="NOTE-INTERNE-SECRETE")
    ReviewScoreFactory(application=application, reviewer=reviewer, comment="COMMENTAIRE-DE-NOTATION")
    LabelFactory(call=call_b, name="ETIQUETTE-INTERNE").applications.add(application)
    client.force_login(editor_of(application.establishment))
    html = client.get(reverse("calls_review:thread", args=[application.pk])).content.decode()
    for secret in ("NOTE-INTERNE-SECRETE", "COMMENTAIRE-DE-NOTATION", "ETIQUETTE-INTERNE"):
        assert secret not in html
    assert "Messagerie du dossier" in html


def test_applicant_of_another_establishment_gets_404_on_the_thread(client, call_b):
    application = under_review(call_b)
    other = under_review(call_b)
    client.force_login(editor_of(other.establishment))
    assert client.get(reverse("calls_review:thread", args=[application.pk])).status_code == 404


def test_label_of_another_region_cannot_be_put_on_an_application(client, call_b):
    application = under_review(call_b)
    foreign = Label.objects.create(region=CallFactory().region, name="Ailleurs")
    client.force_login(reviewer_of(call_b.region))
    client.post(reverse("calls_review:act", args=[application.pk, "labels"]), {"labels": [foreign.pk]})
    assert not application.review_labels.exists()


def test_ars_reviewer_reads_but_has_no_forms(client, call_b):
    application = under_review(call_b)
    attach(application)
    client.force_login(reviewer_of(call_b.region, kind=StaffKind.ARS_REVIEWER))
    html = client.get(reverse("calls_review:application", args=[application.pk])).content.decode()
    assert "Lecture seule" in html and "Enregistrer la décision" not in html
    response = client.post(reverse("calls_review:act", args=[application.pk, "note"]), {"text": "x"})
    assert response.status_code == 403


def test_reviewer_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    call = CallFactory()
    reviewer = reviewer_of(call.region)
    labels = [LabelFactory(call=call) for _ in range(3)]
    for i in range(40):
        application = under_review(call)
        labels[i % 3].applications.add(application)
        ReviewScoreFactory(application=application, reviewer=reviewer, motivation=i % 6)
    client.force_login(reviewer)
    url = (
        reverse("calls_review:list", args=[call.pk])
        + "?columns=reference&columns=labels&columns=reviewers&columns=motivation"
    )
    client.get(url)  # computes the priorities once
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.content.decode().count("data-application=") == 40


def test_index_counts_each_calls_applications(client, django_assert_max_num_queries):
    """The index counts per call (one subquery each, issue 15): submitted ones, and those still to review."""
    from calls.workflow import State

    from .factories import ApplicationFactory

    call = CallFactory()
    other = CallFactory(region=call.region)
    under_review(call)
    under_review(call, state=State.EN_CONSTRUCTION)
    under_review(call, state=State.ACCEPTE)
    ApplicationFactory(call=call, state=State.BROUILLON)
    ApplicationFactory(call=call, state=State.ABANDONNE)
    under_review(other)
    client.force_login(reviewer_of(call.region))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("calls_review:index"))
    rows = {c.pk: (c.submitted, c.to_review) for c in response.context["calls"]}
    assert rows == {call.pk: (3, 2), other.pk: (1, 1)}  # drafts and abandoned ones are not counted


@pytest.mark.parametrize("size", [4, 60])
def test_reviewer_list_pages_read_the_same_rows_in_bounded_queries(client, size, django_assert_max_num_queries):
    """The list reads a page's ids, then those rows (issue 15): at both sizes the same bounded number of queries,
    and the pages together show every application once, in the order of the filtered list (the exports')."""
    from django.http import QueryDict

    from calls.review.selectors import filter_form, filtered_applications
    from calls.review.views import PAGE_SIZE

    call = CallFactory()
    reviewer = reviewer_of(call.region)
    label = LabelFactory(call=call)
    for i in range(size):
        application = under_review(call, declared_risk_level=["low", "medium", "high", "critical"][i % 4])
        if i % 2:
            label.applications.add(application)
            ReviewScoreFactory(application=application, reviewer=reviewer, motivation=i % 6)
    client.force_login(reviewer)
    url = reverse("calls_review:list", args=[call.pk]) + "?columns=reference&columns=labels&columns=motivation"
    client.get(url)  # computes the priorities once
    shown = []
    for number in range(1, (size - 1) // PAGE_SIZE + 2):
        with django_assert_max_num_queries(24):
            response = client.get(f"{url}&page={number}")
        shown += [a.pk for a in response.context["page"].object_list]
    expected = filtered_applications(reviewer, call, filter_form(call, QueryDict("")))
    assert shown == [a.pk for a in expected] and len(shown) == size
    assert response.content.decode().count("data-application=") == size - PAGE_SIZE * (number - 1)
