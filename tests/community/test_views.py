"""Pages: folder rights on every route to a document (listing, search, feed, thread link, download), a removed
member's immediate loss of access, isolation between regions, staff-only pages, bounded query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Access, Member, ModerationLog, Post, ReadMark, Registration

from .conftest import pdf, viewer
from .factories import DocumentFactory, EventFactory, MemberFactory, PollFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def secret(space, staff):
    """A document in an ES-only folder, a thread pointing at it."""
    es_only = services.create_folder(viewer(staff, space), "Réservé hôpitaux", None, Access.ES)
    document = services.upload_document(viewer(staff, space), es_only, pdf(), "Cartographie ES confidentielle")
    thread = services.start_thread(viewer(staff, space), "À propos de la cartographie", "Voir le document", document)
    return es_only, document, thread


def _routes(space, folder, document, thread):
    version = document.versions.get()
    return {
        "listing": reverse("community:folder", kwargs={"space_pk": space.pk, "folder_pk": folder.pk}),
        "document": reverse("community:document", kwargs={"document_pk": document.pk}),
        "download": reverse("community:download", kwargs={"document_pk": document.pk, "version_pk": version.pk}),
    }


def test_folder_rights_on_every_route(client, space, es_member, esms_member, secret):
    folder, document, thread = secret
    routes = _routes(space, folder, document, thread)
    title = "Cartographie ES confidentielle"
    # The ESMS member: 404 on the folder, the document, the download; absent from search, feed, docs and the link.
    login(client, esms_member.user)
    for name, url in routes.items():
        assert client.get(url).status_code == 404, name
    for url in (
        reverse("community:documents", kwargs={"space_pk": space.pk}) + "?q=Cartographie",
        reverse("community:space", kwargs={"space_pk": space.pk}),
        reverse("community:documents", kwargs={"space_pk": space.pk}),
        reverse("community:thread_create", kwargs={"space_pk": space.pk}),
    ):
        body = client.get(url).content.decode()
        assert title not in body, url
    thread_page = client.get(thread.get_absolute_url())
    assert thread_page.status_code == 200 and title not in thread_page.content.decode()
    # The ES member sees it everywhere.
    login(client, es_member.user)
    for name, url in routes.items():
        assert client.get(url).status_code == 200, name
    assert (
        title
        in client.get(
            reverse("community:documents", kwargs={"space_pk": space.pk}) + "?q=Cartographie"
        ).content.decode()
    )
    assert title in client.get(thread.get_absolute_url()).content.decode()
    assert b"%PDF" in b"".join(client.get(routes["download"]).streaming_content)


def test_removed_member_loses_access_at_once(client, space, es_member, staff, secret):
    folder, document, thread = secret
    login(client, es_member.user)
    assert client.get(space.get_absolute_url()).status_code == 200
    services.remove_member(viewer(staff, space), es_member)
    for url in (
        *_routes(space, folder, document, thread).values(),
        space.get_absolute_url(),
        thread.get_absolute_url(),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("community:thread", kwargs={"thread_pk": thread.pk}), {"body": "Encore là ?"})
    assert response.status_code == 404 and Post.objects.filter(thread=thread).count() == 1


def test_other_region_sees_nothing(client, space, other_space, es_member):
    foreign_doc = DocumentFactory(folder__space=other_space, title="Document d'une autre région")
    foreign_thread = ThreadFactory(space=other_space)
    foreign_event = EventFactory(space=other_space)
    foreign_poll = PollFactory(space=other_space)
    foreign_member = MemberFactory(space=other_space)
    login(client, es_member.user)
    for url in (
        other_space.get_absolute_url(),
        reverse("community:documents", kwargs={"space_pk": other_space.pk}),
        reverse("community:directory", kwargs={"space_pk": other_space.pk}),
        foreign_doc.get_absolute_url(),
        foreign_thread.get_absolute_url(),
        foreign_event.get_absolute_url(),
        foreign_poll.get_absolute_url(),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("community:event_register", kwargs={"event_pk": foreign_event.pk})).status_code == 404
    assert (
        client.post(reverse("community:answer_invitation", kwargs={"member_pk": foreign_member.pk})).status_code == 404
    )
    assert other_space.name not in client.get(reverse("community:index")).content.decode()


def test_other_region_staff_see_nothing_in_portal_or_admin(client, space, other_space, es_member):
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Permission

    from tests.establishments.factories import StaffAssignmentFactory

    other_staff = StaffAssignmentFactory(region=other_space.region).user
    Authenticator.objects.create(user=other_staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    other_staff.user_permissions.set(Permission.objects.filter(content_type__app_label="community"))
    login(client, other_staff)
    assert client.get(space.get_absolute_url()).status_code == 404
    assert client.get(reverse("community:members", kwargs={"space_pk": space.pk})).status_code == 404
    assert client.post(reverse("community:member_remove", kwargs={"member_pk": es_member.pk})).status_code == 404
    es_member.refresh_from_db()
    assert es_member.is_active
    changelist = client.get(reverse("admin:community_member_changelist"))
    assert changelist.status_code == 200 and es_member.user.email not in changelist.content.decode()
    assert client.get(reverse("admin:community_space_change", args=[space.pk])).status_code in (302, 404)


def test_members_cannot_see_staff_pages_or_log(client, space, es_member, staff):
    thread = services.start_thread(viewer(es_member.user, space), "Sujet", "Texte")
    services.set_thread_locked(viewer(staff, space), thread, True, "motif interne")
    login(client, es_member.user)
    for name in ("members", "moderation", "event_create", "folder_create"):
        assert client.get(reverse(f"community:{name}", kwargs={"space_pk": space.pk})).status_code == 404, name
    assert client.post(reverse("community:thread_lock", kwargs={"thread_pk": thread.pk})).status_code == 404
    assert "motif interne" not in client.get(thread.get_absolute_url()).content.decode()
    login(client, staff)
    assert (
        "motif interne" in client.get(reverse("community:moderation", kwargs={"space_pk": space.pk})).content.decode()
    )


def test_join_request_flow_through_pages(client, space, department, staff):
    from tests.establishments.factories import EstablishmentFactory, MembershipFactory

    establishment = EstablishmentFactory(department=department)
    user = MembershipFactory(establishment=establishment).user
    login(client, user)
    assert "Demander à rejoindre" in client.get(reverse("community:index")).content.decode()
    response = client.post(reverse("community:join", kwargs={"space_pk": space.pk}),
                           {"establishment": establishment.pk, "message": "Bonjour"})  # fmt: skip
    assert response.status_code == 302
    member = Member.objects.get(user=user)
    login(client, staff)
    client.post(reverse("community:member_decide", kwargs={"member_pk": member.pk}), {"decision": "approve"})
    member.refresh_from_db()
    assert member.is_active
    assert ModerationLog.objects.filter(action="approve").exists()


def test_bad_upload_shows_french_message_and_writes_nothing(client, space, es_member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, es_member.user)
    folder = space.folders.get(name="A classer")
    response = client.post(
        reverse("community:upload", kwargs={"space_pk": space.pk}),
        {"folder": folder.pk, "title": "Outil", "file": SimpleUploadedFile("outil.exe", b"MZ\x90\x00")},
    )
    assert response.status_code == 200
    assert "interdit pour des raisons de sécurité" in response.content.decode()
    assert not space.documents.exists()


def test_reply_to_locked_thread_refused_in_page(client, space, es_member, staff):
    thread = services.start_thread(viewer(es_member.user, space), "Sujet", "Texte")
    services.set_thread_locked(viewer(staff, space), thread, True)
    login(client, es_member.user)
    response = client.post(thread.get_absolute_url(), {"body": "Je réponds quand même"})
    assert response.status_code == 200 and "verrouillée" in response.content.decode()
    assert thread.posts.count() == 1


def test_event_page_registration_and_waiting_list(client, space, es_member, esms_member):
    event = EventFactory(space=space, capacity=1)
    login(client, es_member.user)
    client.post(reverse("community:event_register", kwargs={"event_pk": event.pk}))
    login(client, esms_member.user)
    client.post(reverse("community:event_register", kwargs={"event_pk": event.pk}))
    assert "position 1" in client.get(event.get_absolute_url()).content.decode()
    login(client, es_member.user)
    client.post(reverse("community:event_cancel", kwargs={"event_pk": event.pk}))
    assert Registration.objects.get(event=event, user=esms_member.user).state == "confirmed"


def test_poll_results_after_vote_or_after_close(client, space, es_member, esms_member):
    poll = PollFactory(space=space, results="after_close")
    login(client, es_member.user)
    option = poll.options.first()
    client.post(poll.get_absolute_url(), {"options": str(option.pk)})
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "visibles à la clôture" in page
    poll.closes_at = timezone.now() - timezone.timedelta(minutes=1)
    poll.save()
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "Résultats" in page and "100 %" in page


def test_directory_shows_only_what_members_chose(client, space, es_member, esms_member):
    services.update_profile(
        esms_member, function="RSSI", expertise="EDR, sauvegarde", show_email=True, show_phone=False
    )
    login(client, es_member.user)
    page = client.get(reverse("community:directory", kwargs={"space_pk": space.pk})).content.decode()
    assert esms_member.user.email in page and es_member.user.email not in page.split("<tbody>")[1]
    filtered = client.get(reverse("community:directory", kwargs={"space_pk": space.pk}) + "?tag=EDR").content.decode()
    assert "Petit" in filtered and "Martin" not in filtered.split("<tbody>")[1]


def test_level_change_in_profile(client, space, es_member):
    login(client, es_member.user)
    client.post(reverse("community:profile", kwargs={"space_pk": space.pk}), {"form": "level", "level": "high"})
    es_member.refresh_from_db()
    assert es_member.level == "high"


def _seed(space, author, n):
    folder = space.folders.get(name="A classer")
    for i in range(n):
        services.upload_document(viewer(author.user, space), folder, pdf(), f"Doc {i}")
        thread = services.start_thread(viewer(author.user, space), f"Sujet {i}", "Texte @alice.martin")
        services.reply(viewer(author.user, space), thread, "Réponse")
        MemberFactory(space=space)
        EventFactory(space=space)
        PollFactory(space=space)
    return thread


@pytest.mark.parametrize("size", [2, 12])
def test_query_counts_do_not_grow(client, space, es_member, size, django_assert_max_num_queries):
    author = MemberFactory(space=space, level="archived")
    thread = _seed(space, author, size)
    login(client, es_member.user)
    pages = {
        "space": (space.get_absolute_url(), 22),
        "documents": (reverse("community:documents", kwargs={"space_pk": space.pk}), 18),
        "threads": (reverse("community:threads", kwargs={"space_pk": space.pk}), 16),
        "thread": (thread.get_absolute_url(), 22),
        "events": (reverse("community:events", kwargs={"space_pk": space.pk}), 16),
        "polls": (reverse("community:polls", kwargs={"space_pk": space.pk}), 16),
        "directory": (reverse("community:directory", kwargs={"space_pk": space.pk}), 18),
    }
    for name, (url, limit) in pages.items():
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200, name


def test_reading_a_thread_again_writes_nothing(client, space, es_member):
    """A thread's items are marked read on the first visit; a later visit reads them back and inserts nothing
    (no commit on every view, issue 15), and a new reply is marked read on the next visit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    author = MemberFactory(space=space, level="archived")
    thread = services.start_thread(viewer(author.user, space), "Sujet", "Texte")
    services.reply(viewer(author.user, space), thread, "Réponse")
    login(client, es_member.user)
    client.get(thread.get_absolute_url())
    read = ReadMark.objects.filter(user=es_member.user, activity__thread=thread)
    assert read.count() == 2
    with CaptureQueriesContext(connection) as queries:
        assert client.get(thread.get_absolute_url()).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    services.reply(viewer(author.user, space), thread, "Encore")
    client.get(thread.get_absolute_url())
    assert read.count() == 3


def test_long_thread_is_paginated_and_a_reply_lands_on_the_last_page(client, space, es_member):
    from community.views import POSTS_PER_PAGE

    thread = services.start_thread(viewer(es_member.user, space), "Long fil", "Premier message")
    Post.objects.bulk_create([Post(thread=thread, body=f"Message {i}") for i in range(POSTS_PER_PAGE + 5)])
    login(client, es_member.user)
    first = client.get(thread.get_absolute_url()).content.decode()
    assert "Premier message" in first and f"Message {POSTS_PER_PAGE + 4}<" not in first
    response = client.post(thread.get_absolute_url(), {"body": "Ma réponse"})
    assert response.status_code == 302 and "?page=2#message-" in response["Location"]
    assert "Ma réponse" in client.get(thread.get_absolute_url() + "?page=2").content.decode()


def test_staff_approve_in_admin_through_the_service(client, space, department, staff):
    from tests.establishments.factories import EstablishmentFactory, MembershipFactory

    user = MembershipFactory(establishment=EstablishmentFactory(department=department)).user
    member = services.request_join(space, user)
    staff.is_staff = True
    staff.save()
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="community"))
    login(client, staff)
    response = client.post(
        reverse("admin:community_member_changelist"), {"action": "workflow_approve", "_selected_action": [member.pk]}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active and ModerationLog.objects.filter(action="approve", actor=staff).exists()


@pytest.mark.parametrize("size", [2, 12])
def test_staff_pages_query_counts(client, space, staff, size, django_assert_max_num_queries):
    for _ in range(size):
        MemberFactory(space=space)
        ModerationLog.objects.create(space=space, action="lock", actor=staff, target="x")
    login(client, staff)
    for name in ("members", "moderation"):
        with django_assert_max_num_queries(16):
            assert client.get(reverse(f"community:{name}", kwargs={"space_pk": space.pk})).status_code == 200


def test_my_establishment_section_says_what_to_do_next(client, space, department):
    from establishments.roles import Role
    from tests.establishments.factories import EstablishmentFactory, MembershipFactory

    establishment = EstablishmentFactory(department=department)
    user = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    login(client, user)
    home = reverse("establishments:home", kwargs={"establishment_pk": establishment.pk})
    page = client.get(home).content.decode()
    assert "Communauté RSSI" in page and reverse("community:join", kwargs={"space_pk": space.pk}) in page
    MemberFactory(space=space, user=user, establishment=establishment)
    page = client.get(home).content.decode()
    assert "Voir les nouveautés de la communauté" in page and space.get_absolute_url() in page


@pytest.mark.parametrize("access", [Access.ES, Access.ESMS, Access.GROUP, Access.STAFF])
def test_every_kind_of_folder_right_holds_on_every_path_and_is_inherited(client, space, es_member, esms_member,
                                                                          staff, access):  # fmt: skip
    """A document two levels below a folder with ``access`` (the subfolder inherits): whoever is outside the right
    gets a 404 on the folder, the document and its download, and does not find it in the search, the feed, the
    documents page or a thread pointing at it; whoever is inside reaches it everywhere."""
    from .factories import GroupFactory

    sv = viewer(staff, space)
    group = None
    if access == Access.GROUP:
        group = GroupFactory(space=space, name="Groupe de travail PRA")
        group.members.add(esms_member)
    top = services.create_folder(sv, "Dossier restreint", None, access, group)
    child = services.create_folder(sv, "Sous-dossier", top, Access.INHERIT)
    title = "Procédure confidentielle de reprise"
    document = services.upload_document(sv, child, pdf(), title)
    thread = services.start_thread(sv, "Sur la procédure", "Voir le document joint", document)
    inside, outside = {
        Access.ES: ([es_member.user], [esms_member.user]),
        Access.ESMS: ([esms_member.user], [es_member.user]),
        Access.GROUP: ([esms_member.user], [es_member.user]),
        Access.STAFF: ([staff], [es_member.user, esms_member.user]),
    }[access]
    routes = _routes(space, child, document, thread) | {
        "top": reverse("community:folder", kwargs={"space_pk": space.pk, "folder_pk": top.pk})
    }
    pages = (
        reverse("community:documents", kwargs={"space_pk": space.pk}) + "?q=confidentielle",
        reverse("community:documents", kwargs={"space_pk": space.pk}),
        reverse("community:space", kwargs={"space_pk": space.pk}),
        thread.get_absolute_url(),
    )
    for user in outside:
        login(client, user)
        for name, url in routes.items():
            assert client.get(url).status_code == 404, (access, name)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200 and title not in response.content.decode(), (access, url)
    for user in inside:
        login(client, user)
        for name, url in routes.items():
            assert client.get(url).status_code == 200, (access, name)
        assert title in client.get(pages[0]).content.decode()
        assert title in client.get(thread.get_absolute_url()).content.decode()


def test_the_feed_is_newest_first_with_each_document_s_type_and_size(client, space, es_member, staff):
    from datetime import timedelta

    from community.models import Activity

    sv = viewer(staff, space)
    folder = space.folders.get(name="Guides bonnes pratiques")
    older = services.upload_document(sv, folder, pdf("ancien.pdf"), "Guide ancien")
    newer = services.upload_document(sv, folder, pdf("recent.pdf"), "Guide récent")
    Activity.objects.filter(document=older).update(created_at=timezone.now() - timedelta(days=3))
    login(client, es_member.user)
    body = client.get(reverse("community:space", kwargs={"space_pk": space.pk})).content.decode()
    assert body.index("Guide récent") < body.index("Guide ancien")
    size = newer.versions.get().size
    assert f"(PDF, {size}\xa0octets)" in body or f"(PDF, {size} octets)" in body


def test_bad_event_and_poll_get_french_messages_next_to_their_fields_and_write_nothing(client, space, staff,
                                                                                        es_member):  # fmt: skip
    import html
    from datetime import timedelta

    from community.models import Event, Poll

    start = timezone.localtime() + timedelta(days=7)
    login(client, staff)
    response = client.post(reverse("community:event_create", kwargs={"space_pk": space.pk}), {
        "title": "Webinaire PRA", "kind": Event.Kind.WEBINAR, "mode": Event.Mode.REMOTE,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "0", "link": "https://visio.example/pra",
    })  # fmt: skip
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and not Event.objects.exists()
    for field, message in (("ends_at", "La fin doit être après le début."),
                           ("capacity", "Le nombre de places doit être d'au moins 1.")):  # fmt: skip
        assert message in page
        assert f'aria-describedby="id_{field}_error' in page or f'id="id_{field}_error"' in page, field

    login(client, es_member.user)
    response = client.post(reverse("community:poll_create", kwargs={"space_pk": space.pk}), {
        "question": "Quel outil de sauvegarde ?", "options": "Veeam",
        "closes_at": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "results": Poll.Results.AFTER_VOTE,
    })  # fmt: skip
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and not Poll.objects.exists()
    assert "Proposez au moins deux réponses différentes." in page
    assert 'id="id_options_error"' in page or 'aria-describedby="id_options_error' in page


def test_threads_newest_activity_first_and_read_counts(client, space, es_member, esms_member, staff):
    from datetime import timedelta

    from community.models import Thread

    author = viewer(es_member.user, space)
    older = services.start_thread(author, "Sauvegardes hors ligne", "Qui a un site de repli ?")
    newer = services.start_thread(author, "Messagerie sécurisée", "MSSanté ou autre ?")
    Thread.objects.filter(pk=older.pk).update(last_activity_at=timezone.now() - timedelta(days=2))
    Thread.objects.filter(pk=newer.pk).update(last_activity_at=timezone.now() - timedelta(days=1))
    threads_url = reverse("community:threads", kwargs={"space_pk": space.pk})
    login(client, esms_member.user)
    body = client.get(threads_url).content.decode()
    assert body.index("Messagerie sécurisée") < body.index("Sauvegardes hors ligne")

    services.reply(viewer(esms_member.user, space), older, "Oui, une bande externalisée.")
    body = client.get(threads_url).content.decode()
    assert body.index("Sauvegardes hors ligne") < body.index("Messagerie sécurisée")  # the reply brings it up

    assert "Lue par 2 membres" in client.get(newer.get_absolute_url()).content.decode()  # its author and this reader
    login(client, staff)
    page = client.get(newer.get_absolute_url()).content.decode()
    # The author, the ESMS member and now the CRRC staff member have read it: each reader counted once.
    assert "Lue par 3 membres" in page
    login(client, esms_member.user)
    assert "Lue par 3 membres" in client.get(newer.get_absolute_url()).content.decode()


def test_directory_search_filters_and_phone_as_each_member_chose(client, space, es_member, esms_member):
    from tests.establishments.factories import DepartmentFactory, EstablishmentFactory

    ariege = DepartmentFactory(code="09", region=space.region, name="Ariège")
    third = MemberFactory(space=space, establishment=EstablishmentFactory(department=ariege, name="CH de Foix"),
                          user__first_name="Chloé", user__last_name="Vidal", user__phone="05 61 02 03 04")  # fmt: skip
    services.update_profile(third, function="Référente informatique", expertise="Active Directory", show_email=False,
                            show_phone=True)  # fmt: skip
    esms_member.user.phone = "06 00 00 00 00"
    esms_member.user.save()
    services.update_profile(esms_member, function="RSSI", expertise="EDR", show_email=True, show_phone=False)
    login(client, es_member.user)
    base = reverse("community:directory", kwargs={"space_pk": space.pk})

    def rows(query=""):
        return client.get(base + query).content.decode().split("<tbody>")[1].split("</tbody>")[0]

    everyone = rows()
    assert "05 61 02 03 04" in everyone and third.user.email not in everyone  # phone shown, e-mail not
    assert "06 00 00 00 00" not in everyone and esms_member.user.email in everyone  # e-mail shown, phone not
    assert "Vidal" in rows("?q=foix") and "Petit" not in rows("?q=foix")  # by establishment name
    assert "Vidal" in rows("?q=référente") and "Martin" not in rows("?q=référente")  # by function
    by_department = rows("?department=09")
    assert "Vidal" in by_department and "Martin" not in by_department and "Petit" not in by_department
    by_sector = rows("?sector=ESMS")
    assert "Petit" in by_sector and "Martin" not in by_sector and "Vidal" not in by_sector
