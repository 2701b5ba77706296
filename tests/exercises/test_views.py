"""Pages: who sees what, bounded queries, the console for two animators, the signed RETEX link, the PDFs."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import HTML

from establishments.roles import Role
from exercises import documents, services
from exercises.choices import Cell, ObservationKind, State, StimulusStatus
from exercises.models import Exercise, RetexResponse
from reports.models import Report
from reports.pdf import PRINT_BASE_URL, LocalOnlyFetcher, print_context
from tests.action_plans.factories import member, region_staff
from tests.establishments.factories import EstablishmentFactory

from .factories import ExerciseFactory, ObservationFactory, ParticipantFactory, StimulusFactory

pytestmark = pytest.mark.django_db


def test_pages_render_for_the_director(client, exercise, director):
    client.force_login(director)
    for name in ("detail", "edit", "stimulus_add", "chronogram_import", "chronogram_print", "debrief"):
        response = client.get(reverse(f"exercises:{name}", args=[exercise.pk]))
        assert response.status_code == 200, name
    assert client.get(reverse("exercises:index")).status_code == 200
    assert client.get(reverse("exercises:create")).status_code == 200
    page = client.get(reverse("exercises:detail", args=[exercise.pk])).text
    assert "Scénario illustratif" in page and "La présence du directeur" in page


def test_reader_sees_but_cannot_edit(client, exercise, reader):
    client.force_login(reader)
    assert client.get(reverse("exercises:detail", args=[exercise.pk])).status_code == 200
    assert client.get(reverse("exercises:edit", args=[exercise.pk])).status_code == 403
    response = client.post(
        reverse("exercises:participant_add", args=[exercise.pk]),
        {"cell": "crisis", "function": "director", "name": "X", "email": "x@exemple.fr"},
    )
    assert response.status_code == 403
    assert not exercise.participants.exists()


def test_other_establishment_gets_404_and_other_region_sees_nothing(client, exercise):
    other = EstablishmentFactory()
    outsider = member(other)
    client.force_login(outsider)
    for name in ("detail", "console", "debrief", "chronogram_export", "retex"):
        assert client.get(reverse(f"exercises:{name}", args=[exercise.pk])).status_code == 404, name
    assert exercise.title not in client.get(reverse("exercises:index")).text
    foreign_staff = region_staff(other.region)
    client.force_login(foreign_staff)
    assert client.get(reverse("exercises:detail", args=[exercise.pk])).status_code == 404
    register = client.get(reverse("exercises:register"))
    assert register.status_code == 200 and exercise.title not in register.text


def test_staff_creates_with_french_errors(client, establishment, staff, catalogue):
    client.force_login(staff)
    response = client.post(
        reverse("exercises:create"),
        {
            "establishment": establishment.pk,
            "title": "Exercice",
            "scenario": catalogue.pk,
            "kit_level": "debutant",
            "format": "on_site",
            "starts_at": "2001-01-01T09:00",
            "simulation_minutes": 75,
            "total_minutes": 60,
            "runner": "awardee",
        },
    )
    assert response.status_code == 200
    assert "La date de l&#x27;exercice est passée" in response.text
    assert "Indiquez le titulaire du marché" in response.text
    assert "La durée totale comprend la simulation" in response.text
    assert not Exercise.objects.exists()


@pytest.mark.parametrize("size", [2, 8])
def test_list_and_register_queries_are_bounded(
    client, establishment, staff, director, catalogue, size, django_assert_max_num_queries
):
    for _n in range(size):
        exercise = ExerciseFactory(establishment=establishment, scenario=catalogue)
        StimulusFactory(exercise=exercise)
        ParticipantFactory(exercise=exercise)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("exercises:index")).status_code == 200
    with django_assert_max_num_queries(18):  # the same for both sizes (one more when the ContentType cache is cold)
        assert client.get(reverse("exercises:register")).status_code == 200
    client.force_login(director)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("exercises:index")).status_code == 200


def test_two_animators_at_once(client, running_exercise, staff, establishment, django_assert_max_num_queries):
    from django.test import Client

    animator = member(establishment, Role.MEMBER)
    ParticipantFactory(exercise=running_exercise, cell=Cell.ANIMATION, user=animator, email=animator.email)
    observer = member(establishment, Role.MEMBER)
    ParticipantFactory(exercise=running_exercise, cell=Cell.OBSERVERS, user=observer, email=observer.email)
    first, second, third = Client(), Client(), Client()
    first.force_login(staff)
    second.force_login(animator)
    third.force_login(observer)
    stimulus = running_exercise.stimuli.order_by("offset_seconds").first()
    url = reverse("exercises:stimulus_play", args=[running_exercise.pk, stimulus.pk])
    assert first.post(url, HTTP_HX_REQUEST="true").status_code == 200
    again = second.post(url, HTTP_HX_REQUEST="true")
    assert "déjà été joué" in again.text
    stimulus.refresh_from_db()
    assert stimulus.status == StimulusStatus.PLAYED and stimulus.played_by == staff
    second.post(reverse("exercises:journal_add", args=[running_exercise.pk]), {"text": "Isolement du réseau décidé"})
    third.post(
        reverse("exercises:observation_add", args=[running_exercise.pk]),
        {"kind": "improvement", "text": "Annuaire de crise introuvable"},
    )
    # The observer may not play a stimulus.
    other = running_exercise.stimuli.filter(status=StimulusStatus.PENDING).first()
    assert third.post(reverse("exercises:stimulus_play", args=[running_exercise.pk, other.pk])).status_code == 403
    with django_assert_max_num_queries(20):
        live = first.get(reverse("exercises:console_live", args=[running_exercise.pk]), HTTP_HX_REQUEST="true")
    assert "Isolement du réseau décidé" in live.text and "Annuaire de crise introuvable" in live.text
    assert "Stimulus joué" in live.text
    assert third.get(reverse("exercises:console", args=[running_exercise.pk])).status_code == 200


def test_anonymous_retex_through_signed_link(client, running_exercise, staff):
    exercise = services.transition(running_exercise, staff, "finish")
    services.set_retex_anonymous(exercise, staff, True)
    guest = ParticipantFactory(exercise=exercise, name="Invitée sans compte")
    client.force_login(staff)
    page = client.get(reverse("exercises:debrief", args=[exercise.pk])).text
    after_guest = page.split("Invitée sans compte", 1)[1]
    link = next(part for part in after_guest.split('"') if "/exercices/retex/" in part)
    client.logout()
    path = link.split("testserver")[-1]
    form = client.get(path)
    assert form.status_code == 200 and "anonymes" in form.text
    questions = list(exercise.retex_template.questions.all())
    bad = {f"q{q.pk}_score": "55" for q in questions}
    response = client.post(path, bad)
    assert "pas de 10" in response.text and not RetexResponse.objects.exists()
    good = {f"q{q.pk}_score": "80" for q in questions} | {f"q{questions[0].pk}_worked": "Alerte rapide"}
    assert "Merci" in client.post(path, good).text
    response = RetexResponse.objects.get()
    assert response.participant is None and response.answers.count() == len(questions)
    guest.refresh_from_db()
    assert guest.retex_done_at is not None
    assert client.get(path[:-6] + "abcde/").status_code == 404


def test_improvements_page_adds_action_items(client, running_exercise, staff):
    observation = ObservationFactory(exercise=running_exercise, kind=ObservationKind.IMPROVEMENT)
    exercise = services.transition(running_exercise, staff, "finish")
    client.force_login(staff)
    url = reverse("exercises:improvements", args=[exercise.pk])
    data = {
        "observation": [observation.pk],
        f"priority_{observation.pk}": "P1",
        f"deadline_{observation.pk}": "2030-01-31",
    }
    client.post(url, data)
    client.post(url, data)
    from action_plans.models import ActionItem

    item = ActionItem.objects.get()
    assert item.priority == "P1" and str(item.deadline) == "2030-01-31"
    assert "au plan" in client.get(reverse("exercises:debrief", args=[exercise.pk])).text


def _render(document, region) -> str:
    return render_to_string(
        document.template_name,
        {
            **print_context(region),
            "document_title": document.title,
            "show_cover": document.cover,
            "toc_entries": [],
            **document.context,
        },
    )


def test_report_pdf_sections_and_shared_version(running_exercise, staff, establishment):
    ObservationFactory(
        exercise=running_exercise, kind=ObservationKind.IMPROVEMENT, author=staff, text="Pas de fiche réflexe"
    )
    ParticipantFactory(exercise=running_exercise, email="joueur@exemple.fr")
    exercise = services.transition(running_exercise, staff, "finish")
    report = Report(establishment=establishment, subject_id=exercise.pk)
    html = _render(documents.build_report(report), establishment.region)
    assert "Chronogramme joué" in html and "joueur@exemple.fr" in html and "Pas de fiche réflexe" in html
    shared = _render(documents.build_shared(report), establishment.region)
    assert "joueur@exemple.fr" not in shared and "Version partagée" in shared
    Exercise.objects.filter(pk=exercise.pk).update(report_sections=["context"])
    only_context = _render(documents.build_report(report), establishment.region)
    assert "Chronogramme joué" not in only_context
    pdf = HTML(string=html, base_url=PRINT_BASE_URL, url_fetcher=LocalOnlyFetcher(timeout=5)).render()
    assert len(pdf.pages) >= 2


def test_close_after_report_built(running_exercise, staff, establishment):
    exercise = services.transition(running_exercise, staff, "finish")
    exercise = services.transition(exercise, staff, "debrief")
    from django.utils import timezone

    Report.objects.create(
        establishment=establishment,
        kind=documents.REPORT_KIND,
        subject_id=exercise.pk,
        status=Report.Status.DONE,
        finished_at=timezone.now(),
        filename="r.pdf",
        file="reports/r.pdf",
    )
    closed = services.transition(exercise, staff, "close")
    assert closed.state == State.CLOSED and closed.reported_at is not None


def test_participation_section_says_what_next(client, exercise, director, establishment):
    client.force_login(director)
    page = client.get(reverse("establishments:home", args=[establishment.pk])).text
    assert exercise.title in page and "Préparer l&#x27;exercice" in page or "Préparer l'exercice" in page


def test_evidence_pdf(client, running_exercise, staff, establishment):
    from datetime import timedelta

    from django.utils import timezone

    from exercises.models import EvidenceRequest

    services.transition(running_exercise, staff, "finish")
    today = timezone.localdate()
    evidence = EvidenceRequest.objects.create(
        establishment=establishment,
        start=today - timedelta(days=365),
        end=today + timedelta(days=365),
        requested_by=staff,
    )
    document = documents.build_evidence(Report(establishment=establishment, subject_id=evidence.pk))
    html = _render(document, establishment.region)
    assert running_exercise.title in html and "Participation par fonction" in html
    client.force_login(staff)
    assert client.get(reverse("exercises:evidence", args=[establishment.pk])).status_code == 200


def _admin_staff(region):
    from establishments.roles import StaffKind
    from establishments.staffing import assign_staff

    user = region_staff(region)
    assign_staff(user, region, StaffKind.CRRC_STAFF)
    return user


def test_admin_is_region_scoped_and_state_read_only(client, exercise):
    staff = _admin_staff(exercise.establishment.region)
    other_region = EstablishmentFactory().region
    other_staff = _admin_staff(other_region)
    client.force_login(staff)
    changelist = client.get(reverse("admin:exercises_exercise_changelist"))
    assert changelist.status_code == 200 and exercise.title in changelist.text
    change = client.get(reverse("admin:exercises_exercise_change", args=[exercise.pk]))
    assert change.status_code == 200 and 'name="state"' not in change.text
    client.force_login(other_staff)
    assert exercise.title not in client.get(reverse("admin:exercises_exercise_changelist")).text
    response = client.get(reverse("admin:exercises_exercise_change", args=[exercise.pk]))
    assert response.status_code in (302, 404)


def test_admin_transition_action_applies_guards(client, exercise):
    client.force_login(_admin_staff(exercise.establishment.region))
    response = client.post(
        reverse("admin:exercises_exercise_changelist"),
        {"action": "workflow_mark_ready", "_selected_action": [exercise.pk]},
        follow=True,
    )
    assert "directeur" in response.text
    exercise.refresh_from_db()
    assert exercise.state == State.DRAFT


def test_admin_add_pages_open_for_the_superuser(admin_client, admin_user, exercise):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    for name in ("exercise", "scenario", "retextemplate", "observation"):
        assert admin_client.get(reverse(f"admin:exercises_{name}_add")).status_code == 200, name
    assert admin_client.get(reverse("admin:exercises_exercise_change", args=[exercise.pk])).status_code == 200
