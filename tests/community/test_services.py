"""Services of the community: every rule and every refusal the issue names, with nothing half-written."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community import services
from community.models import (
    Access,
    Activity,
    Document,
    DocumentVersion,
    Event,
    Folder,
    Member,
    ModerationLog,
    Poll,
    Post,
    Registration,
    Thread,
)
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory

from .conftest import pdf, viewer
from .factories import EventFactory, GroupFactory, MemberFactory, PollFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def _root(space, name="Guides bonnes pratiques"):
    return Folder.objects.get(space=space, parent=None, name=name)


def test_new_space_has_the_folders_members_know(space):
    assert list(Folder.objects.filter(space=space).order_by("order").values_list("name", flat=True)) == [
        "A classer", "Divers documents d'intérêt", "Guides bonnes pratiques", "Offre CERT Santé",
        "Outils et méthodes indispensables",
    ]  # fmt: skip


# --- membership -------------------------------------------------------------------------------------------


def test_request_then_approval_by_staff_with_log(space, department, staff):
    user = MembershipFactory(establishment=EstablishmentFactory(department=department), role=Role.RSSI).user
    member = services.request_join(space, user, message="RSSI du CH")
    assert member.state == Member.State.REQUESTED and not viewer(user, space).can_read
    assert any("Demande d'adhésion" in m.subject for m in mail.outbox)
    services.decide_request(viewer(staff, space), member, approve=True)
    member.refresh_from_db()
    assert member.state == Member.State.ACTIVE and viewer(user, space).can_read
    assert ModerationLog.objects.filter(space=space, action=ModerationLog.Action.APPROVE, member=member).exists()
    # The workflow kit logged both steps.
    assert [(t.transition, t.from_state, t.to_state) for t in member.transitions.order_by("at", "pk")] == [
        ("request", "", "requested"), ("approve", "requested", "active")
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.decide_request(viewer(staff, space), member, approve=False)


def test_request_refused_outside_the_region(space):
    user = MembershipFactory().user  # an establishment of another region
    with pytest.raises(ValidationError, match="rattachées à un établissement de la région"):
        services.request_join(space, user)
    assert not Member.objects.filter(user=user).exists()


def test_only_staff_decide(space, es_member, department):
    user = MembershipFactory(establishment=EstablishmentFactory(department=department)).user
    member = services.request_join(space, user)
    with pytest.raises(ValidationError, match="équipe du CRRC"):
        services.decide_request(viewer(es_member.user, space), member, approve=True)
    # Even straight through the kit, someone who is not the region's staff may not approve.
    with pytest.raises(ValidationError, match="pas le droit"):
        services.move_member(member, "approve", es_member.user)
    member.refresh_from_db()
    assert member.state == Member.State.REQUESTED


def test_invitation_accept(space, staff, department):
    user = MembershipFactory(establishment=EstablishmentFactory(department=department)).user
    member = services.invite(viewer(staff, space), user.email.upper())
    assert member.state == Member.State.INVITED and member.establishment is not None
    other = MembershipFactory(establishment=EstablishmentFactory(department=department)).user
    with pytest.raises(ValidationError, match="pas le droit"):
        services.answer_invitation(member, other, accept=True)
    services.answer_invitation(member, user, accept=True)
    member.refresh_from_db()
    assert member.state == Member.State.ACTIVE and member.source == Member.Source.INVITATION


def test_invitation_without_account_refused(space, staff):
    with pytest.raises(ValidationError) as error:
        services.invite(viewer(staff, space), "inconnu@example.org")
    assert "créer son compte" in str(error.value.message_dict["email"])


def test_removed_member_loses_access_at_once(space, es_member, staff):
    assert viewer(es_member.user, space).can_read
    services.remove_member(viewer(staff, space), es_member, "a quitté l'établissement")
    v = viewer(es_member.user, space)
    assert not v.can_read and not v.visible_folder_ids and not v.documents().exists()
    assert ModerationLog.objects.get(action=ModerationLog.Action.REMOVE).reason == "a quitté l'établissement"


class _Offer:
    kind = "community"


class _Subscription:
    def __init__(self, establishment, state, contacts):
        self.pk, self.establishment, self.state, self.contacts, self.offer = 1, establishment, state, contacts, _Offer()


def test_join_from_positioning_contacts(space, department):
    establishment = EstablishmentFactory(department=department)
    known = UserFactory(email="rssi@ch.example.org")
    contacts = [
        {"last_name": "Durand", "first_name": "Léa", "function": "RSSI", "email": "RSSI@ch.example.org"},
        {"last_name": "Roux", "first_name": "Paul", "function": "DSI", "email": "sans-compte@ch.example.org"},
    ]
    outcomes = services.join_from_subscription(_Subscription(establishment, "active", contacts))
    assert outcomes == [("rssi@ch.example.org", "joined"), ("sans-compte@ch.example.org", "no_account")]
    member = Member.objects.get(space=space, user=known)
    assert member.is_active and member.source == Member.Source.OFFER and member.function == "RSSI"
    assert member.establishment == establishment
    # Signal sent twice: nothing duplicated.
    assert services.join_from_subscription(_Subscription(establishment, "active", contacts))[0][1] == "already_member"
    services.join_from_subscription(_Subscription(establishment, "withdrawn", contacts))
    member.refresh_from_db()
    assert member.state == Member.State.REMOVED


def test_receiver_ignores_other_offers(space, department):
    from community.receivers import on_subscription_changed

    subscription = _Subscription(EstablishmentFactory(department=department), "active", [{"email": "x@y.fr"}])
    subscription.offer = type("O", (), {"kind": "audit"})()
    on_subscription_changed(None, subscription=subscription)
    assert not Member.objects.exists()


# --- folder rights ----------------------------------------------------------------------------------------


def test_rights_inherited_unless_overridden(space, es_member, esms_member, staff):
    group = GroupFactory(space=space)
    group.members.add(esms_member)
    sv = viewer(staff, space)
    es_only = services.create_folder(sv, "Hôpitaux", None, Access.ES)
    inherits = services.create_folder(sv, "Sous-dossier", es_only, Access.INHERIT)
    grandchild = services.create_folder(sv, "Petit-enfant", inherits, Access.INHERIT)
    overridden = services.create_folder(sv, "Groupe", es_only, Access.GROUP, group)
    staff_only = services.create_folder(sv, "CRRC", None, Access.STAFF)
    es, esms = viewer(es_member.user, space), viewer(esms_member.user, space)
    assert {es_only.pk, inherits.pk, grandchild.pk} <= es.visible_folder_ids
    assert overridden.pk not in es.visible_folder_ids and staff_only.pk not in es.visible_folder_ids
    assert not {es_only.pk, inherits.pk, grandchild.pk} & esms.visible_folder_ids
    assert overridden.pk in esms.visible_folder_ids
    assert {es_only.pk, overridden.pk, staff_only.pk} <= sv.visible_folder_ids


def test_folder_refusals(space, staff):
    sv = viewer(staff, space)
    with pytest.raises(ValidationError) as error:
        services.create_folder(sv, "", None, Access.INHERIT)
    assert set(error.value.message_dict) == {"name", "access"}
    with pytest.raises(ValidationError) as error:
        services.create_folder(sv, "Groupe", None, Access.GROUP, None)
    assert "group" in error.value.message_dict


# --- documents --------------------------------------------------------------------------------------------


def test_upload_and_new_version(space, es_member):
    v = viewer(es_member.user, space)
    document = services.upload_document(v, _root(space), pdf(), "Guide PRA", "Plan de reprise")
    assert document.version_count == 1 and document.file_type == "pdf" and document.size > 0
    version = services.add_version(v, document, pdf("guide-v2.pdf"), "Annexe mise à jour")
    document.refresh_from_db()
    assert (version.number, document.version_count) == (2, 2)
    assert version.uploaded_by == es_member.user and version.note == "Annexe mise à jour"
    assert list(Activity.objects.filter(document=document).values_list("kind", flat=True)) == ["version", "document"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ\x90\x00", "interdit"),
        ("faux.pdf", b"bonjour\n", "ne correspond pas"),
        ("inconnu.pdf", b"\x00\x01binaire", "pas reconnu"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_refused_files_write_nothing(space, es_member, name, content, message):
    with pytest.raises(ValidationError) as error:
        services.upload_document(viewer(es_member.user, space), _root(space), SimpleUploadedFile(name, content), "T")
    assert message in " ".join(error.value.message_dict["file"])
    assert not Document.objects.exists() and not DocumentVersion.objects.exists() and not Activity.objects.exists()


def test_upload_refused_in_a_folder_one_cannot_see(space, esms_member, staff):
    es_only = services.create_folder(viewer(staff, space), "Hôpitaux", None, Access.ES)
    with pytest.raises(ValidationError) as error:
        services.upload_document(viewer(esms_member.user, space), es_only, pdf(), "T")
    assert "folder" in error.value.message_dict
    assert not Document.objects.exists()


def test_new_version_needs_a_note(space, es_member):
    v = viewer(es_member.user, space)
    document = services.upload_document(v, _root(space), pdf(), "Guide")
    with pytest.raises(ValidationError) as error:
        services.add_version(v, document, pdf(), "")
    assert "note" in error.value.message_dict
    assert DocumentVersion.objects.filter(document=document).count() == 1


# --- discussions ------------------------------------------------------------------------------------------


def test_thread_reply_mentions_notify(space, es_member, esms_member):
    mail.outbox.clear()
    v = viewer(es_member.user, space)
    thread = services.start_thread(v, "Sauvegardes hors ligne", "Qui a testé ? @bruno.petit")
    opening = thread.posts.get()
    assert list(opening.mentions.all()) == [esms_member.user]
    mention_mails = [m for m in mail.outbox if "vous a mentionné" in m.subject]
    assert [m.to for m in mention_mails] == [[esms_member.user.email]]
    post = services.reply(viewer(esms_member.user, space), thread, "Oui, @alice.martin, avec des bandes. @personne")
    assert list(post.mentions.all()) == [es_member.user]
    thread.refresh_from_db()
    assert thread.reply_count == 1 and thread.last_activity_at == post.created_at


def test_mention_of_an_archived_member_sends_nothing(space, es_member, esms_member):
    services.set_level(esms_member, "archived")
    mail.outbox.clear()
    services.start_thread(viewer(es_member.user, space), "Sujet", "@bruno.petit")
    assert not [m for m in mail.outbox if "mentionné" in m.subject]


def test_reply_to_locked_thread_refused(space, es_member, staff):
    thread = services.start_thread(viewer(es_member.user, space), "Sujet", "Texte")
    services.set_thread_locked(viewer(staff, space), thread, True, "hors sujet")
    with pytest.raises(ValidationError, match="verrouillée"):
        services.reply(viewer(es_member.user, space), thread, "Encore moi")
    assert Post.objects.filter(thread=thread).count() == 1
    assert ModerationLog.objects.filter(action=ModerationLog.Action.LOCK, thread=thread).exists()


def test_empty_thread_refused(space, es_member):
    with pytest.raises(ValidationError) as error:
        services.start_thread(viewer(es_member.user, space), "", "")
    assert set(error.value.message_dict) == {"title", "body"}
    assert not Thread.objects.exists()


def test_thread_cannot_point_at_a_document_the_author_cannot_see(space, esms_member, staff):
    es_only = services.create_folder(viewer(staff, space), "Hôpitaux", None, Access.ES)
    document = services.upload_document(viewer(staff, space), es_only, pdf(), "Secret ES")
    with pytest.raises(ValidationError) as error:
        services.start_thread(viewer(esms_member.user, space), "Sujet", "Texte", document)
    assert "document" in error.value.message_dict


def test_likes_toggle_and_own_post_refused(space, es_member, esms_member):
    thread = services.start_thread(viewer(es_member.user, space), "Sujet", "Texte")
    post = thread.posts.get()
    assert services.toggle_like(viewer(esms_member.user, space), post) is True
    post.refresh_from_db()
    assert post.like_count == 1
    assert services.toggle_like(viewer(esms_member.user, space), post) is False
    post.refresh_from_db()
    assert post.like_count == 0
    with pytest.raises(ValidationError):
        services.toggle_like(viewer(es_member.user, space), post)


def test_hiding_a_post_needs_a_reason_and_hides_its_item(space, es_member, staff):
    thread = services.start_thread(viewer(es_member.user, space), "Sujet", "Texte")
    post = services.reply(viewer(es_member.user, space), thread, "Spam")
    with pytest.raises(ValidationError):
        services.set_post_hidden(viewer(staff, space), post, True, "")
    services.set_post_hidden(viewer(staff, space), post, True, "publicité")
    assert Activity.objects.get(post=post).is_hidden
    assert not viewer(es_member.user, space).activities().filter(post=post).exists()


# --- events -----------------------------------------------------------------------------------------------


def _event_data(**over):
    start = timezone.now() + timezone.timedelta(days=3)
    data = {"title": "Webinaire NIS 2", "kind": "webinar", "mode": "remote", "link": "https://visio.example.org/x",
            "starts_at": start, "ends_at": start + timezone.timedelta(hours=1), "capacity": 2}  # fmt: skip
    return {**data, **over}


@pytest.mark.parametrize(
    ("over", "field"),
    [({"capacity": 0}, "capacity"), ({"capacity": -3}, "capacity"), ({"ends_at": timezone.now()}, "ends_at"),
     ({"link": ""}, "link"), ({"mode": "on_site", "location": ""}, "location")],
)  # fmt: skip
def test_event_refusals(space, staff, over, field):
    with pytest.raises(ValidationError) as error:
        services.create_event(viewer(staff, space), **_event_data(**over))
    assert field in error.value.message_dict
    assert not Event.objects.exists()


def test_capacity_waiting_list_and_first_come_promotion(space, staff):
    event = services.create_event(viewer(staff, space), **_event_data())
    members = [MemberFactory(space=space) for _ in range(4)]
    states = [services.register(viewer(m.user, space), event).state for m in members]
    assert states == ["confirmed", "confirmed", "waiting", "waiting"]
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.register(viewer(members[0].user, space), event)
    mail.outbox.clear()
    promoted = services.cancel_registration(viewer(members[1].user, space), event)
    assert promoted.user == members[2].user and promoted.state == "confirmed" and promoted.promoted_at
    assert [m.to for m in mail.outbox if "place s'est libérée" in m.subject] == [[members[2].user.email]]
    # A waiting person who cancels frees no place: nobody is promoted.
    assert services.cancel_registration(viewer(members[3].user, space), event) is None
    assert Registration.objects.filter(event=event, state="confirmed").count() == 2


def test_group_event_refused_to_outsiders(space, staff, es_member):
    group = GroupFactory(space=space)
    event = services.create_event(viewer(staff, space), **_event_data(group=group))
    with pytest.raises(ValidationError, match="réservé à un groupe"):
        services.register(viewer(es_member.user, space), event)


def test_reminders_the_day_before_once(space, staff):
    from community.tasks import send_event_reminders

    event = EventFactory(space=space, starts_at=timezone.now() + timezone.timedelta(hours=20))
    EventFactory(space=space)  # in ten days: no reminder yet
    member = MemberFactory(space=space)
    Registration.objects.create(event=event, user=member.user, state="confirmed")
    mail.outbox.clear()
    assert send_event_reminders() == 1
    assert send_event_reminders() == 0
    assert "Rappel" in mail.outbox[0].subject


# --- polls ------------------------------------------------------------------------------------------------


def _poll(space, user, **over):
    data = {"question": "Quel EDR ?", "options": ["A", "B"], "multiple": False, "anonymous": False,
            "closes_at": timezone.now() + timezone.timedelta(days=2), "results": "after_vote"}  # fmt: skip
    return services.create_poll(viewer(user, space), **{**data, **over})


@pytest.mark.parametrize(
    ("over", "field"),
    [({"options": ["Seule"]}, "options"), ({"options": ["A", " a ", "A"]}, "options"),
     ({"closes_at": timezone.now()}, "closes_at"), ({"question": " "}, "question")],
)  # fmt: skip
def test_poll_refusals(space, es_member, over, field):
    with pytest.raises(ValidationError) as error:
        _poll(space, es_member.user, **over)
    assert field in error.value.message_dict
    assert not Poll.objects.exists()


def test_single_choice_and_anonymous_votes(space, es_member, esms_member):
    poll = _poll(space, es_member.user, anonymous=True)
    a, b = poll.options.all()
    with pytest.raises(ValidationError, match="une seule réponse"):
        services.vote(viewer(esms_member.user, space), poll, [a.pk, b.pk])
    services.vote(viewer(esms_member.user, space), poll, [a.pk])
    with pytest.raises(ValidationError, match="déjà répondu"):
        services.vote(viewer(esms_member.user, space), poll, [b.pk])
    assert poll.choices.get().ballot is None  # anonymous: the choice is not linked to the voter


def test_closed_poll_refuses_votes(space, es_member):
    poll = PollFactory(space=space, closes_at=timezone.now() - timezone.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="clos"):
        services.vote(viewer(es_member.user, space), poll, [poll.options.first().pk])


def test_thread_factory_smoke(space):
    assert ThreadFactory(space=space).space == space
