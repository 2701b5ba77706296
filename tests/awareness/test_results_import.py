"""Phishing and module results: GoPhish's two exports and the generic CSV, rates, idempotency, refusals."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from awareness import services, stats
from awareness.models import ModuleResult, PhishingEvent, PhishingResult, Retraining

from .factories import YEAR, LearnerFactory
from .helpers import RESULTS_HEADER, csv_bytes, results_row, table

pytestmark = pytest.mark.django_db

SENT = f"{YEAR}-02-10T08:00:04.512308417Z"


@pytest.fixture
def learners(establishment):
    return [LearnerFactory(establishment=establishment, email=f"p{i}@ch.example.org") for i in range(10)]


def known_results():
    """10 recipients: 1 error, 2 sent only, 3 opened, 2 clicked, 2 submitted; 3 reported (one of them clicked)."""
    statuses = ["Error", "Email Sent", "Email Sent", "Email Opened", "Email Opened", "Email Opened",
                "Clicked Link", "Clicked Link", "Submitted Data", "Submitted Data"]  # fmt: skip
    reported = {3, 4, 6}
    rows = [RESULTS_HEADER]
    for i, status in enumerate(statuses):
        rows.append(results_row(f"p{i}@ch.example.org", status, SENT, "true" if i in reported else "false"))
    return rows


def test_rates_on_a_known_data_set(establishment, enrolment, campaign, learners):
    report = services.import_phishing_results(establishment, campaign, table(known_results()))
    assert report.summary == "imported 10, updated 0, rejected 0; trapped 4, reported 3, errors 1"
    figures = stats.campaign_figures(establishment, campaign)
    assert figures.population == 9  # sent minus errors
    assert figures.rates["opened"].value == pytest.approx(100 * 7 / 9)
    assert figures.rates["clicked"].value == pytest.approx(100 * 4 / 9)
    assert figures.rates["submitted"].value == pytest.approx(100 * 2 / 9)
    assert figures.rates["trapped"].value == pytest.approx(100 * 4 / 9)
    assert figures.rates["reported"].value == pytest.approx(100 * 3 / 9)
    assert str(figures.rates["trapped"]) == "44 %"


def test_trapped_learners_go_on_the_retraining_list_and_complete_it(establishment, enrolment, campaign, learners):
    services.import_phishing_results(establishment, campaign, table(known_results()))
    assert Retraining.objects.filter(campaign=campaign, completed_at__isnull=True).count() == 4
    modules = [["email", "module", "started_at", "completed_at", "score"],
               ["p6@ch.example.org", "REMED", f"{YEAR}-03-01 09:00", f"{YEAR}-03-01 09:03", "90"],
               ["p1@ch.example.org", "M02", f"{YEAR}-02-01", f"{YEAR}-02-02", "75 %"]]  # fmt: skip
    report = services.import_module_results(establishment, campaign.programme, table(modules))
    assert report.summary == "imported 2, updated 0, rejected 0"
    assert Retraining.objects.filter(completed_at__isnull=False).get().learner.email == "p6@ch.example.org"
    assert ModuleResult.objects.get(learner__email="p1@ch.example.org").score == 75
    again = services.import_module_results(establishment, campaign.programme, table(modules))
    assert again.summary == "imported 0, updated 0, rejected 0"


def test_reimporting_the_same_file_changes_nothing(establishment, enrolment, campaign, learners):
    rows = known_results()
    services.import_phishing_results(establishment, campaign, table(rows))
    before = list(PhishingResult.objects.order_by("pk").values())
    report = services.import_phishing_results(establishment, campaign, table(rows))
    assert report.summary == "imported 0, updated 0, rejected 0; trapped 4, reported 3, errors 1"
    assert list(PhishingResult.objects.order_by("pk").values()) == before
    assert Retraining.objects.count() == 4


def test_statuses_are_never_downgraded(establishment, enrolment, campaign, learners):
    services.import_phishing_results(
        establishment, campaign, table([RESULTS_HEADER, results_row("p0@ch.example.org", "Clicked Link", SENT)])
    )
    report = services.import_phishing_results(
        establishment, campaign, table([RESULTS_HEADER, results_row("p0@ch.example.org", "Email Sent", SENT)])
    )
    assert report.updated == 0
    assert PhishingResult.objects.get().clicked


def test_unknown_learners_bad_dates_and_statuses_are_rejected_by_line(establishment, enrolment, campaign, learners):
    rows = [
        RESULTS_HEADER,
        results_row("p0@ch.example.org", "Email Opened", SENT),
        results_row("inconnu@ch.example.org", "Clicked Link", SENT),
        results_row("p1@ch.example.org", "Clicked Link", f"{YEAR}-05-02T08:00:00Z"),
        results_row("p2@ch.example.org", "Email Reported", SENT),
        results_row("p3@ch.example.org", "Email Sent", "hier"),
    ]
    report = services.import_phishing_results(establishment, campaign, table(rows))
    assert [e.line for e in report.rejected] == [3, 4, 5, 6]
    assert "inconnu" in report.rejected[0].reason
    assert "hors du trimestre" in report.rejected[1].reason
    assert "statut GoPhish inconnu" in report.rejected[2].reason
    assert "illisible" in report.rejected[3].reason
    assert PhishingResult.objects.count() == 1


def test_file_resaved_by_french_excel(establishment, enrolment, campaign, learners):
    data = csv_bytes(known_results(), sep=";", encoding="cp1252", bom=False)
    from awareness.tabular import read_table

    report = services.import_phishing_results(establishment, campaign, read_table(data, "csv"))
    assert report.created == 10


EVENTS_HEADER = ["campaign_id", "email", "time", "message", "details"]


def events(campaign_id="7"):
    secret = '{"payload":{"password":["MotDePasse!"]}}'
    return [
        EVENTS_HEADER,
        [campaign_id, "", f"{YEAR}-02-10T07:59:00Z", "Campaign Created", ""],
        [campaign_id, "p0@ch.example.org", f"{YEAR}-02-10T08:00:04.5Z", "Email Sent", ""],
        [campaign_id, "p0@ch.example.org", f"{YEAR}-02-10T08:10:00Z", "Email Opened", ""],
        [campaign_id, "p0@ch.example.org", f"{YEAR}-02-10T08:11:00Z", "Clicked Link", ""],
        [
            campaign_id,
            "p0@ch.example.org",
            f"{YEAR}-02-10T08:12:00Z",
            "Submitted Data",
            f'"{secret.replace(chr(34), chr(34) * 2)}"',
        ],
        [campaign_id, "p1@ch.example.org", f"{YEAR}-02-10T08:00:05Z", "Email Sent", ""],
        [campaign_id, "p1@ch.example.org", f"{YEAR}-02-11T10:00:00Z", "Email Reported", ""],
    ]


def test_raw_events_import_never_stores_details(establishment, enrolment, campaign, learners):
    report = services.import_phishing_results(establishment, campaign, table(events()))
    assert report.summary == "imported 2, updated 0, rejected 0; trapped 1, reported 1, errors 0"
    assert PhishingEvent.objects.count() == 6
    trapped = PhishingResult.objects.get(learner__email="p0@ch.example.org")
    assert trapped.submitted and trapped.clicked and not trapped.reported
    dump = repr(list(PhishingEvent.objects.values())) + repr(list(PhishingResult.objects.values()))
    from awareness.models import ImportRun

    dump += repr(list(ImportRun.objects.values()))
    assert "MotDePasse" not in dump and "payload" not in dump
    again = services.import_phishing_results(establishment, campaign, table(events()))
    assert again.created == again.updated == 0 and PhishingEvent.objects.count() == 6


def test_events_of_another_campaign_are_refused(establishment, enrolment, campaign, learners):
    services.import_phishing_results(establishment, campaign, table(events("7")))
    with pytest.raises(ValidationError, match="campagne GoPhish n° 9"):
        services.import_phishing_results(establishment, campaign, table(events("9")))
    mixed = events("7") + [["9", "p2@ch.example.org", f"{YEAR}-02-10T08:00:00Z", "Email Sent", ""]]
    with pytest.raises(ValidationError, match="plusieurs campagnes"):
        services.import_phishing_results(establishment, campaign, table(mixed))


def test_generic_csv(establishment, enrolment, campaign, learners):
    rows = [["courriel", "envoyé", "ouvert", "cliqué", "données saisies", "signalé", "erreur"],
            ["p0@ch.example.org", "oui", "oui", "non", "non", "oui", "non"],
            ["p1@ch.example.org", "1", "1", "1", "1", "0", "0"],
            ["p2@ch.example.org", "1", "peut-être", "0", "0", "0", "0"]]  # fmt: skip
    report = services.import_phishing_results(establishment, campaign, table(rows))
    assert report.summary == "imported 2, updated 0, rejected 1; trapped 1, reported 1, errors 0"


def test_wrong_file_and_not_enrolled_are_refused(establishment, campaign, learners):
    with pytest.raises(ValidationError, match="pas inscrit"):
        services.import_phishing_results(establishment, campaign, table(known_results()))


def test_unrecognised_format(establishment, enrolment, campaign):
    with pytest.raises(ValidationError, match="non reconnu"):
        services.import_phishing_results(establishment, campaign, table([["foo", "bar"], ["1", "2"]]))


def test_command_last_line(establishment, enrolment, campaign, learners, tmp_path):
    path = tmp_path / "results.csv"
    rows = known_results() + [results_row("inconnu@ch.example.org", "Email Sent", SENT)]
    path.write_bytes(csv_bytes(rows))
    out = StringIO()
    call_command("import_phishing_results", establishment.finess, f"{YEAR}-Q1", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("ligne 12 : destinataire inconnu")
    assert lines[-1] == "imported 10, updated 0, rejected 1; trapped 4, reported 3, errors 1"


def test_command_refuses_an_unknown_quarter(establishment, enrolment, campaign, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "results.csv"
    path.write_bytes(csv_bytes(known_results()))
    with pytest.raises(CommandError, match="Aucune campagne"):
        call_command("import_phishing_results", establishment.finess, f"{YEAR}-Q3", str(path))
    with pytest.raises(CommandError, match="Trimestre invalide"):
        call_command("import_phishing_results", establishment.finess, "T1", str(path))
