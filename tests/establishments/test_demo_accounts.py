"""demo_accounts: one account per role on real establishments, idempotent, credentials printed."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.models import User
from establishments.finess import parse_text
from establishments.finess_import import import_files
from establishments.management.commands.demo_accounts import ACCOUNTS, DEMO_PASSWORD
from establishments.models import Membership, StaffAssignment
from establishments.nomenclature import load_categories, load_geo
from establishments.roles import Role, StaffKind
from establishments.staffing import CRRC_STAFF_GROUP

from .reference import OCCITANIE, as_header_csv, finess_rows

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    return out.getvalue()


@pytest.fixture
def occitanie():
    load_geo()
    load_categories()
    rows = [row for row in finess_rows(OCCITANIE) if row["nofinesset"] in {"110000023", "090000597"}]
    import_files([parse_text(as_header_csv(rows))])


def test_group_exists_after_migrate_with_permissions():
    group = Group.objects.get(name=CRRC_STAFF_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_establishment", "add_membership", "view_user"} <= codenames
    tenancy = group.permissions.filter(content_type__app_label__in=["establishments", "accounts"])
    assert not tenancy.filter(codename__startswith="delete_").exists()  # deactivated, never deleted


def test_demo_accounts_one_per_role_idempotent(occitanie, client):
    output = run()
    run()
    assert User.objects.filter(email__endswith="@demo.crrc.example").count() == len(ACCOUNTS)
    for account in ACCOUNTS:
        assert account.email in output
    assert DEMO_PASSWORD in output
    assert "double authentification" in output
    director = User.objects.get(email="directrice.ch@demo.crrc.example")
    assert Membership.objects.get(user=director, is_active=True).role == Role.DIRECTOR
    assert Membership.objects.get(user__email="membre.ehpad@demo.crrc.example").establishment.finess == "090000597"
    staff = User.objects.get(email="equipe.crrc@demo.crrc.example")
    assert staff.is_staff and staff.groups.filter(name=CRRC_STAFF_GROUP).exists()
    reviewer = StaffAssignment.objects.get(user__email="referent.ars@demo.crrc.example")
    assert (reviewer.kind, reviewer.region.code, reviewer.user.is_staff) == (StaffKind.ARS_REVIEWER, "76", False)
    assert User.objects.get(email="admin@demo.crrc.example").is_superuser
    assert StaffAssignment.objects.filter(is_active=True).count() == 2
    assert client.login(email="rssi.ch@demo.crrc.example", password=DEMO_PASSWORD)


def test_demo_accounts_need_the_finess_import_first():
    with pytest.raises(CommandError, match="load_geo"):
        run()
