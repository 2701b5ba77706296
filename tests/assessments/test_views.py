"""Pages: fill, answer (htmx), submit, results, recommendations → action plan, regional view, isolation."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from action_plans.models import ActionItem
from assessments import services
from assessments.models import Answer, Assessment
from establishments.roles import Role
from reports import services as report_services
from reports.models import Report
from tests.establishments.factories import (
    EstablishmentFactory,
    MembershipFactory,
    StaffAssignmentFactory,
)

from .conftest import EXERCISE, MAC, answer

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def option(grid, question_code, option_code):
    question = grid.questions.get(code=question_code)
    return question, question.options.get(code=option_code)


@pytest.fixture
def self_assessment(grids, establishment, rssi):
    return services.start_assessment(establishment, grids[EXERCISE], rssi)


def test_member_starts_an_assessment_from_the_list(client, grids, establishment, rssi):
    login(client, rssi)

    response = client.post(
        reverse("assessments:start"), {"establishment": establishment.pk, "grid": grids[EXERCISE].pk}
    )

    assessment = Assessment.objects.get()
    assert response.url == reverse("assessments:detail", args=[assessment.pk])
    page = client.get(response.url).content.decode()
    assert "Grille illustrative" in page and "Comment les utilisateurs disposant de privilèges" in page
    assert "Licence" in page and "Agence du Numérique en Santé" in page


def test_a_plain_member_cannot_start_or_answer(client, grids, establishment, self_assessment):
    member = MembershipFactory(establishment=establishment, role=Role.MEMBER).user
    login(client, member)
    question, chosen = option(grids[EXERCISE], "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")

    client.post(reverse("assessments:start"), {"establishment": establishment.pk, "grid": grids[EXERCISE].pk})
    response = client.post(
        reverse("assessments:answer", args=[self_assessment.pk, question.pk]), {"option": chosen.pk, "version": 0}
    )

    assert Assessment.objects.count() == 1
    assert response.status_code == 404
    assert "lecture seule" in client.get(reverse("assessments:detail", args=[self_assessment.pk])).content.decode()


def test_htmx_answer_is_saved_and_the_question_comes_back(client, grids, rssi, self_assessment):
    login(client, rssi)
    question, chosen = option(grids[EXERCISE], "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")

    response = client.post(
        reverse("assessments:answer", args=[self_assessment.pk, question.pk]),
        {"option": chosen.pk, "version": 0},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="q-{question.pk}"' in body and "enregistrée par" in body and 'hx-swap-oob="true"' in body
    assert list(Answer.objects.get(question=question).selected.all()) == [chosen]


def test_answer_outside_the_question_options_is_refused(client, grids, rssi, self_assessment):
    login(client, rssi)
    question, _ = option(grids[EXERCISE], "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")
    _, foreign = option(grids[EXERCISE], "identite-cellule-crise", "identite-cellule-crise-oui")

    response = client.post(
        reverse("assessments:answer", args=[self_assessment.pk, question.pk]),
        {"option": foreign.pk, "version": 0},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and response["X-Answer-Refused"] == "invalid"
    assert "ne fait pas partie des réponses possibles" in response.content.decode()
    assert not Answer.objects.exists()


def test_single_choice_question_refuses_two_answers(grids, rssi, self_assessment):
    question = grids[EXERCISE].questions.get(code="utilisateurs-privilegies")
    ids = list(question.options.values_list("id", flat=True)[:2])

    with pytest.raises(services.AssessmentError, match="Une seule réponse"):
        services.record_answer(self_assessment, question.pk, ids, rssi, 0)


def test_revealed_question_is_refused_until_its_trigger_answer_is_given(grids, establishment, rssi):
    diagnostic = services.start_assessment(establishment, grids[MAC], rssi)
    drawer = grids[MAC].questions.get(code="securite-infrastructure-pare-feu-deploye-oui-tiroir-logs-stockes")

    with pytest.raises(services.AssessmentError, match="n'est posée que si"):
        services.record_answer(diagnostic, drawer.pk, [drawer.options.first().pk], rssi, 0)


def test_stale_answer_is_refused_with_who_changed_it(client, grids, establishment, rssi, self_assessment):
    colleague = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    answer(self_assessment, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies", user=colleague)
    question, mine = option(grids[EXERCISE], "utilisateurs-privilegies", "utilisateurs-privilegies-non-identifies")
    login(client, rssi)

    response = client.post(
        reverse("assessments:answer", args=[self_assessment.pk, question.pk]),
        {"option": mine.pk, "version": 0},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200 and response["X-Answer-Refused"] == "conflict"
    body = response.content.decode()
    assert f"modifiée par {colleague.email}" in body and "pas été enregistré" in body
    assert Answer.objects.get(question=question).selected.get().code == "utilisateurs-privilegies-identifies"


def test_drawer_questions_appear_when_their_trigger_answer_is_given(client, grids, establishment, rssi):
    diagnostic = services.start_assessment(establishment, grids[MAC], rssi)
    question, yes = option(
        grids[MAC], "securite-infrastructure-pare-feu-deploye", "securite-infrastructure-pare-feu-deploye-oui"
    )
    login(client, rssi)

    body = client.post(
        reverse("assessments:answer", args=[diagnostic.pk, question.pk]),
        {"option": yes.pk, "version": 0},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert "Est-ce que seuls les flux entrants et sortants strictement nécessaires" in body


def test_submit_then_results_show_level_and_recommendations(client, grids, rssi, self_assessment):
    answer(self_assessment, "utilisateurs-privilegies", "utilisateurs-privilegies-non-identifies", user=rssi)
    login(client, rssi)

    response = client.post(reverse("assessments:submit", args=[self_assessment.pk]), follow=True)

    page = response.content.decode()
    assert "Kit débutant" in page
    assert "Identifier les utilisateurs disposant de privilèges" in page
    assert "<svg" in page and "Score par thème : les valeurs du graphique" in page
    assert self_assessment.transitions.filter(name="submit").exists()
    second = client.post(reverse("assessments:submit", args=[self_assessment.pk]), follow=True)
    assert "déjà été soumise" in second.content.decode() or second.redirect_chain[-1][0].endswith("/resultats/")


def test_results_show_the_previous_assessment_beside(client, grids, establishment, rssi):
    first = services.start_assessment(establishment, grids[EXERCISE], rssi)
    answer(first, "utilisateurs-privilegies", "utilisateurs-privilegies-non-identifies")
    services.submit_assessment(first, rssi)
    second = services.start_assessment(establishment, grids[EXERCISE], rssi)
    answer(second, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies-informes")
    services.submit_assessment(second, rssi)
    login(client, rssi)

    page = client.get(reverse("assessments:results", args=[second.pk])).content.decode()

    assert "Évaluation précédente" in page
    assert "0 / 10 pts" in page and "10 / 10 pts" in page


def test_picked_recommendations_become_action_items_once(client, grids, establishment, rssi, self_assessment):
    answer(self_assessment, "utilisateurs-privilegies", "utilisateurs-privilegies-non-identifies")
    services.submit_assessment(self_assessment, rssi)
    reco = self_assessment.grid.measures.get().levels.get(level=1)
    login(client, rssi)

    response = client.post(reverse("assessments:add_to_plan", args=[self_assessment.pk]), {"recommendation": [reco.pk]})
    client.post(reverse("assessments:add_to_plan", args=[self_assessment.pk]), {"recommendation": [reco.pk]})

    assert response.url == reverse("action_plans:plan", args=[establishment.pk])
    item = ActionItem.objects.get()
    assert item.title == reco.title and item.priority == "P1" and item.source_kind == "assessment_answer"
    assert item.source_key == f"assessment:{EXERCISE}:utilisateurs-privilegies:utilisateurs-privilegies"
    page = client.get(reverse("assessments:results", args=[self_assessment.pk])).content.decode()
    assert "déjà dans le plan d'action" in page


def test_staff_sees_the_region_distribution_within_bounded_queries(
    client, grids, establishment, rssi, django_assert_max_num_queries
):
    for index in range(3):
        other = EstablishmentFactory(department=establishment.department, ehpad=bool(index % 2))
        assessment = services.start_assessment(other, grids[EXERCISE], None)
        answer(assessment, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")
        services.submit_assessment(assessment, None)
    services.start_assessment(establishment, grids[EXERCISE], rssi)
    elsewhere = services.start_assessment(EstablishmentFactory(), grids[EXERCISE], None)
    staff = StaffAssignmentFactory(region=establishment.region).user
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "test"})
    login(client, staff)

    with django_assert_max_num_queries(14):
        page = client.get(reverse("assessments:region")).content.decode()

    assert "3 évaluations soumises" in page and "4 évaluations au total" in page
    assert "Kit débutant" in page
    assert elsewhere.establishment.name not in page
    assert "Établissement de santé (ES)" in page and "(ESMS)" in page
    filtered = client.get(reverse("assessments:region"), {"grille": MAC}).content.decode()
    assert "Aucune évaluation soumise." in filtered


def test_list_page_is_bounded(client, grids, establishment, rssi, django_assert_max_num_queries):
    for _ in range(5):
        services.start_assessment(establishment, grids[EXERCISE], rssi)
    login(client, rssi)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("assessments:index"))

    assert response.content.decode().count("Reprendre") == 5


def test_region_view_is_not_for_members(client, grids, rssi):
    login(client, rssi)

    assert client.get(reverse("assessments:region")).status_code == 404


def test_member_of_another_establishment_gets_404_everywhere(
    client, grids, establishment, rssi, self_assessment, django_capture_on_commit_callbacks
):
    answer(self_assessment, "utilisateurs-privilegies", "utilisateurs-privilegies-identifies")
    services.submit_assessment(self_assessment, rssi)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.request_report(establishment, "assessment_synthesis", rssi, self_assessment.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    outsider = MembershipFactory(establishment=EstablishmentFactory(), role=Role.DIRECTOR).user
    login(client, outsider)
    question = self_assessment.grid.questions.get(code="utilisateurs-privilegies")

    for url in (
        reverse("assessments:detail", args=[self_assessment.pk]),
        reverse("assessments:results", args=[self_assessment.pk]),
        reverse("reports:download", args=[report.pk]),
        reverse("reports:status", args=[report.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("assessments:answer", args=[self_assessment.pk, question.pk]),
        reverse("assessments:submit", args=[self_assessment.pk]),
        reverse("assessments:add_to_plan", args=[self_assessment.pk]),
    ):
        assert client.post(url, {"option": 1, "version": 0, "recommendation": 1}).status_code == 404, url
    with pytest.raises(report_services.ReportNotAllowed):
        report_services.request_report(
            outsider.memberships.get().establishment, "assessment_synthesis", outsider, self_assessment.pk
        )


def test_fill_page_of_the_full_diagnostic_is_bounded(client, grids, establishment, rssi, django_assert_max_num_queries):
    diagnostic = services.start_assessment(establishment, grids[MAC], rssi)
    answer(
        diagnostic,
        "contexte-opere-systemes-information-industriels",
        "contexte-opere-systemes-information-industriels-non",
    )
    answer(diagnostic, "securite-infrastructure-pare-feu-deploye", "securite-infrastructure-pare-feu-deploye-oui")
    login(client, rssi)
    client.get(reverse("assessments:detail", args=[diagnostic.pk]))  # grid snapshot cached after the first view

    with django_assert_max_num_queries(15):
        page = client.get(reverse("assessments:detail", args=[diagnostic.pk])).content.decode()

    assert page.count('class="crrc-question"') == 45 + 2  # top-level questions + the firewall's two drawers
    assert page.count(" hidden>") == 5  # industrial questions hidden once the context says "none"


def test_monaidecyber_results_use_one_scale_and_one_wording_for_an_unanswered_theme(client, grids, establishment, rssi):
    """Radar and bars share the grid's 0–3 scale; a theme without answer is "non évalué" and draws no sector."""
    diagnostic = services.start_assessment(establishment, grids[MAC], rssi)
    answer(
        diagnostic,
        "gouvernance-infos-et-activites-a-proteger",
        "gouvernance-infos-et-activites-a-proteger-oui-idee-generale",
    )
    services.submit_assessment(diagnostic, rssi)
    login(client, rssi)

    page = client.get(reverse("assessments:results", args=[diagnostic.pk])).content.decode()

    assert "Échelle : de 0 à 3" in page and "sur 5" not in page and "/ 5" not in page
    assert "Indicateurs par thème : les valeurs du graphique" in page
    assert page.count("<path ") == 1  # only the answered theme has a sector
    assert "non évalué" in page and "0,00" not in page
