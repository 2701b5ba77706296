from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from action_plans import services
from action_plans.models import ActionItem
from action_plans.workflow import Priority, Status
from establishments.roles import Role, StaffKind
from tests.establishments.factories import EstablishmentFactory

from .factories import ActionItemFactory, member, region_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(establishment, manager):
    return services.create_item(
        establishment,
        manager,
        title="Mettre en place des sauvegardes hors ligne",
        owner=manager,
        deadline=timezone.localdate() + timedelta(days=30),
        priority=Priority.P1,
    )


def test_plan_page_lists_items_with_progress(client, establishment, manager, item):
    client.force_login(manager)
    response = client.get(reverse("action_plans:plan", args=[establishment.pk]))
    assert response.status_code == 200
    assert "Mettre en place des sauvegardes hors ligne" in response.text
    assert '<progress class="crrc-progress" value="0" max="100"' in response.text
    assert "Ajouter une action" in response.text


def test_overdue_item_stands_out_with_text(client, establishment, manager, item):
    ActionItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    client.force_login(manager)
    response = client.get(reverse("action_plans:plan", args=[establishment.pk]))
    assert "En retard de 3 jours" in response.text
    assert 'class="crrc-overdue"' in response.text


def test_done_item_is_not_overdue(client, establishment, manager, item):
    services.complete_item(item, manager)
    ActionItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    client.force_login(manager)
    response = client.get(reverse("action_plans:plan", args=[establishment.pk]))
    assert "En retard" not in response.text.replace("En retard uniquement", "").replace("en retard", "")


def test_filters_by_status_priority_and_owner(client, establishment, manager, item):
    other = services.create_item(establishment, manager, title="Former les agents au phishing", priority=Priority.P3)
    services.start_item(other, manager)
    client.force_login(manager)
    url = reverse("action_plans:plan", args=[establishment.pk])
    assert "Former les agents" not in client.get(url, {"status": "todo"}).text
    assert "sauvegardes" not in client.get(url, {"priority": "P3"}).text
    by_owner = client.get(url, {"owner": manager.pk}).text
    assert "sauvegardes" in by_owner and "Former les agents" not in by_owner
    assert "sauvegardes" not in client.get(url, {"owner": "none"}).text


def test_htmx_filter_returns_only_the_table(client, establishment, manager, item):
    client.force_login(manager)
    response = client.get(
        reverse("action_plans:plan", args=[establishment.pk]),
        {"priority": "P1"},
        headers={"HX-Request": "true", "HX-Target": "plan-items"},
    )
    assert response.text.lstrip().startswith('<div id="plan-items"')
    assert "sauvegardes" in response.text


def test_reader_sees_plan_read_only(client, establishment, reader, item):
    client.force_login(reader)
    response = client.get(reverse("action_plans:plan", args=[establishment.pk]))
    assert response.status_code == 200
    assert "lecture seule" in response.text
    assert "Ajouter une action" not in response.text
    assert client.get(reverse("action_plans:edit", args=[item.pk])).status_code == 403
    response = client.post(reverse("action_plans:change_status", args=[item.pk, "start"]))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == Status.TODO


def test_region_staff_reads_but_cannot_edit(client, establishment, item):
    staff = region_staff(establishment.region)
    client.force_login(staff)
    assert client.get(reverse("action_plans:plan", args=[establishment.pk])).status_code == 200
    assert client.get(reverse("action_plans:detail", args=[item.pk])).status_code == 200
    assert client.get(reverse("action_plans:create", args=[establishment.pk])).status_code == 403


def test_create_item(client, establishment, manager):
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:create", args=[establishment.pk]),
        {"title": "Cartographier le SI", "priority": "P2", "progress": "0", "owner": manager.pk, "deadline": ""},
    )
    item = ActionItem.objects.get(title="Cartographier le SI")
    assert response.status_code == 302
    assert item.owner == manager and item.created_by == manager


def test_create_refuses_an_owner_outside_the_establishment(client, establishment, manager):
    outsider = member(EstablishmentFactory())
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:create", args=[establishment.pk]),
        {"title": "Test", "priority": "P2", "progress": "0", "owner": outsider.pk},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.text
    assert not ActionItem.objects.exists()


def test_edit_with_stale_version_shows_the_conflict(client, establishment, manager, item):
    colleague = member(establishment, Role.DIRECTOR, email="directeur@example.org")
    services.update_item(item, colleague, expected_version=item.version, progress=60)
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:edit", args=[item.pk]),
        {"title": "Titre modifié", "priority": "P1", "progress": "10", "version": "1"},
    )
    assert response.status_code == 200
    assert "a été modifiée par directeur@example.org" in response.text
    item.refresh_from_db()
    assert (item.title, item.progress) == ("Mettre en place des sauvegardes hors ligne", 60)


def test_edit_saves_with_current_version(client, establishment, manager, item):
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:edit", args=[item.pk]),
        {"title": "Titre modifié", "priority": "P1", "progress": "10", "version": str(item.version)},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.progress, item.version) == ("Titre modifié", 10, 2)


def test_htmx_status_change_from_the_row(client, establishment, manager, item):
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:change_status", args=[item.pk, "start"]),
        {"version": item.version, "from": "row"},
        headers={"HX-Request": "true"},
    )
    assert response.text.lstrip().startswith(f'<tr id="item-{item.pk}"')
    assert "En cours" in response.text
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS


def test_htmx_status_change_refused_shows_the_guard_message(client, establishment, manager, item):
    services.start_item(item, manager)
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:change_status", args=[item.pk, "start"]),
        {"from": "detail"},
        headers={"HX-Request": "true"},
    )
    assert "Seule une action « à faire » peut être démarrée." in response.text


def test_abandon_without_reason_is_refused(client, establishment, manager, item):
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:change_status", args=[item.pk, "abandon"]), {"reason": ""}, headers={"HX-Request": "true"}
    )
    assert "Indiquez le motif de l'abandon." in unescape(response.text)
    item.refresh_from_db()
    assert item.status == Status.TODO


def test_detail_shows_comments_history_and_transitions(client, establishment, manager, item):
    services.add_comment(item, manager, "Devis demandé au prestataire")
    services.update_item(item, manager, expected_version=item.version, progress=30)
    services.abandon_item(item, manager, reason="Pris en charge par le GHT")
    client.force_login(manager)
    response = client.get(reverse("action_plans:detail", args=[item.pk]))
    assert "Devis demandé au prestataire" in response.text
    assert "Avancement (%) : 0 → 30" in response.text
    assert "Pris en charge par le GHT" in response.text
    assert "Rouvrir" in response.text


def test_comment_with_htmx(client, establishment, manager, item):
    client.force_login(manager)
    response = client.post(
        reverse("action_plans:comment", args=[item.pk]), {"body": "Fait en partie"}, headers={"HX-Request": "true"}
    )
    assert response.text.lstrip().startswith('<div id="comments-block"')
    assert "Fait en partie" in response.text


def test_index_redirects_a_single_establishment_member(client, establishment, manager):
    client.force_login(manager)
    response = client.get(reverse("action_plans:index"))
    assert response.url == reverse("action_plans:plan", args=[establishment.pk])


def test_index_lists_region_plans_for_staff(client, establishment, item):
    staff = region_staff(establishment.region)
    client.force_login(staff)
    response = client.get(reverse("action_plans:index"))
    assert establishment.name in response.text


def test_establishment_home_shows_the_plan_section(client, establishment, manager, item):
    client.force_login(manager)
    response = client.get(reverse("establishments:home", args=[establishment.pk]))
    assert "Voir le plan d'action" in response.text


def test_plan_page_queries_are_bounded(client, django_assert_max_num_queries, establishment, manager):
    owners = [member(establishment) for _ in range(5)]
    plan = services.get_or_create_plan(establishment)
    for i in range(60):
        ActionItemFactory(plan=plan, owner=owners[i % 5], deadline=timezone.localdate() - timedelta(days=i - 30))
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("action_plans:plan", args=[establishment.pk]))
    assert response.text.count('<tr id="item-') == 60


def test_ars_reviewer_of_the_region_reads_the_plan(client, establishment, item):
    client.force_login(region_staff(establishment.region, kind=StaffKind.ARS_REVIEWER))
    response = client.get(reverse("action_plans:plan", args=[establishment.pk]))
    assert "Mettre en place des sauvegardes hors ligne" in response.text
    assert "lecture seule" in response.text
    assert client.post(reverse("action_plans:comment", args=[item.pk]), {"body": "Vu"}).status_code == 403


def test_sort_by_deadline(client, establishment, manager, item):
    services.create_item(establishment, manager, title="Urgent demain", deadline=timezone.localdate() + timedelta(1))
    client.force_login(manager)
    text = client.get(reverse("action_plans:plan", args=[establishment.pk]), {"sort": "deadline"}).text
    assert text.index("Urgent demain") < text.index("Mettre en place des sauvegardes")


@pytest.mark.parametrize("size", [5, 150])
def test_plan_page_is_paginated_with_the_same_queries_at_two_sizes(
    client, django_assert_max_num_queries, establishment, manager, size
):
    """Issue 15: the plan grows with every assessment and exercise; a page holds at most ``PLAN_PAGE_SIZE`` rows
    and costs the same queries whatever the size of the plan."""
    from action_plans.views import PLAN_PAGE_SIZE

    owners = [member(establishment) for _ in range(3)]
    plan = services.get_or_create_plan(establishment)
    ActionItem.objects.bulk_create(
        ActionItemFactory.build(plan=plan, owner=owners[i % 3], priority=Priority.P2) for i in range(size)
    )
    client.force_login(manager)
    url = reverse("action_plans:plan", args=[establishment.pk])
    with django_assert_max_num_queries(13):
        response = client.get(url, {"priority": "P2", "sort": "title"})
    rows = response.text.count('<tr id="item-')
    assert rows == min(size, PLAN_PAGE_SIZE)
    assert f"{size} actions affichées" in unescape(response.text)
    if size <= PLAN_PAGE_SIZE:
        assert 'aria-label="Pages du plan d&#x27;action"' not in response.text
        return
    assert "Page 1 sur 2" in response.text
    assert 'href="?priority=P2&amp;sort=title&amp;page=2"' in response.text  # the filters kept in the pager
    second = client.get(url, {"priority": "P2", "sort": "title", "page": 2})
    assert second.text.count('<tr id="item-') == size - PLAN_PAGE_SIZE
    assert "Page 2 sur 2" in second.text and 'rel="prev"' in second.text
    assert client.get(url, {"page": "9999"}).status_code == 200  # a page past the end shows the last one
