"""The community and incident figures of the dashboard on a known data set, for each filter (department, sector,
FINESS category, period): a filter narrows every figure to what the chosen establishments' people did."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community import services as community
from community.models import Activity, Document, Member, Post
from community.selectors import viewer_for
from establishments.roles import StaffKind
from incidents.models import Intervention
from tests.action_plans.factories import region_staff
from tests.community.factories import PDF, EventFactory
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, RegionFactory
from tests.incidents.factories import IncidentFactory, staff_of

from .test_dashboard import figures_by_key

pytestmark = pytest.mark.django_db
DOCS, POSTS, REGISTRATIONS = "Documents partagés", "Messages publiés", "Inscriptions aux événements"


def member(space, establishment):
    from tests.establishments.factories import MembershipFactory

    user = MembershipFactory(establishment=establishment).user
    Member.objects.create(space=space, user=user, establishment=establishment, state=Member.State.ACTIVE,
                          joined_at=timezone.now())  # fmt: skip
    return viewer_for(user, space)


def populate(region, lake, forest, space, staff) -> dict:
    """A hospital in ``lake`` and an EHPAD in ``forest`` with their community and incident rows (see ``world``)."""
    hospital = EstablishmentFactory(department=lake)
    ehpad = EstablishmentFactory(department=forest, ehpad=True)
    folder = space.folders.first()
    h, e, s = member(space, hospital), member(space, ehpad), viewer_for(staff, space)
    for title in ("Guide PRA", "Fiche réflexe"):
        community.upload_document(h, folder, SimpleUploadedFile("a.pdf", PDF), title)
    community.upload_document(s, folder, SimpleUploadedFile("b.pdf", PDF), "Offre CERT Santé")
    thread = community.start_thread(h, "Sauvegardes", "Qui restaure ?")
    community.reply(h, thread, "Nous, chaque trimestre.")
    old = community.reply(h, thread, "Ancien message.")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    Activity.objects.filter(post=old).update(created_at=timezone.now() - timedelta(days=400))
    community.reply(e, thread, "Pas encore.")
    community.reply(s, thread, "Le CRRC propose un atelier.")
    event = EventFactory(space=space, capacity=10)
    community.register(h, event)
    community.register(e, event)
    incident = IncidentFactory(establishment=hospital, rapid_response_requested_at=timezone.now())
    Intervention.objects.create(incident=incident, description="Appui à distance", hours=Decimal("3"),
                                intervenants="CRRC", recorded_by=staff)  # fmt: skip
    IncidentFactory(establishment=hospital)
    IncidentFactory(establishment=ehpad, detected_at=timezone.now() - timedelta(days=400),
                    declared_at=timezone.now() - timedelta(days=399))  # fmt: skip
    return {"hospital": hospital, "ehpad": ehpad}


@pytest.fixture
def world():
    """Region with a hospital in department Lac and an EHPAD in department Forêt.

    Community: the hospital's member shares 2 documents, writes 3 posts (opening a thread) and registers to 1
    event; the EHPAD's member writes 1 post and registers to 1 event; CRRC staff share 1 document, write 1 post.
    One of the hospital's posts is 400 days old. Incidents: 2 at the hospital (one with the rapid-response force
    and 3 h of CRRC support), 1 at the EHPAD detected 400 days ago.
    """
    region = RegionFactory()
    lake, forest = DepartmentFactory(region=region, name="Lac"), DepartmentFactory(region=region, name="Forêt")
    space = community.create_space(region, "Communauté RSSI")
    rows = populate(region, lake, forest, space, staff_of(region))
    assert Document.objects.filter(space=space).count() == 3
    return {"region": region, "lake": lake, "forest": forest, "space": space, **rows,
            "reviewer": region_staff(region, kind=StaffKind.ARS_REVIEWER)}  # fmt: skip


def values(figures) -> dict:
    return {f.label: f.value for f in figures}


@pytest.mark.parametrize(
    ("filters", "activity", "represented", "incidents"),
    [
        # Everything: staff's document and post count too. Posts: the hospital's 3, the EHPAD's 1, staff's 1.
        ({}, {DOCS: 3, POSTS: 5, REGISTRATIONS: 2}, 2, (3, 1, 3.0)),
        ({"departement": "lake"}, {DOCS: 2, POSTS: 3, REGISTRATIONS: 1}, 1, (2, 1, 3.0)),
        ({"departement": "forest"}, {DOCS: 0, POSTS: 1, REGISTRATIONS: 1}, 1, (1, 0, 0.0)),
        ({"secteur": "ES"}, {DOCS: 2, POSTS: 3, REGISTRATIONS: 1}, 1, (2, 1, 3.0)),
        ({"secteur": "ESMS"}, {DOCS: 0, POSTS: 1, REGISTRATIONS: 1}, 1, (1, 0, 0.0)),
        ({"categorie": "ehpad"}, {DOCS: 0, POSTS: 1, REGISTRATIONS: 1}, 1, (1, 0, 0.0)),
        # The last 12 months: the hospital's old post and the EHPAD's old incident drop out.
        ({"periode": "12m"}, {DOCS: 3, POSTS: 4, REGISTRATIONS: 2}, 2, (2, 1, 3.0)),
        ({"periode": "12m", "secteur": "ESMS"}, {DOCS: 0, POSTS: 1, REGISTRATIONS: 1}, 1, (0, 0, 0.0)),
    ],
)
def test_each_filter_narrows_the_community_and_incident_figures(world, filters, activity, represented, incidents):
    get = dict(filters)
    if "departement" in get:
        get["departement"] = world[get["departement"]].code
    if "categorie" in get:
        get["categorie"] = world["ehpad"].category.code
    figures = figures_by_key(world["reviewer"], **get)

    assert values(figures["community.activity"]) == activity
    assert values(figures["community.participation"])["Établissements représentés dans la communauté"] == represented
    incident_figures = values(figures["incidents.activity"])
    total, rapid, hours = incidents
    assert incident_figures["Incidents déclarés"] == total
    assert incident_figures["Activations de la force d'intervention rapide"] == rapid
    assert incident_figures["Heures d'appui du CRRC"] == hours


def test_the_dashboard_queries_do_not_grow_with_these_modules_rows(client, world):
    """The same number of queries with one and with four sets of community, incident and awareness rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.awareness.factories import CampaignFactory, EnrolmentFactory, LearnerFactory, PhishingResultFactory

    campaign = CampaignFactory(programme__region=world["region"])

    def awareness_rows(establishment):
        EnrolmentFactory(establishment=establishment, programme=campaign.programme)
        for index in range(6):
            learner = LearnerFactory(establishment=establishment, email=f"q{index}.{establishment.pk}@x.org")
            PhishingResultFactory(establishment=establishment, campaign=campaign, learner=learner, sent=True,
                                  clicked=index % 2 == 0)  # fmt: skip

    awareness_rows(world["hospital"])
    client.force_login(world["reviewer"], backend="django.contrib.auth.backends.ModelBackend")
    client.get("/tableau-de-bord/")
    with CaptureQueriesContext(connection) as small:
        client.get("/tableau-de-bord/?departement=" + world["lake"].code)
    staff = staff_of(world["region"])
    for _ in range(3):
        rows = populate(world["region"], world["lake"], world["forest"], world["space"], staff)
        awareness_rows(rows["hospital"])
    with CaptureQueriesContext(connection) as large:
        response = client.get("/tableau-de-bord/?departement=" + world["lake"].code)
    assert response.status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("which", ["departement", "secteur_esms", "secteur_es", "categorie"])
def test_each_filter_narrows_the_establishment_call_assessment_and_action_plan_figures(which):
    """``fill(region, 2)``: 2 hospitals and 2 EHPAD in each of two departments, each with a director, a paid
    application (4 000 € committed, 1 000 € paid), a draft assessment, one overdue manual action item and one done
    item from an assessment; plus one hospital without anything in a third department."""
    from establishments.roles import Sector

    from .test_dashboard import fill

    region = EstablishmentFactory(name="Repère").region
    reviewer = region_staff(region, kind=StaffKind.ARS_REVIEWER)
    fill(region, 2)
    department = region.departments.order_by("code").last()
    ehpad_category = region.establishments.filter(sector=Sector.ESMS).first().category
    get, sectors, departments, unattached = {
        "departement": ({"departement": department.code}, {"ES": 2, "ESMS": 2}, [4], 0),
        "secteur_esms": ({"secteur": Sector.ESMS}, {"ESMS": 4}, [2, 2], 0),
        "secteur_es": ({"secteur": Sector.ES}, {"ES": 5}, [1, 2, 2], 1),
        "categorie": ({"categorie": ehpad_category.code}, {"ESMS": 4}, [2, 2], 0),
    }[which]
    figures = figures_by_key(reviewer, **get)
    labels = dict(Sector.choices)

    assert values(figures["establishments.by_sector"]) == {str(labels[k]): v for k, v in sectors.items()}
    assert [f.value for f in figures["establishments.by_department"]] == departments
    assert values(figures["establishments.members"])["Directeur / sponsor"] == 4
    assert [f.value for f in figures["establishments.onboarding"]] == [4, unattached]
    assert values(figures["calls.by_state"]) == {"Payé": 4}
    funding = values(figures["calls.funding"])
    assert funding["Montant engagé (dossiers acceptés)"] == Decimal("16000")
    assert funding["Montant versé"] == Decimal("4000")
    assert [(f.group, f.value) for f in figures["assessments.by_grid"]] == [("Soumises", 0), ("En cours", 4)]
    items = {(f.label, f.group): f.value for f in figures["action_plans.by_source"]}
    assert items[("Saisie manuelle", "En retard")] == 4 and items[("Réponse à une évaluation", "Faites")] == 4


@pytest.mark.parametrize(
    ("filters", "levels", "planned"),
    [
        ({}, {"Débutant": 2, "Intermédiaire": 1, "Confirmé": 0}, 3),
        ({"departement": "lake"}, {"Débutant": 1, "Intermédiaire": 1, "Confirmé": 0}, 2),
        ({"secteur": "ESMS"}, {"Débutant": 1, "Intermédiaire": 0, "Confirmé": 0}, 1),
        ({"categorie": "ehpad"}, {"Débutant": 1, "Intermédiaire": 0, "Confirmé": 0}, 1),
        ({"periode": "12m"}, {"Débutant": 1, "Intermédiaire": 1, "Confirmé": 0}, 2),
    ],
)
def test_each_filter_narrows_the_exercise_figures(world, filters, levels, planned):
    """The hospital plans a beginner and an intermediate exercise; the EHPAD's beginner one started 400 days ago."""
    from exercises.choices import KitLevel
    from tests.exercises.factories import ExerciseFactory

    ExerciseFactory(establishment=world["hospital"], kit_level=KitLevel.BEGINNER)
    ExerciseFactory(establishment=world["hospital"], kit_level=KitLevel.INTERMEDIATE)
    ExerciseFactory(establishment=world["ehpad"], kit_level=KitLevel.BEGINNER,
                    starts_at=timezone.now() - timedelta(days=400))  # fmt: skip
    get = dict(filters)
    if "departement" in get:
        get["departement"] = world[get["departement"]].code
    if "categorie" in get:
        get["categorie"] = world["ehpad"].category.code
    figures = figures_by_key(world["reviewer"], **get)

    assert values(figures["exercises.by_level"]) == levels
    assert values(figures["exercises.by_stage"])["Planifiés"] == planned
