"""Pages: who sees what, names only for the sponsor and relays, imports through the web, bounded queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from awareness import services
from awareness.models import Enrolment, Learner

from .factories import YEAR, LearnerFactory, PhishingResultFactory
from .helpers import RESULTS_HEADER, csv_bytes, results_row, table, xlsx_bytes

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def url(name, establishment, **kwargs):
    return reverse(f"awareness:{name}", kwargs={"establishment_pk": establishment.pk, **kwargs})


def test_sponsor_joins_then_imports_learners_and_sees_them(client, establishment, programme, sponsor):
    login(client, sponsor)
    page = client.get(url("establishment", establishment))
    assert "Inscrire l'établissement au programme" in page.content.decode()
    response = client.post(url("join", establishment), {"programme": programme.pk})
    assert response.status_code == 302
    assert Enrolment.objects.get(establishment=establishment).is_active
    upload = SimpleUploadedFile(
        "personnels.xlsx", xlsx_bytes([["Courriel", "Nom", "Prénom"], ["ana.lopez@ch.example.org", "Lopez", "Ana"]])
    )
    response = client.post(url("import_learners", establishment), {"file": upload})
    assert response.status_code == 200 and "Import terminé" in response.content.decode()
    assert Learner.objects.get().last_name == "Lopez"
    listing = client.get(url("learners", establishment)).content.decode()
    assert "ana.lopez@ch.example.org" in listing


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999"])
def test_joining_with_an_absurd_programme_is_404_and_enrols_nothing(client, establishment, programme, sponsor, value):
    login(client, sponsor)
    assert client.post(url("join", establishment), {"programme": value}).status_code == 404
    assert not Enrolment.objects.filter(establishment=establishment).exists()


def test_import_page_reports_rejected_lines_and_wrong_columns(client, establishment, enrolment, relay):
    login(client, relay)
    upload = SimpleUploadedFile("p.csv", csv_bytes([["email"], ["ok@x.org"], ["pas bon"]], sep=";", bom=True))
    content = client.post(url("import_learners", establishment), {"file": upload}).content.decode()
    assert "Lignes écartées" in content and "Adresse e-mail invalide" in content
    wrong = SimpleUploadedFile("p.csv", csv_bytes([["nom"], ["Martin"]]))
    content = client.post(url("import_learners", establishment), {"file": wrong}).content.decode()
    assert "Colonne(s) obligatoire(s) introuvable(s)" in content
    exe = SimpleUploadedFile("p.exe", b"MZ\x90\x00")
    content = client.post(url("import_learners", establishment), {"file": exe}).content.decode()
    assert "interdit" in content


def test_gophish_group_export(client, establishment, enrolment, sponsor):
    LearnerFactory(establishment=establishment, email="a@x.org", first_name="=cmd", last_name="Durand", service="Soins")
    LearnerFactory(establishment=establishment, email="gone@x.org", is_active=False, deactivated_at="2026-01-01T00:00Z")
    login(client, sponsor)
    response = client.get(url("export_gophish", establishment))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == "First Name,Last Name,Email,Position\r\n'=cmd,Durand,a@x.org,Soins\r\n"


@pytest.mark.parametrize("who", ["plain_member", "crrc_staff", "ars_reviewer"])
def test_names_are_refused_to_everybody_else(client, request, establishment, enrolment, who):
    LearnerFactory(establishment=establishment, email="secret.person@x.org", last_name="Secretname")
    login(client, request.getfixturevalue(who))
    for name in ("learners", "retraining", "export_gophish", "import_learners"):
        response = client.get(url(name, establishment))
        assert response.status_code == 403, name
        assert b"Secretname" not in response.content


def test_staff_import_results_and_see_only_figures(client, establishment, enrolment, campaign, crrc_staff):
    for i in range(6):
        LearnerFactory(establishment=establishment, email=f"p{i}@x.org", last_name=f"Nomprive{i}")
    rows = [RESULTS_HEADER] + [results_row(f"p{i}@x.org", "Clicked Link", f"{YEAR}-02-02T10:00:00Z") for i in range(6)]
    rows.append(results_row("unknown@x.org", "Clicked Link", f"{YEAR}-02-02T10:00:00Z"))
    login(client, crrc_staff)
    upload = SimpleUploadedFile("results.csv", csv_bytes(rows))
    content = client.post(
        url("import_results", establishment), {"campaign": campaign.pk, "file": upload}
    ).content.decode()
    assert "Nouveaux résultats : 6" in content and "Destinataire inconnu" in content
    assert "unknown@x.org" not in content
    for page in (
        url("establishment", establishment),
        reverse("awareness:programme", args=[campaign.programme_id]),
        reverse("awareness:benchmark"),
    ):
        body = client.get(page).content.decode()
        assert "Nomprive" not in body and "p1@x.org" not in body, page
    assert "100 %" in client.get(url("establishment", establishment)).content.decode()


def test_another_establishment_is_404(client, establishment, enrolment, sponsor):
    from tests.establishments.factories import EstablishmentFactory

    other = EstablishmentFactory()
    login(client, sponsor)
    for name in ("establishment", "learners", "import_learners", "retraining", "export_gophish", "import_results"):
        assert client.get(url(name, other)).status_code == 404, name


def test_benchmark_is_refused_to_members(client, establishment, plain_member):
    login(client, plain_member)
    assert client.get(reverse("awareness:benchmark")).status_code == 403


def test_information_is_recorded_with_date_and_text(client, establishment, enrolment, sponsor):
    login(client, sponsor)
    page = client.get(url("information", establishment) + f"?annee={YEAR}")
    assert "votre adresse professionnelle" in page.content.decode()
    response = client.post(
        url("information", establishment) + f"?annee={YEAR}",
        {"informed_on": f"{YEAR}-01-05", "text": "Note de service n° 12"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.staff_information_text == "Note de service n° 12"
    future = client.post(
        url("information", establishment) + f"?annee={YEAR}", {"informed_on": "2999-01-01", "text": "x"}
    )
    assert "ne peut pas être dans le futur" in future.content.decode()


def test_on_demand_request_with_one_month_notice(client, establishment, enrolment, sponsor, crrc_staff, campaign):
    from datetime import timedelta

    from django.utils import timezone

    from awareness.models import CampaignRequest

    login(client, sponsor)
    too_soon = timezone.localdate() + timedelta(days=10)
    response = client.post(url("new_request", establishment), {"template": campaign.template_id, "wanted_on": too_soon})
    earliest = services.earliest_on_demand_date().strftime("%d/%m/%Y")
    assert f"la date la plus proche possible est le {earliest}" in response.content.decode()
    assert not CampaignRequest.objects.exists()
    later = services.add_months(timezone.localdate(), 2)
    assert (
        client.post(
            url("new_request", establishment), {"template": campaign.template_id, "wanted_on": later}
        ).status_code
        == 302
    )
    item = CampaignRequest.objects.get()
    login(client, crrc_staff)
    assert establishment.name in client.get(reverse("awareness:staff_requests")).content.decode()
    client.post(reverse("awareness:decide_request", args=[item.pk]), {"decision": "refuse", "reason": ""})
    item.refresh_from_db()
    assert item.state == "requested"
    client.post(reverse("awareness:decide_request", args=[item.pk]), {"decision": "approve", "reason": "OK"})
    client.post(reverse("awareness:schedule_request", args=[item.pk]), {"scheduled_on": later})
    item.refresh_from_db()
    assert (item.state, item.scheduled_on) == ("scheduled", later)


def _populate(establishment, campaign, n):
    for _i in range(n):
        PhishingResultFactory(establishment=establishment, campaign=campaign, clicked=True)


@pytest.mark.parametrize("size", [6, 30])
def test_pages_have_bounded_queries(client, establishment, enrolment, campaign, sponsor, crrc_staff, size,
                                    django_assert_max_num_queries):  # fmt: skip
    _populate(establishment, campaign, size)
    services._assign_retraining(establishment, campaign, list(Learner.objects.values_list("pk", flat=True)))
    login(client, sponsor)
    for name in ("establishment", "learners", "retraining"):
        with django_assert_max_num_queries(40):
            assert client.get(url(name, establishment)).status_code == 200
    login(client, crrc_staff)
    for page in (reverse("awareness:programme", args=[campaign.programme_id]), reverse("awareness:benchmark")):
        with django_assert_max_num_queries(30):
            assert client.get(page).status_code == 200


def test_import_results_through_the_modules_page(client, establishment, enrolment, campaign, relay):
    LearnerFactory(establishment=establishment, email="a@x.org")
    login(client, relay)
    upload = SimpleUploadedFile(
        "m.csv", csv_bytes([["email", "module", "completed_at", "score"], ["a@x.org", "M01", f"{YEAR}-01-10", "90"]])
    )
    content = client.post(url("import_modules", establishment) + f"?annee={YEAR}", {"file": upload}).content.decode()
    assert "Nouveaux résultats : 1" in content


def test_index_and_participation_section(client, establishment, enrolment, sponsor):
    login(client, sponsor)
    assert client.get(reverse("awareness:index")).status_code == 302
    home = client.get(reverse("establishments:home", args=[establishment.pk])).content.decode()
    assert "Importer les personnels" in home


def test_sponsor_and_relays_are_named_on_the_page(client, establishment, enrolment, sponsor, relay):
    login(client, sponsor)
    page = client.get(url("establishment", establishment)).content.decode()
    assert sponsor.get_full_name() in page and relay.get_full_name() in page
    assert reverse("establishments:members", args=[establishment.pk]) in page


def test_batch_progress_polls_with_htmx(client, establishment, campaign, crrc_staff):
    from .factories import ReportBatchFactory

    batch = ReportBatchFactory(campaign=campaign)
    login(client, crrc_staff)
    page = reverse("awareness:batch_detail", args=[batch.pk])
    assert client.get(page + "?shown=0-0-0", headers={"HX-Request": "true"}).status_code == 204
    fragment = client.get(page + "?shown=old", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b"batch-progress" in fragment.content


def test_the_calendar_shows_each_month_s_modules_for_the_sector_and_the_quarter_s_campaign(
    client, establishment, programme, campaign, enrolment, sponsor, crrc_staff
):
    import html

    from establishments.roles import Role
    from tests.establishments.factories import EstablishmentFactory, MembershipFactory

    from .factories import EnrolmentFactory, ModuleFactory

    ModuleFactory(programme=programme, month=5, code="M05", title="Clés USB à l'hôpital", audience="ES",
                  theme="usb", format="slides", duration_minutes=2)  # fmt: skip
    ModuleFactory(programme=programme, month=6, code="M06", title="Mobilité en EHPAD", audience="ESMS")
    ehpad = EstablishmentFactory(department=establishment.department, ehpad=True)
    EnrolmentFactory(establishment=ehpad, programme=programme)
    ehpad_director = MembershipFactory(establishment=ehpad, role=Role.DIRECTOR).user

    def calendar(user, path):
        login(client, user)
        body = html.unescape(client.get(path).content.decode())
        start = body.index('class="list-unstyled row row-cols-1 row-cols-sm-2 row-cols-lg-3 g-2 awareness-calendar"')
        return body[start : body.index("</ol>", start)]

    hospital = calendar(sponsor, url("establishment", establishment))
    assert hospital.count("<h3") == 12 and "Janvier" in hospital and "Décembre" in hospital
    assert "Clés USB à l'hôpital" in hospital and "(Clés USB, diaporama, 2 min)" in hospital
    assert "Mobilité en EHPAD" not in hospital
    assert f"Campagne d'hameçonnage {campaign.label}" in hospital and campaign.template.name in hospital
    medico_social = calendar(ehpad_director, url("establishment", ehpad))
    assert "Mobilité en EHPAD" in medico_social and "Clés USB à l'hôpital" not in medico_social
    staff_view = calendar(crrc_staff, reverse("awareness:programme", args=[programme.pk]))
    assert "Mobilité en EHPAD" in staff_view and "Clés USB à l'hôpital" in staff_view
    assert staff_view.index("Janvier") < staff_view.index(f"Campagne d'hameçonnage {campaign.label}")
    assert staff_view.index(f"Campagne d'hameçonnage {campaign.label}") < staff_view.index("Février")


def test_the_relay_follows_the_retraining_list_to_completion(client, establishment, enrolment, campaign, relay):
    """Trapped people are listed with the follow-up module; a completed follow-up module shows its date."""
    import html

    for i, name in enumerate(("Durand", "Moreau")):
        LearnerFactory(establishment=establishment, email=f"r{i}@x.org", last_name=name, service="Urgences")
    rows = [RESULTS_HEADER] + [results_row(f"r{i}@x.org", "Clicked Link", f"{YEAR}-01-20T10:00:00Z") for i in range(2)]
    services.import_phishing_results(establishment, campaign, table(rows))
    login(client, relay)
    page = html.unescape(client.get(url("retraining", establishment)).content.decode())
    assert "Durand" in page and "Moreau" in page and page.count("À faire") == 2 and "Remédiation" in page
    upload = SimpleUploadedFile("m.csv", csv_bytes([["email", "module", "completed_at", "score"],
                                                    ["r0@x.org", "REMED", f"{YEAR}-02-03", "100"]]))  # fmt: skip
    client.post(url("import_modules", establishment) + f"?annee={YEAR}", {"file": upload})
    page = html.unescape(client.get(url("retraining", establishment)).content.decode())
    assert f"Terminé le 03/02/{YEAR}" in page and page.count("À faire") == 1


def test_benchmark_opens_on_the_newest_campaign_with_results(client, establishment, campaign, crrc_staff):
    """Without a choice, the page shows the newest campaign that has results (an EXISTS per campaign, issue 15),
    not a newer one still without any."""
    from .factories import CampaignFactory

    newer = CampaignFactory(programme=campaign.programme, quarter=3)
    _populate(establishment, campaign, 2)
    login(client, crrc_staff)
    assert client.get(reverse("awareness:benchmark")).context["selected"] == campaign
    _populate(establishment, newer, 1)
    assert client.get(reverse("awareness:benchmark")).context["selected"] == newer
