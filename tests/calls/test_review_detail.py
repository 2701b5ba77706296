import pytest
from django.core import mail
from django.urls import reverse

from calls.models import Application, CorrectionRequest, ProjectKind, TransitionLog
from calls.review.models import Follow, Label, ReviewerAssignment, ReviewNote
from calls.workflow import State

from .factories import CallFactory, QuestionFactory, editor_of
from .review_factories import LabelFactory, attach, reviewer_of, under_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def reviewer(call):
    return reviewer_of(call.region)


def _act(client, application, action, data=None):
    return client.post(reverse("calls_review:act", args=[application.pk, action]), data or {}, follow=True)


def test_detail_shows_answers_documents_eligibility_and_history(client, call, reviewer):
    from calls.models import Answer

    application = under_review(call, establishment__name="EHPAD Les Lilas")
    question = QuestionFactory(call=call, label="Date prévue de l'exercice")
    Answer.objects.create(application=application, question=question, value="2026-04-02")
    attachment = attach(application, name="grille.pdf")
    TransitionLog.objects.create(
        application=application, transition="submit", from_state="brouillon", to_state="en_construction"
    )
    client.force_login(reviewer)
    html = client.get(reverse("calls_review:application", args=[application.pk])).content.decode()
    assert "EHPAD Les Lilas" in html and "2026-04-02" in html
    assert reverse("calls:download", args=[application.pk, attachment.pk]) in html
    assert "Éligibilité" in html and "Historique" in html
    assert client.get(reverse("calls:download", args=[application.pk, attachment.pk])).status_code == 200


def test_reviewer_requests_a_correction_and_the_applicant_is_emailed(
    client, call, reviewer, django_capture_on_commit_callbacks
):
    application = under_review(call)
    editor = editor_of(application.establishment)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        _act(
            client,
            application,
            "request_correction",
            {"correction-kind": "outdated", "correction-message": "Grille de 2023."},
        )
    application.refresh_from_db()
    assert application.state == State.CORRECTION
    assert CorrectionRequest.objects.get().message == "Grille de 2023."
    assert any(editor.email in m.to for m in mail.outbox)


def test_correction_without_message_is_refused_and_nothing_changes(client, call, reviewer):
    application = under_review(call)
    client.force_login(reviewer)
    response = client.post(
        reverse("calls_review:act", args=[application.pk, "request_correction"]), {"correction-kind": "outdated"}
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.EN_INSTRUCTION


def test_refusal_without_reason_is_refused_in_french(client, call, reviewer):
    application = under_review(call)
    client.force_login(reviewer)
    response = client.post(reverse("calls_review:act", args=[application.pk, "decide"]), {"decision": "refuse"})
    assert "Le motif est obligatoire" in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.EN_INSTRUCTION


def test_attribute_kind_is_logged_and_frozen_after_decision(client, call, reviewer):
    kind = ProjectKind.objects.create(call=call, code="exercice", label="Exercice de crise")
    application = under_review(call)
    client.force_login(reviewer)
    _act(client, application, "attribute_kind", {"attribution-kind": kind.pk})
    application.refresh_from_db()
    assert application.attributed_kind == kind
    assert TransitionLog.objects.filter(application=application, transition="attribute_kind").exists()
    decided = under_review(call, state=State.REFUSE)
    html = _act(client, decided, "attribute_kind", {"attribution-kind": kind.pk}).content.decode()
    assert "ne peut plus être changé" in html


def test_notes_assignments_labels_and_follow(client, call, reviewer):
    application = under_review(call)
    colleague = reviewer_of(call.region)
    label = LabelFactory(call=call, name="Prioritaire")
    client.force_login(reviewer)
    _act(client, application, "note", {"text": "À rappeler lundi."})
    _act(client, application, "assign", {"reviewer": colleague.pk})
    _act(client, application, "labels", {"labels": [label.pk]})
    _act(client, application, "follow")
    assert ReviewNote.objects.get().author == reviewer
    assert ReviewerAssignment.objects.get().reviewer == colleague
    assert list(application.review_labels.all()) == [label]
    assert Follow.objects.filter(user=reviewer, application=application).exists()
    _act(client, application, "follow")
    assert not Follow.objects.exists()


def test_cannot_assign_someone_outside_the_regions_crrc_team(client, call, reviewer):
    application = under_review(call)
    outsider = reviewer_of(CallFactory().region)
    client.force_login(reviewer)
    _act(client, application, "assign", {"reviewer": outsider.pk})
    assert not ReviewerAssignment.objects.exists()


def test_assigned_to_me_and_followed_filters(client, call, reviewer):
    mine = under_review(call, establishment__name="EHPAD Assigné")
    followed = under_review(call, establishment__name="EHPAD Suivi")
    under_review(call, establishment__name="EHPAD Autre")
    ReviewerAssignment.objects.create(application=mine, reviewer=reviewer)
    Follow.objects.create(application=followed, user=reviewer)
    client.force_login(reviewer)
    url = reverse("calls_review:list", args=[call.pk])
    html = client.get(url + "?mine=on").content.decode()
    assert "EHPAD Assigné" in html and "EHPAD Suivi" not in html and "EHPAD Autre" not in html
    html = client.get(url + "?followed=on").content.decode()
    assert "EHPAD Suivi" in html and "EHPAD Assigné" not in html


def test_labels_created_per_call_or_for_the_region(client, call, reviewer):
    client.force_login(reviewer)
    url = reverse("calls_review:create_label", args=[call.pk])
    client.post(url, {"name": "À compléter", "colour": "orange"})
    client.post(url, {"name": "Commun", "colour": "grey", "region_wide": "on"})
    html = client.post(url, {"name": "À compléter", "colour": "red"}, follow=True).content.decode()
    assert "existe déjà" in html
    assert Label.objects.get(name="À compléter").call == call
    assert Label.objects.get(name="Commun").call is None


def test_htmx_request_returns_the_table_only(client, call, reviewer):
    under_review(call, establishment__name="EHPAD Partiel")
    client.force_login(reviewer)
    response = client.get(reverse("calls_review:list", args=[call.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "EHPAD Partiel" in html and "<html" not in html


def test_drafts_are_not_listed_for_reviewers(client, call, reviewer):
    under_review(call, state=State.BROUILLON, instruction_started_at=None, establishment__name="EHPAD Brouillon")
    client.force_login(reviewer)
    assert "EHPAD Brouillon" not in client.get(reverse("calls_review:list", args=[call.pk])).content.decode()
