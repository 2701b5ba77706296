"""Multi-site exercises: who chooses the sites (scoped, refused with a French message and nothing written), where
the sites show (page, participants, ICS, logistics, report, register) and who sees the exercise (its sites do,
the organisation's other establishments do not)."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crrc import ics
from establishments.roles import Role
from exercises import documents, services
from exercises.choices import Cell, Function
from exercises.invitations import calendar_for
from exercises.models import Exercise, ExerciseSite, LogisticsItem
from tests.action_plans.factories import member, region_staff
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, OrganisationFactory

from .factories import ExerciseFactory, ParticipantFactory, StimulusFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Association Les Tilleuls")


@pytest.fixture
def owner(organisation):
    return EstablishmentFactory(ehpad=True, organisation=organisation, name="EHPAD Les Tilleuls – Foix")


@pytest.fixture
def site(owner, organisation):
    return EstablishmentFactory(
        ehpad=True, organisation=organisation, department=owner.department, name="EHPAD Les Tilleuls – Pamiers"
    )


@pytest.fixture
def sibling(owner, organisation):
    """Another establishment of the organisation that does not take part."""
    return EstablishmentFactory(
        ehpad=True, organisation=organisation, department=owner.department, name="EHPAD Les Tilleuls – Lavelanet"
    )


@pytest.fixture
def foreign(owner):
    """An establishment of the same department but of another organisation."""
    return EstablishmentFactory(
        ehpad=True, organisation=OrganisationFactory(), department=owner.department, name="EHPAD du Voisin"
    )


@pytest.fixture
def far_site(organisation):
    """A site of the same organisation in another region."""
    return EstablishmentFactory(ehpad=True, organisation=organisation, name="EHPAD Les Tilleuls – Ailleurs")


@pytest.fixture
def owner_staff(owner):
    return region_staff(owner.region)


@pytest.fixture
def organisation_director(owner, organisation):
    membership = MembershipFactory(establishment=None, organisation=organisation, role=Role.DIRECTOR)
    membership.regions.add(owner.region)
    return membership.user


def _create_payload(establishment, catalogue, **extra):
    start = (timezone.localtime() + timedelta(days=40)).replace(hour=9, minute=30)
    return {
        "establishment": establishment.pk,
        "title": "Exercice multi-site",
        "scenario": catalogue.pk,
        "kit_level": "debutant",
        "format": "on_site",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "simulation_minutes": 75,
        "total_minutes": 180,
        "runner": "crrc",
        **extra,
    }


def _multi_site(owner, staff, catalogue, *sites):
    return services.create_exercise(
        owner,
        staff,
        title="Exercice multi-site",
        scenario=catalogue,
        starts_at=timezone.now() + timedelta(days=30),
        sites=list(sites),
    )


# ---- choosing the sites ------------------------------------------------------------------------------------


def test_crrc_staff_chooses_sites_when_planning(client, owner, site, sibling, foreign, owner_staff, catalogue):
    client.force_login(owner_staff)
    # Sites are offered once the establishment is known (a region holds thousands of them).
    assert 'name="sites"' not in client.get(reverse("exercises:create")).text
    form = client.get(reverse("exercises:create"), {"establishment": owner.pk}).text
    assert site.name in form and sibling.name in form
    assert f'value="{foreign.pk}"' not in form.split('name="sites"', 1)[1]
    response = client.post(reverse("exercises:create"), _create_payload(owner, catalogue, sites=[site.pk]))
    exercise = Exercise.objects.get()
    assert response.status_code == 302
    assert list(exercise.sites.values_list("site", flat=True)) == [site.pk]
    assert LogisticsItem.objects.filter(exercise=exercise, site=site).count() == 1
    page = client.get(reverse("exercises:detail", args=[exercise.pk])).text
    assert "Exercice multi-site" in page and site.name in page and sibling.name not in page


def test_a_site_of_another_organisation_is_refused_in_french_and_nothing_is_written(
    client, owner, foreign, site, far_site, owner_staff, catalogue
):
    client.force_login(owner_staff)
    # Another organisation's establishment of the region: not a choice for this establishment.
    response = client.post(reverse("exercises:create"), _create_payload(owner, catalogue, sites=[foreign.pk]))
    assert response.status_code == 200
    assert "Ce site ne peut pas être choisi" in response.text
    # A site outside the region: not even a choice of the form.
    response = client.post(reverse("exercises:create"), _create_payload(owner, catalogue, sites=[far_site.pk]))
    assert response.status_code == 200 and "Ce site ne peut pas être choisi" in response.text
    assert far_site.name not in response.text
    assert not Exercise.objects.exists() and not ExerciseSite.objects.exists()
    # The rule itself (the admin, the demo and any caller go through it).
    with pytest.raises(ValidationError) as error:
        _multi_site(owner, owner_staff, catalogue, site, foreign)
    assert "n'appartient pas à l'organisme gestionnaire" in error.value.message_dict["sites"][0]
    assert not Exercise.objects.exists() and not LogisticsItem.objects.exists()


def test_the_site_of_another_establishment_of_the_organisation_chosen_at_creation_is_refused(
    owner, site, owner_staff, catalogue
):
    other_owner = EstablishmentFactory(organisation=None, department=owner.department)
    with pytest.raises(ValidationError) as error:
        _multi_site(other_owner, owner_staff, catalogue, site)
    assert "aucun organisme gestionnaire" in error.value.message_dict["sites"][0]
    assert not Exercise.objects.exists()


def test_a_site_outside_the_users_scope_is_refused(owner, site, far_site, owner_staff, catalogue, client):
    with pytest.raises(ValidationError) as error:
        _multi_site(owner, owner_staff, catalogue, far_site)
    assert "n'est pas dans votre périmètre" in error.value.message_dict["sites"][0]
    assert not Exercise.objects.exists()
    # A director of one establishment only plans for it: the organisation's other sites are not theirs to enlist.
    director = member(owner, Role.DIRECTOR)
    with pytest.raises(ValidationError, match="périmètre"):
        _multi_site(owner, director, catalogue, site)
    client.force_login(director)
    response = client.post(reverse("exercises:create"), _create_payload(owner, catalogue, sites=[site.pk]))
    assert response.status_code == 200 and "Ce site ne peut pas être choisi" in response.text
    assert not Exercise.objects.exists()
    exercise = _multi_site(owner, director, catalogue)
    edit = client.get(reverse("exercises:edit", args=[exercise.pk])).text
    assert site.name not in edit and 'name="sites"' not in edit


def test_the_organisations_director_edits_the_sites(client, owner, site, sibling, organisation_director, catalogue):
    exercise = _multi_site(owner, organisation_director, catalogue, site)
    client.force_login(organisation_director)
    url = reverse("exercises:edit", args=[exercise.pk])
    form = client.get(url).text
    assert site.name in form and sibling.name in form
    exercise.refresh_from_db()
    payload = _create_payload(owner, catalogue, sites=[sibling.pk], version=exercise.version)
    payload.pop("establishment")
    payload["starts_at"] = timezone.localtime(exercise.starts_at).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, payload).status_code == 302
    assert list(exercise.sites.values_list("site", flat=True)) == [sibling.pk]
    assert not LogisticsItem.objects.filter(exercise=exercise, site=site).exists()
    assert LogisticsItem.objects.filter(exercise=exercise, site=sibling).exists()


def test_a_site_with_participants_is_not_removed(owner, site, owner_staff, catalogue):
    exercise = _multi_site(owner, owner_staff, catalogue, site)
    services.add_participant(
        exercise, owner_staff, cell=Cell.CRISIS, function=Function.IT, name="Paul", email="paul@ex.fr", site=site
    )
    with pytest.raises(ValidationError) as error:
        services.set_sites(exercise, owner_staff, [])
    assert "Paul" in error.value.message_dict["sites"][0]
    assert exercise.sites.count() == 1 and LogisticsItem.objects.filter(site=site).exists()


def test_a_participant_comes_from_the_establishment_or_one_of_its_sites(owner, site, sibling, owner_staff, catalogue):
    exercise = _multi_site(owner, owner_staff, catalogue, site)
    with pytest.raises(ValidationError) as error:
        services.add_participant(
            exercise, owner_staff, cell=Cell.CRISIS, function=Function.IT, name="X", email="x@ex.fr", site=sibling
        )
    assert "sites participants" in error.value.message_dict["site"][0]
    assert not exercise.participants.exists()
    own = services.add_participant(
        exercise, owner_staff, cell=Cell.CRISIS, function=Function.DIRECTOR, name="D", email="d@ex.fr", site=owner
    )
    assert own.site is None


def test_sites_stop_changing_once_the_exercise_runs(owner, site, sibling, owner_staff, catalogue):
    exercise = _multi_site(owner, owner_staff, catalogue, site)
    ParticipantFactory(exercise=exercise, function=Function.DIRECTOR, cell=Cell.CRISIS)
    exercise = services.transition(exercise, owner_staff, "mark_ready")
    exercise = services.transition(exercise, owner_staff, "start")
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        services.set_sites(exercise, owner_staff, [site, sibling])
    assert exercise.sites.count() == 1


# ---- who sees the exercise ---------------------------------------------------------------------------------


def test_a_sites_members_see_the_exercise_read_only_and_the_others_see_nothing(
    client, owner, site, sibling, owner_staff, catalogue
):
    exercise = _multi_site(owner, owner_staff, catalogue, site)
    site_director = member(site, Role.DIRECTOR)
    client.force_login(site_director)
    assert exercise.title in client.get(reverse("exercises:index")).text
    assert client.get(reverse("exercises:detail", args=[exercise.pk])).status_code == 200
    home = client.get(reverse("establishments:home", args=[site.pk])).text
    assert exercise.title in home and "votre site y participe" in home
    # Taking part is not running it: the plan stays with the organiser and the CRRC.
    assert client.get(reverse("exercises:edit", args=[exercise.pk])).status_code == 403
    response = client.post(
        reverse("exercises:participant_add", args=[exercise.pk]),
        {"cell": "crisis", "function": "it", "name": "Intrus", "email": "intrus@ex.fr", "site": site.pk},
    )
    assert response.status_code == 403 and not exercise.participants.exists()
    # The organisation's establishment that does not take part sees nothing.
    outsider = member(sibling, Role.DIRECTOR)
    client.force_login(outsider)
    assert client.get(reverse("exercises:detail", args=[exercise.pk])).status_code == 404
    assert exercise.title not in client.get(reverse("exercises:index")).text
    assert exercise.title not in client.get(reverse("establishments:home", args=[sibling.pk])).text
    # Removing the site removes its view of the exercise.
    services.set_sites(exercise, owner_staff, [])
    client.force_login(site_director)
    assert client.get(reverse("exercises:detail", args=[exercise.pk])).status_code == 404


# ---- where the sites show ----------------------------------------------------------------------------------


def test_sites_in_participants_ics_and_report(client, owner, site, owner_staff, catalogue):
    exercise = _multi_site(owner, owner_staff, catalogue, site)
    services.add_participant(
        exercise, owner_staff, cell=Cell.CRISIS, function=Function.IT, name="Paul Site", email="p@ex.fr", site=site
    )
    services.add_participant(
        exercise, owner_staff, cell=Cell.CRISIS, function=Function.DIRECTOR, name="Dir Siège", email="d@ex.fr"
    )
    client.force_login(owner_staff)
    page = client.get(reverse("exercises:detail", args=[exercise.pk])).text
    participants = page.split('id="participants"', 1)[1].split('id="logistique"', 1)[0]
    assert f"<td>{site.name}</td>" in participants and f"<td>{owner.name}</td>" in participants
    assert 'name="site"' in participants  # the add form asks where the person comes from
    lines = ics.unfold(calendar_for(exercise))
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert f"Exercice multi-site\\, avec : {site.name}" in description
    html = render_to_string("exercises/print/report.html", documents.report_context(exercise, shared=False))
    assert f"avec : {site.name} (FINESS {site.finess})" in html
    assert f"<td>Paul Site</td><td>{site.name}</td>" in html


def test_register_counts_one_exercise_and_lists_its_sites(client, owner, site, sibling, owner_staff, catalogue):
    exercise = _multi_site(owner, owner_staff, catalogue, site, sibling)
    client.force_login(owner_staff)
    page = client.get(reverse("exercises:register"))
    assert page.context["stats"]["total"] == 1 and len(page.context["rows"]) == 1
    assert "avec 2 autres sites" in page.text and site.name in page.text and sibling.name in page.text
    export = client.get(reverse("exercises:register_export"))
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "Autres sites participants" and len(rows) == 2
    assert rows[1][0] == exercise.reference and site.finess in rows[1][-1] and sibling.finess in rows[1][-1]


def test_lists_with_sites_keep_the_same_number_of_queries_at_two_sizes(client, owner, owner_staff, organisation):
    def add(count):
        for _n in range(count):
            exercise = ExerciseFactory(establishment=owner)
            StimulusFactory(exercise=exercise)
            for _k in range(2):
                extra = EstablishmentFactory(organisation=organisation, department=owner.department)
                ExerciseSite.objects.create(exercise=exercise, site=extra)

    def measure() -> dict:
        counts = {}
        for name in ("index", "register"):
            client.get(reverse(f"exercises:{name}"))  # warm the caches (ContentType, session)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse(f"exercises:{name}"))
            assert response.status_code == 200
            counts[name] = len(queries)
        return counts

    client.force_login(owner_staff)
    add(2)
    small = measure()
    add(6)
    assert measure() == small
    assert small["index"] <= 15 and small["register"] <= 19, small


# ---- the register's charts ---------------------------------------------------------------------------------


def test_register_charts_count_exercises_per_month_and_per_kit_level(client, owner, site, owner_staff):
    from datetime import datetime

    from exercises.choices import KitLevel, State

    def at(month: int, day: int = 10):
        return timezone.make_aware(datetime(2027, month, day, 9, 30))

    ExerciseFactory(establishment=owner, starts_at=at(3), kit_level=KitLevel.BEGINNER)
    multi = ExerciseFactory(establishment=owner, starts_at=at(3, 20), kit_level=KitLevel.INTERMEDIATE)
    ExerciseSite.objects.create(exercise=multi, site=site)  # one exercise, whatever its number of sites
    ExerciseFactory(
        establishment=owner, starts_at=at(5), kit_level=KitLevel.BEGINNER, state=State.CANCELLED, cancel_reason="Grève"
    )
    ExerciseFactory(establishment=owner, starts_at=at(12, 31), kit_level=KitLevel.CONFIRMED)
    ExerciseFactory(establishment=EstablishmentFactory(), starts_at=at(3))  # another region: not counted
    client.force_login(owner_staff)
    response = client.get(reverse("exercises:register"), {"year": 2027})
    months, levels = response.context["charts"]
    assert months.headers == ["Mois", "Planifiés", "Joués", "Rapport remis", "Annulés", "Total"]
    rows = {row[0]: row[1:] for row in months.rows}
    assert len(rows) == 12
    assert rows["mars 2027"] == ["2", "0", "0", "0", "2"]
    assert rows["mai 2027"] == ["0", "0", "0", "1", "1"]
    assert rows["décembre 2027"][-1] == "1" and rows["avril 2027"][-1] == "0"
    assert {row[0]: row[1] for row in levels.rows} == {"Débutant": "2", "Intermédiaire": "1", "Confirmé": "1"}
    page = response.text
    assert page.count("<svg") >= 2 and "Exercices par mois" in page and "Exercices par niveau de kit" in page
    # The XLSX stays the register's rows (no chart in it).
    export = client.get(reverse("exercises:register_export"), {"year": 2027})
    assert len(list(load_workbook(BytesIO(export.content)).active.iter_rows())) == 5


def test_register_months_without_a_year_run_from_eight_months_back_to_three_ahead():
    from datetime import date

    from exercises.register_charts import month_window
    from exercises.selectors import RegisterFilters

    window = month_window(RegisterFilters(), today=date(2026, 12, 2))
    assert window[0] == date(2026, 4, 1) and window[-1] == date(2027, 3, 1) and len(window) == 12
    assert month_window(RegisterFilters(year=2025))[0] == date(2025, 1, 1)


def test_sites_edited_in_the_admin_get_and_lose_their_logistics_line(owner, site, owner_staff, catalogue):
    """``ExerciseAdmin.save_related`` calls ``sync_site_logistics`` after the sites' inline was saved."""
    exercise = _multi_site(owner, owner_staff, catalogue)
    row = ExerciseSite.objects.create(exercise=exercise, site=site)
    services.sync_site_logistics(exercise)
    services.sync_site_logistics(exercise)
    assert LogisticsItem.objects.filter(exercise=exercise, site=site).count() == 1
    row.delete()
    services.sync_site_logistics(exercise)
    assert not LogisticsItem.objects.filter(exercise=exercise, site__isnull=False).exists()
    assert exercise.logistics.count() == len(services.DEFAULT_LOGISTICS)


def test_has_evidence_of_a_site_counts_the_multi_site_exercise_and_its_own_staff(
    owner, site, sibling, owner_staff, catalogue
):
    from exercises.models import EvidenceRequest

    exercise = _multi_site(owner, owner_staff, catalogue, site)
    services.add_participant(
        exercise, owner_staff, cell=Cell.CRISIS, function=Function.DIRECTOR, name="Dir", email="d@ex.fr"
    )
    services.add_participant(
        exercise, owner_staff, cell=Cell.CRISIS, function=Function.IT, name="Info site", email="i@ex.fr", site=site
    )
    for name in ("mark_ready", "start", "finish"):
        exercise = services.transition(exercise, owner_staff, name)
    day = timezone.localdate(exercise.starts_at)

    def evidence(establishment) -> dict:
        request = EvidenceRequest.objects.create(establishment=establishment, start=day, end=day)
        context = documents.evidence_context(request)
        return {"held": [e.pk for e in context["held"]], **{str(label): n for label, n in context["functions"]}}

    as_site, as_owner, as_sibling = evidence(site), evidence(owner), evidence(sibling)
    assert as_site["held"] == as_owner["held"] == [exercise.pk] and as_sibling["held"] == []
    assert (as_site["Informatique"], as_site["Directeur / directrice"]) == (1, 0)
    assert (as_owner["Informatique"], as_owner["Directeur / directrice"]) == (0, 1)
    html = render_to_string(
        "exercises/print/evidence.html",
        documents.evidence_context(EvidenceRequest.objects.filter(establishment=site).first()),
    )
    assert f"exercice multi-site organisé par {owner.name}" in html


@pytest.mark.parametrize("version", ["abc", "1.5", "99999999999999999999999"])
def test_a_damaged_version_is_refused_as_stale_not_a_server_error(
    client, owner, site, organisation_director, catalogue, version
):
    """A tampered ``version`` field gets the French "reload" message; nothing is written."""
    exercise = _multi_site(owner, organisation_director, catalogue, site)
    client.force_login(organisation_director)
    url = reverse("exercises:edit", args=[exercise.pk])
    payload = _create_payload(owner, catalogue, sites=[site.pk], version=version)
    payload.pop("establishment")
    payload["title"] = "Titre qui ne doit pas être écrit"
    payload["starts_at"] = timezone.localtime(exercise.starts_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, payload)
    assert response.status_code == 200
    assert "modifié par quelqu" in response.content.decode()
    exercise.refresh_from_db()
    assert exercise.title != "Titre qui ne doit pas être écrit"
