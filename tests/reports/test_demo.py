import pytest
from django.core.management import call_command

from reports.models import Report
from tests.establishments.factories import EstablishmentFactory

pytestmark = pytest.mark.django_db


def test_demo_reports_builds_one_sheet_per_establishment_with_members_and_is_idempotent(capsys):
    with_members = EstablishmentFactory(with_director=True)
    EstablishmentFactory()  # nobody there: no sheet
    call_command("demo_reports")
    assert "créées 1, déjà prêtes 0, échecs 0" in capsys.readouterr().out
    call_command("demo_reports")
    assert "créées 0, déjà prêtes 1, échecs 0" in capsys.readouterr().out
    report = Report.objects.get()
    assert report.establishment == with_members and report.status == Report.Status.DONE
