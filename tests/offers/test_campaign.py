"""The shared campaign answer: autosave by any editor, all-or-nothing validation, submission by a director, the
deadline, and the subscriptions (with contacts, dates and the on-commit signal) it creates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from offers import services
from offers.models import Answer, OfferKind, Subscription, SubscriptionLog, SubscriptionState
from offers.signals import subscription_changed

from .conftest import FULL_ANSWER

pytestmark = pytest.mark.django_db


def test_ami_questions_are_data(campaign):
    codes = list(campaign.questions.values_list("code", flat=True))
    assert codes[:3] == ["framework", "audit_volume", "audit_spend"]
    assert {o.kind for o in campaign.offers.all()} == {
        OfferKind.AUDIT_FRAMEWORK, OfferKind.EXERCISE_FRAMEWORK, OfferKind.COMMUNITY, OfferKind.AWARENESS,
    }  # fmt: skip
    framework = campaign.questions.get(code="framework")
    assert [c[0] for c in framework.choices] == ["audits", "exercises", "both", "no"]


def test_two_members_share_one_answer(campaign, establishment, director, rssi):
    first = services.start_response(campaign, establishment, rssi)
    assert services.start_response(campaign, establishment, director) == first
    services.save_answers(first, rssi, {"framework": "audits", "audit_volume": "3"})
    services.save_answers(first, director, {"community_join": "no"})
    values = {a.question.code: a.value for a in first.answers.select_related("question")}
    assert values == {"framework": "audits", "audit_volume": 3, "community_join": False}
    assert first.answers.get(question__code="community_join").updated_by == director


def test_a_member_without_role_cannot_answer(campaign, establishment, member):
    with pytest.raises(ValidationError, match="directeur ou RSSI"):
        services.start_response(campaign, establishment, member)


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("audit_volume", "1,5", "nombre entier"),
        ("audit_volume", "0", "supérieur à zéro"),
        ("audit_spend", "-10", "supérieur à zéro"),
        ("audit_spend", "beaucoup", "montant"),
        ("covered_until", "31/02/2027", "date"),
        ("framework", "peut-être", "réponses proposées"),
    ],
)
def test_bad_input_writes_nothing(campaign, establishment, rssi, code, value, message):
    response = services.start_response(campaign, establishment, rssi)
    result = services.save_answers(response, rssi, {"framework": "both", code: value})
    assert message in result.errors[code]
    assert not Answer.objects.filter(response=response).exists()


def test_bad_contact_email_is_refused(campaign, establishment, rssi):
    response = services.start_response(campaign, establishment, rssi)
    bad = {"community_contacts__0__last_name": "Martin", "community_contacts__0__first_name": "Claire",
           "community_contacts__0__email": "claire@"}  # fmt: skip
    result = services.save_answers(response, rssi, {"community_join": "yes", "community_contacts": bad})
    assert "n'est pas valide" in result.errors["community_contacts"]
    assert not Answer.objects.filter(response=response).exists()


def test_hidden_answers_are_cleared(campaign, establishment, rssi):
    response = services.start_response(campaign, establishment, rssi)
    services.save_answers(response, rssi, {"framework": "both", "audit_volume": "2", "exercise_volume": "1"})
    result = services.save_answers(response, rssi, {"framework": "audits"})
    assert result.cleared == {"exercise_volume"}
    assert set(response.answers.values_list("question__code", flat=True)) == {"framework", "audit_volume"}


def test_after_the_deadline_nothing_is_written(campaign, establishment, rssi, director):
    response = services.start_response(campaign, establishment, rssi)
    campaign.opens_at = timezone.now() - datetime.timedelta(days=40)
    campaign.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    campaign.save()
    response.refresh_from_db()
    with pytest.raises(ValidationError, match="close depuis"):
        services.save_answers(response, rssi, {"framework": "no"})
    with pytest.raises(ValidationError, match="close depuis"):
        services.submit_response(response, director)
    assert not response.answers.exists()


def test_only_a_director_submits(campaign, establishment, rssi):
    response = services.start_response(campaign, establishment, rssi)
    services.save_answers(response, rssi, FULL_ANSWER)
    with pytest.raises(ValidationError, match="directeur"):
        services.submit_response(response, rssi)


def test_mandatory_questions_before_submission(campaign, establishment, director):
    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, {"framework": "audits"})
    with pytest.raises(ValidationError, match="obligatoires") as error:
        services.submit_response(response, director)
    assert "nombre estimé de prestations" in str(error.value)
    response.refresh_from_db()
    assert response.submitted_at is None


def test_submission_creates_subscriptions_and_signals_on_commit(
    campaign, establishment, director, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, subscription, **kwargs):
        received.append((subscription.offer.kind, subscription.state))

    subscription_changed.connect(receiver)
    try:
        response = services.start_response(campaign, establishment, director)
        services.save_answers(response, director, FULL_ANSWER | {"covered_until": "2027-06-30"})
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.submit_response(response, director)
            assert received == []  # nothing before commit
        assert callbacks
    finally:
        subscription_changed.disconnect(receiver)
    subscriptions = {s.offer.kind: s for s in Subscription.objects.filter(establishment=establishment)}
    assert set(subscriptions) == {"audit_framework", "exercise_framework", "community", "awareness"}
    assert all(s.state == SubscriptionState.REQUESTED for s in subscriptions.values())
    assert subscriptions["community"].contacts == [
        {"last_name": "Martin", "first_name": "Claire", "function": "RSSI", "email": "claire.martin@ehpad.example"}
    ]
    assert subscriptions["audit_framework"].starts_on == datetime.date(2027, 6, 30)
    assert subscriptions["exercise_framework"].starts_on == datetime.date(2027, 6, 30)
    assert subscriptions["awareness"].details["phishing_on_demand"] is True
    assert sorted(received) == sorted((k, "requested") for k in subscriptions)
    assert SubscriptionLog.objects.filter(subscription__establishment=establishment, transition="request").count() == 4


def test_resubmission_withdraws_what_is_no_longer_asked(campaign, establishment, director, staff):
    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER)
    services.submit_response(response, director)
    community = Subscription.objects.get(establishment=establishment, offer__kind="community")
    services.apply_subscription(community, "activate", staff)
    services.save_answers(response, director, {"community_join": "no", "framework": "audits"})
    services.submit_response(response, director)
    states = dict(Subscription.objects.filter(establishment=establishment).values_list("offer__kind", "state"))
    assert states == {"audit_framework": "requested", "exercise_framework": "withdrawn", "community": "withdrawn",
                      "awareness": "requested"}  # fmt: skip
    services.save_answers(
        response, director, {"community_join": "yes", "community_contacts": FULL_ANSWER["community_contacts"]}
    )
    services.submit_response(response, director)
    assert Subscription.objects.get(pk=community.pk).state == "requested"


def test_receipt_is_requested_on_commit(campaign, establishment, director, django_capture_on_commit_callbacks):
    from offers.documents import RECEIPT
    from reports.models import Report

    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_response(response, director)
    report = Report.objects.get(kind=RECEIPT, subject_id=response.pk)
    assert report.establishment == establishment


def test_receipt_builds(campaign, establishment, director):
    from offers.documents import RECEIPT, build_receipt
    from reports.models import Report

    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER)
    services.submit_response(response, director)
    report = Report(establishment=establishment, kind=RECEIPT, subject_id=response.pk)
    document = build_receipt(report)
    labels = [row["label"] for row in document.context["rows"]]
    assert "Souhaitez-vous bénéficier de l'accord-cadre régional ?" in labels
    assert any(row["value"] == "OUI sur les deux" for row in document.context["rows"])


def test_reminders_go_to_establishments_without_submission(
    campaign, establishment, director, staff, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        count = services.send_reminders(campaign, staff)
    assert count == 1
    assert mailoutbox and director.email in mailoutbox[0].to
    assert "Relance" in mailoutbox[0].subject
    with pytest.raises(ValidationError):
        services.send_reminders(campaign, director)


def test_state_changes_send_the_signal_on_commit(campaign, establishment, director, staff,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    response = services.start_response(campaign, establishment, director)
    services.save_answers(response, director, FULL_ANSWER)
    services.submit_response(response, director)
    community = Subscription.objects.get(establishment=establishment, offer__kind="community")
    received = []

    def receiver(sender, subscription, **kwargs):
        received.append(subscription.state)

    subscription_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.apply_subscription(community, "activate", staff)
            assert received == []
        with django_capture_on_commit_callbacks(execute=True):
            services.apply_subscription(community, "withdraw", director, reason="Départ du RSSI")
    finally:
        subscription_changed.disconnect(receiver)
    assert received == ["active", "withdrawn"]
    community.refresh_from_db()
    assert community.activated_on and community.withdrawn_on
