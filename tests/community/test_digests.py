"""Digests and notification levels: exactly the unread items since the previous digest, nothing twice, folder
rights in every digest, and the signed one-click link to change one's level."""

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from community import digests, services
from community.models import Access, Activity, Digest, DigestItem, Member, NotificationLevel
from community.tasks import send_monthly_digests, send_weekly_digests

from .conftest import pdf, viewer
from .factories import MemberFactory

pytestmark = pytest.mark.django_db


def _past(member, days=8):
    Member.objects.filter(pk=member.pk).update(digest_cursor=timezone.now() - timezone.timedelta(days=days))
    member.refresh_from_db()


def _digest_titles(member):
    sent = [m for m in mail.outbox if m.to == [member.user.email] and "résumé" in m.subject.lower()]
    return sent


def _items(member):
    return set(DigestItem.objects.filter(member=member).values_list("activity__title", flat=True))


@pytest.fixture
def author(space):
    return MemberFactory(space=space, level=NotificationLevel.ARCHIVED)


def test_weekly_digest_holds_exactly_the_unread_items_and_nothing_twice(space, es_member, author):
    _past(es_member)
    a = viewer(author.user, space)
    folder = space.folders.get(name="A classer")
    read_doc = services.upload_document(a, folder, pdf(), "Lu déjà")
    services.upload_document(a, folder, pdf(), "Pas encore lu")
    thread = services.start_thread(a, "Discussion non lue", "Texte")
    services.mark_read(es_member.user, Activity.objects.filter(document=read_doc))
    mail.outbox.clear()

    assert send_weekly_digests() == 1
    assert _items(es_member) == {"Pas encore lu", "Discussion non lue"}
    body = _digest_titles(es_member)[0].body
    assert "Pas encore lu" in body and "Lu déjà" not in body and "hebdomadaire" in _digest_titles(es_member)[0].subject

    # Second run, nothing new: nothing sent, nothing recorded twice.
    mail.outbox.clear()
    assert send_weekly_digests() == 0 and not mail.outbox
    # A new reply after the digest: only it goes in the next one.
    services.reply(a, thread, "Réponse")
    assert send_weekly_digests() == 1
    latest = Digest.objects.filter(member=es_member).first()
    assert list(latest.items.values_list("activity__kind", flat=True)) == ["reply"]
    assert DigestItem.objects.filter(member=es_member).count() == 3


def test_each_level_gets_its_own_digest_or_none(space, author):
    weekly = MemberFactory(space=space, level=NotificationLevel.MEDIUM)
    monthly = MemberFactory(space=space, level=NotificationLevel.LOW)
    archived = MemberFactory(space=space, level=NotificationLevel.ARCHIVED)
    high = MemberFactory(space=space, level=NotificationLevel.HIGH)
    for m in (weekly, monthly, archived, high):
        _past(m, 40)
    mail.outbox.clear()
    services.start_thread(viewer(author.user, space), "Nouveauté", "Texte")
    # High: one e-mail for the item, at once.
    assert [m.to for m in mail.outbox] == [[high.user.email]]
    assert send_weekly_digests() == 1 and _items(weekly) == {"Nouveauté"}
    assert send_monthly_digests() == 1 and _items(monthly) == {"Nouveauté"}
    assert not DigestItem.objects.filter(member__in=[archived, high]).exists()
    assert "mensuel" in [m for m in mail.outbox if m.to == [monthly.user.email]][0].subject


def test_folder_rights_hold_in_digests_and_high_level_mails(space, es_member, esms_member, staff):
    for m in (es_member, esms_member):
        _past(m)
    esms_high = MemberFactory(space=space, level=NotificationLevel.HIGH,
                              establishment=esms_member.establishment)  # fmt: skip
    sv = viewer(staff, space)
    es_only = services.create_folder(sv, "Hôpitaux", None, Access.ES)
    staff_only = services.create_folder(sv, "CRRC", None, Access.STAFF)
    mail.outbox.clear()
    services.upload_document(sv, es_only, pdf(), "Réservé ES")
    services.upload_document(sv, staff_only, pdf(), "Réservé CRRC")
    assert not [m for m in mail.outbox if m.to == [esms_high.user.email]]
    send_weekly_digests()
    assert _items(es_member) == {"Réservé ES"}
    assert _items(esms_member) == set()
    assert not [m for m in mail.outbox if "Réservé" in m.body and m.to == [esms_member.user.email]]


def test_removed_member_gets_no_digest(space, es_member, staff, author):
    _past(es_member)
    services.start_thread(viewer(author.user, space), "Sujet", "Texte")
    services.remove_member(viewer(staff, space), es_member)
    assert send_weekly_digests() == 0


def test_own_items_are_not_in_one_s_digest(space, es_member):
    _past(es_member)
    services.start_thread(viewer(es_member.user, space), "Mon sujet", "Texte")
    assert send_weekly_digests() == 0


def test_signed_link_changes_the_level_in_one_click(client, space, es_member):
    token = digests.level_token(es_member, NotificationLevel.ARCHIVED)
    response = client.get(reverse("community:level_link", kwargs={"signed": token}))
    assert response.status_code == 200 and "Archivé" in response.content.decode()
    es_member.refresh_from_db()
    assert es_member.level == NotificationLevel.ARCHIVED


@pytest.mark.parametrize("tamper", ["flip", "other_salt", "garbage"])
def test_tampered_link_refused(client, space, es_member, tamper):
    token = digests.level_token(es_member, NotificationLevel.HIGH)
    if tamper == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif tamper == "other_salt":
        token = signing.dumps({"m": es_member.pk, "l": "high"}, salt="another.purpose", compress=True)
    else:
        token = "nimporte-quoi"
    response = client.get(reverse("community:level_link", kwargs={"signed": token}))
    assert response.status_code == 403
    assert "Lien non valable" in response.content.decode()
    es_member.refresh_from_db()
    assert es_member.level == NotificationLevel.MEDIUM


def test_digest_carries_level_links_that_work(client, space, es_member, author):
    _past(es_member)
    services.start_thread(viewer(author.user, space), "Sujet", "Texte")
    mail.outbox.clear()
    send_weekly_digests()
    body = mail.outbox[0].body
    link = next(line.split(" : ", 1)[1] for line in body.splitlines() if line.startswith("- Faible"))
    path = link.split("8000", 1)[1] if "8000" in link else link
    assert client.get(path).status_code == 200
    es_member.refresh_from_db()
    assert es_member.level == NotificationLevel.LOW


def test_level_change_from_high_starts_the_window_now(space, es_member, author):
    services.set_level(es_member, NotificationLevel.HIGH)
    services.start_thread(viewer(author.user, space), "Reçu par e-mail", "Texte")
    services.set_level(es_member, NotificationLevel.MEDIUM)
    assert send_weekly_digests() == 0
