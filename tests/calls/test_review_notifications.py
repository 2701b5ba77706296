import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.review.models import Follow, Message, NotificationPreference, ReviewEvent
from calls.review.notifications import send_digests
from calls.review.services import post_message
from calls.review.tasks import send_daily_digests, send_weekly_digests

from .conftest import fill
from .factories import editor_of
from .review_factories import reviewer_of, under_review

pytestmark = pytest.mark.django_db
Frequency = NotificationPreference.Frequency


def _prefer(user, call, frequency):
    NotificationPreference.objects.create(user=user, call=call, frequency=frequency)


def test_instant_reviewer_gets_one_email_per_submission_digest_reviewers_none(
    draft, editor, django_capture_on_commit_callbacks
):
    call = draft.call
    instant, daily = reviewer_of(call.region), reviewer_of(call.region)
    _prefer(instant, call, Frequency.INSTANT)
    fill(draft, editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(draft, editor)
    reviewer_mails = [m for m in mail.outbox if "Nouveau dossier déposé" in m.subject]
    assert [m.to for m in reviewer_mails] == [[instant.email]]
    assert draft.establishment.name in reviewer_mails[0].body
    assert ReviewEvent.objects.get().kind == ReviewEvent.Kind.SUBMITTED
    assert daily.email not in {a for m in mail.outbox for a in m.to}


def test_daily_digest_groups_every_event_in_one_email_and_is_not_sent_twice(django_capture_on_commit_callbacks):
    from .factories import CallFactory

    call = CallFactory()
    daily, weekly = reviewer_of(call.region), reviewer_of(call.region)
    _prefer(weekly, call, Frequency.WEEKLY)
    applications = [under_review(call) for _ in range(5)]
    for application in applications:
        ReviewEvent.objects.create(call=call, application=application, kind=ReviewEvent.Kind.SUBMITTED)
    mail.outbox.clear()

    assert send_daily_digests() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [daily.email]
    assert "Résumé quotidien" in mail.outbox[0].subject
    assert all(a.establishment.name in mail.outbox[0].body for a in applications)

    mail.outbox.clear()
    assert send_daily_digests() == 0 and mail.outbox == []  # nothing new since the last digest

    assert send_weekly_digests() == 1
    assert mail.outbox[0].to == [weekly.email] and "hebdomadaire" in mail.outbox[0].subject


def test_never_means_no_email_at_all(django_capture_on_commit_callbacks):
    from .factories import CallFactory

    call = CallFactory()
    reviewer = reviewer_of(call.region)
    _prefer(reviewer, call, Frequency.NEVER)
    ReviewEvent.objects.create(call=call, application=under_review(call), kind=ReviewEvent.Kind.SUBMITTED)
    assert send_digests(Frequency.DAILY) == 0 and send_digests(Frequency.WEEKLY) == 0


def test_digest_skips_events_older_than_its_period():
    from .factories import CallFactory

    call = CallFactory()
    reviewer_of(call.region)
    ReviewEvent.objects.create(
        call=call,
        application=under_review(call),
        kind=ReviewEvent.Kind.SUBMITTED,
        created_at=timezone.now() - datetime.timedelta(days=3),
    )
    assert send_digests(Frequency.DAILY) == 0


def test_preference_is_set_from_the_list_page(client):
    from .factories import CallFactory

    call = CallFactory()
    reviewer = reviewer_of(call.region)
    client.force_login(reviewer)
    client.post(reverse("calls_review:preference", args=[call.pk]), {"frequency": "weekly"})
    assert NotificationPreference.objects.get(user=reviewer, call=call).frequency == Frequency.WEEKLY


def test_applicant_message_goes_instantly_only_to_followers_when_someone_follows(django_capture_on_commit_callbacks):
    from .factories import CallFactory

    call = CallFactory()
    application = under_review(call)
    follower, bystander = reviewer_of(call.region), reviewer_of(call.region)
    for user in (follower, bystander):
        _prefer(user, call, Frequency.INSTANT)
    Follow.objects.create(application=application, user=follower)
    with django_capture_on_commit_callbacks(execute=True):
        post_message(application, editor_of(application.establishment), "Voici la date : 12 mars.")
    assert [m.to for m in mail.outbox] == [[follower.email]]
    assert "Message du demandeur" in mail.outbox[0].subject


# ---- the thread, both ways ----------------------------------------------------------------------------------


def test_reviewer_message_reaches_the_applicant_page_and_mailbox(client, django_capture_on_commit_callbacks):
    from .factories import CallFactory

    call = CallFactory()
    application = under_review(call)
    editor = editor_of(application.establishment)
    client.force_login(reviewer_of(call.region))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("calls_review:thread", args=[application.pk]),
            {"body": "Pouvez-vous joindre le bon de commande signé ?"},
            headers={"HX-Request": "true"},
        )
    assert "Pouvez-vous joindre le bon de commande signé ?" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [editor.email]
    assert "Pouvez-vous joindre le bon de commande signé ?" in mail.outbox[0].body
    assert f"/appels/dossier/{application.pk}/" in mail.outbox[0].body

    client.force_login(editor)
    html = client.get(reverse("calls_review:thread", args=[application.pk])).content.decode()
    assert "Pouvez-vous joindre le bon de commande signé ?" in html and "Équipe du CRRC" in html
    assert Message.objects.get().read_by_applicant_at is not None


def test_applicant_application_page_shows_the_thread_with_its_reply_form(client):
    from .factories import CallFactory

    application = under_review(CallFactory())
    post_message(application, reviewer_of(application.call.region), "Merci de joindre le bon de commande signé.")
    client.force_login(editor_of(application.establishment))
    html = client.get(reverse("calls:application", args=[application.pk])).content.decode()
    assert "Messagerie du dossier" in html
    assert "Merci de joindre le bon de commande signé." in html
    assert "Envoyer le message" in html
    assert Message.objects.get().read_by_applicant_at is not None


def test_applicant_answer_is_shown_to_reviewers_and_marked_read(client, django_capture_on_commit_callbacks):
    from .factories import CallFactory

    call = CallFactory()
    application = under_review(call)
    reviewer = reviewer_of(call.region)
    _prefer(reviewer, call, Frequency.INSTANT)
    client.force_login(editor_of(application.establishment))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("calls_review:thread", args=[application.pk]), {"body": "Le voici, signé."})
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    message = Message.objects.get()
    assert not message.from_staff and message.read_by_staff_at is None

    client.force_login(reviewer)
    html = client.get(reverse("calls_review:application", args=[application.pk])).content.decode()
    assert reverse("calls_review:thread", args=[application.pk]) in html
    assert "Le voici, signé." in client.get(reverse("calls_review:thread", args=[application.pk])).content.decode()
    message.refresh_from_db()
    assert message.read_by_staff_at is not None


def test_empty_message_is_refused_in_french(client):
    from .factories import CallFactory

    call = CallFactory()
    application = under_review(call)
    client.force_login(editor_of(application.establishment))
    response = client.post(
        reverse("calls_review:thread", args=[application.pk]), {"body": "   "}, headers={"HX-Request": "true"}
    )
    assert "Ce champ est obligatoire" in response.content.decode()
    assert not Message.objects.exists()
