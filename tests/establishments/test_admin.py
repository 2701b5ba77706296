"""The admin as CRRC staff use it: region isolation, limited choices, FINESS import preview, decisions."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from establishments.finess import parse_text
from establishments.finess_import import import_files
from establishments.models import AccessRequest, Establishment, Membership
from establishments.resources import EstablishmentResource
from establishments.roles import Role, StaffKind
from establishments.staffing import CRRC_STAFF_GROUP, assign_staff, end_staff_assignment
from establishments.validators import luhn_ok

from .factories import (
    DepartmentFactory,
    EstablishmentFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
)
from .reference import OCCITANIE, as_header_csv, etalab_file, finess_rows

pytestmark = pytest.mark.django_db


def with_mfa(user):
    """Staff must have MFA set up, or the middleware sends every admin page to the MFA set-up."""
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    return user


@pytest.fixture
def world():
    region_a = RegionFactory(code="76", name="Occitanie")
    region_b = RegionFactory(code="11", name="Île-de-France")
    department_a = DepartmentFactory(code="34", name="Hérault", region=region_a)
    department_b = DepartmentFactory(code="75", name="Paris", region=region_b)
    inside = EstablishmentFactory(department=department_a, name="CH DE BEZIERS")
    outside = EstablishmentFactory(department=department_b, name="HOPITAL DE PARIS")
    member_a = MembershipFactory(establishment=inside, user__email="membre.a@example.org")
    member_b = MembershipFactory(establishment=outside, user__email="membre.b@example.org")
    return {
        "region_a": region_a,
        "region_b": region_b,
        "department_a": department_a,
        "department_b": department_b,
        "inside": inside,
        "outside": outside,
        "member_a": member_a,
        "member_b": member_b,
    }


@pytest.fixture
def staff_client(client, world):
    user = with_mfa(UserFactory(email="equipe.crrc@example.org"))
    assign_staff(user, world["region_a"], StaffKind.CRRC_STAFF)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def superuser_client(admin_client, admin_user):
    with_mfa(admin_user)
    return admin_client


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# --- isolation -------------------------------------------------------------------------------------------------


def test_crrc_staff_see_only_their_region_establishments(staff_client, world):
    response = staff_client.get(changelist_url(Establishment))
    assert response.status_code == 200
    assert "CH DE BEZIERS" in response.text
    assert "HOPITAL DE PARIS" not in response.text


def test_crrc_staff_cannot_open_another_region_establishment(staff_client, world):
    assert staff_client.get(change_url(world["inside"])).status_code == 200
    response = staff_client.get(change_url(world["outside"]))
    assert response.status_code == 302  # the admin's "object does not exist" redirect
    assert response.url == reverse("admin:index")
    history = reverse("admin:establishments_establishment_history", args=[world["outside"].pk])
    assert staff_client.get(history).status_code == 404


def test_crrc_staff_cannot_edit_another_region_establishment(staff_client, world):
    outside = world["outside"]
    response = staff_client.post(change_url(outside), {"name": "PIRATE"})
    assert response.status_code == 302
    outside.refresh_from_db()
    assert outside.name == "HOPITAL DE PARIS"


def test_crrc_staff_see_only_their_region_memberships(staff_client, world):
    response = staff_client.get(changelist_url(Membership))
    assert "membre.a@example.org" in response.text
    assert "membre.b@example.org" not in response.text
    assert staff_client.get(change_url(world["member_b"])).status_code == 302


def test_organisation_members_are_in_the_scope_of_their_establishments_region(staff_client, world):
    organisation = OrganisationFactory()
    EstablishmentFactory(department=world["department_a"], organisation=organisation)
    membership = MembershipFactory(establishment=None, organisation=organisation, user__email="groupe@example.org")
    assert "groupe@example.org" in staff_client.get(changelist_url(Membership)).text
    assert staff_client.get(change_url(membership)).status_code == 200


def test_crrc_staff_see_only_their_region_users(staff_client, world):
    response = staff_client.get(changelist_url(world["member_a"].user))
    assert "membre.a@example.org" in response.text
    assert "membre.b@example.org" not in response.text
    assert staff_client.get(change_url(world["member_b"].user)).status_code == 302


def test_crrc_staff_cannot_grant_admin_rights(staff_client, world):
    response = staff_client.get(change_url(world["member_a"].user))
    form = response.context["adminform"].form
    assert "is_superuser" not in form.fields
    assert "groups" not in form.fields


def test_crrc_staff_see_only_their_region(staff_client, world):
    response = staff_client.get(changelist_url(world["region_a"]))
    assert "Occitanie" in response.text
    assert "Île-de-France" not in response.text
    assert staff_client.get(change_url(world["region_b"])).status_code == 302


def test_foreign_key_choices_are_limited_to_the_region(staff_client, world):
    response = staff_client.get(reverse("admin:establishments_establishment_add"))
    form = response.context["adminform"].form
    assert list(form.fields["region"].queryset) == [world["region_a"]]
    assert list(form.fields["department"].queryset) == [world["department_a"]]
    response = staff_client.get(reverse("admin:establishments_membership_add"))
    assert list(response.context["adminform"].form.fields["establishment"].queryset) == [world["inside"]]


def test_crrc_staff_cannot_attach_a_member_to_another_region(staff_client, world):
    newcomer = world["member_a"].user
    response = staff_client.post(
        reverse("admin:establishments_membership_add"),
        {"user": newcomer.pk, "establishment": world["outside"].pk, "role": Role.MEMBER},
    )
    assert response.status_code == 200
    assert "establishment" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(user=newcomer, establishment=world["outside"]).exists()


def test_superuser_sees_every_region(superuser_client, world):
    response = superuser_client.get(changelist_url(Establishment))
    assert "CH DE BEZIERS" in response.text
    assert "HOPITAL DE PARIS" in response.text


def test_ars_reviewer_has_no_admin(client, world):
    reviewer = with_mfa(UserFactory())
    assign_staff(reviewer, world["region_a"], StaffKind.ARS_REVIEWER)
    client.force_login(reviewer)
    response = client.get(changelist_url(Establishment))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_crrc_staff_group_follows_assignments(world):
    user = UserFactory()
    assignment = assign_staff(user, world["region_a"], StaffKind.CRRC_STAFF)
    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name=CRRC_STAFF_GROUP).exists()
    assert user.has_perm("establishments.change_establishment")
    assert not user.has_perm("establishments.delete_membership")
    end_staff_assignment(assignment)
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()
    assert Group.objects.get(name=CRRC_STAFF_GROUP).permissions.exists()


# --- memberships and access requests ----------------------------------------------------------------------------


def test_memberships_cannot_be_deleted_only_deactivated(staff_client, world):
    membership = world["member_a"]
    delete_url = reverse("admin:establishments_membership_delete", args=[membership.pk])
    assert staff_client.get(delete_url).status_code == 403
    response = staff_client.post(
        changelist_url(Membership), {"action": "deactivate", "_selected_action": [membership.pk]}, follow=True
    )
    assert "1 rattachement désactivé" in response.text
    membership.refresh_from_db()
    assert (membership.is_active, membership.deactivated_by) == (False, staff_client.user)


def test_membership_filters_by_role_and_active(staff_client, world):
    response = staff_client.get(changelist_url(Membership), {"role": Role.DIRECTOR})
    assert "membre.a@example.org" not in response.text
    response = staff_client.get(changelist_url(Membership), {"is_active__exact": "1"})
    assert "membre.a@example.org" in response.text


def test_crrc_staff_approve_an_access_request_from_the_admin(staff_client, world, mailoutbox):
    claimant = UserFactory(email="demandeur@example.org")
    access_request = AccessRequest.objects.create(user=claimant, establishment=world["inside"], role=Role.RSSI)
    response = staff_client.post(
        changelist_url(AccessRequest), {"action": "approve", "_selected_action": [access_request.pk]}, follow=True
    )
    assert "1 demande traitée" in response.text
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.APPROVED
    assert Membership.objects.filter(user=claimant, establishment=world["inside"], role=Role.RSSI).exists()


def test_crrc_staff_refuse_an_access_request_with_a_reason(staff_client, world):
    access_request = AccessRequest.objects.create(user=UserFactory(), establishment=world["inside"])
    url = changelist_url(AccessRequest)
    response = staff_client.post(url, {"action": "refuse", "_selected_action": [access_request.pk]})
    assert "Motif du refus" in response.text  # the intermediate page asks for the reason
    response = staff_client.post(
        url,
        {"action": "refuse", "_selected_action": [access_request.pk], "reason": "Personne inconnue du CH"},
        follow=True,
    )
    access_request.refresh_from_db()
    assert access_request.status == AccessRequest.Status.REFUSED
    assert access_request.decision_reason == "Personne inconnue du CH"


def test_access_requests_of_another_region_are_invisible(staff_client, world):
    hidden = AccessRequest.objects.create(
        user=UserFactory(email="ailleurs@example.org"), establishment=world["outside"]
    )
    assert "ailleurs@example.org" not in staff_client.get(changelist_url(AccessRequest)).text
    assert staff_client.get(change_url(hidden)).status_code == 302


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model_name", ["establishment", "membership", "organisation", "user", "accessrequest"])
def test_changelists_run_a_bounded_number_of_queries(staff_client, world, django_assert_max_num_queries, model_name):
    for _ in range(25):
        establishment = EstablishmentFactory(department=world["department_a"], organisation=OrganisationFactory())
        MembershipFactory(establishment=establishment)
        AccessRequest.objects.create(user=UserFactory(), establishment=establishment)
    app = "accounts" if model_name == "user" else "establishments"
    with django_assert_max_num_queries(25):
        response = staff_client.get(reverse(f"admin:{app}_{model_name}_changelist"))
    assert response.status_code == 200


# --- FINESS import in the admin ---------------------------------------------------------------------------------


@pytest.fixture
def finess_world(world):
    """Departments of the Occitanie rows used below, in region A (Occitanie)."""
    for code in ("09", "11"):
        DepartmentFactory(code=code, region=world["region_a"])
    return world


def import_preview(client, text: str, name: str = "finess.csv"):
    url = reverse("admin:establishments_establishment_import")
    form = client.get(url).context["form"]
    csv_choice = next(value for value, label in form.fields["format"].choices if str(label).lower() == "csv")
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(url, {"format": csv_choice, "import_file": upload, "resource": "0"})


def test_admin_import_previews_then_confirms_real_rows(superuser_client, finess_world):
    rows = [row for row in finess_rows(OCCITANIE) if row["departement"] in {"09", "11"}][:5]
    response = import_preview(superuser_client, as_header_csv(rows))
    assert response.status_code == 200
    assert "confirm_form" in response.context, response.context.get("errors")
    assert rows[0]["rs"] in response.text
    assert not Establishment.objects.filter(finess=rows[0]["nofinesset"]).exists()  # preview writes nothing

    confirm = response.context["confirm_form"]
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    response = superuser_client.post(reverse("admin:establishments_establishment_process_import"), data, follow=True)
    assert response.status_code == 200
    imported = Establishment.objects.get(finess=rows[0]["nofinesset"])
    assert imported.name == rows[0]["rs"]
    assert imported.organisation.finess == rows[0]["nofinessej"]
    assert imported.history.latest().history_user is not None  # who imported it


def test_admin_import_shows_bad_rows_with_their_reason(superuser_client, finess_world):
    rows = [dict(row) for row in finess_rows(OCCITANIE) if row["departement"] in {"09", "11"}][:3]
    rows[1]["nofinesset"] = rows[1]["nofinesset"][:-1] + str((int(rows[1]["nofinesset"][-1]) + 1) % 10)
    before = Establishment.objects.count()
    response = import_preview(superuser_client, as_header_csv(rows))
    assert "confirm_form" not in response.context
    assert "clé de contrôle du numéro FINESS est fausse" in response.text
    assert Establishment.objects.count() == before


def test_admin_import_refuses_a_file_without_finess_columns(superuser_client, finess_world):
    before = Establishment.objects.count()
    response = import_preview(superuser_client, "numero,nom\n110000023,CH\n")
    assert "confirm_form" not in response.context
    assert "Colonnes obligatoires absentes" in response.text
    assert Establishment.objects.count() == before


def test_crrc_staff_cannot_import_establishments_of_another_region(staff_client, finess_world):
    DepartmentFactory(code="31", region=finess_world["region_b"])  # pretend Haute-Garonne is elsewhere
    rows = [row for row in finess_rows(OCCITANIE) if row["departement"] == "31"][:2]
    response = import_preview(staff_client, as_header_csv(rows))
    assert "confirm_form" not in response.context
    assert "hors de votre région" in response.text


def test_admin_export_then_reimport_changes_nothing(superuser_client, finess_world):
    rows = [row for row in finess_rows(OCCITANIE) if row["departement"] in {"09", "11"}][:5]
    import_files([parse_text(as_header_csv(rows))])
    exported = EstablishmentResource().export().csv
    response = import_preview(superuser_client, exported)
    result = response.context["result"]
    assert result.totals["new"] == 0
    assert result.totals["update"] == 0
    assert result.totals["skip"] == Establishment.objects.count()


def test_search_by_finess_with_spaces(staff_client, world):
    number = world["inside"].finess
    spaced = f"{number[:2]} {number[2:5]} {number[5:]}"
    response = staff_client.get(changelist_url(Establishment), {"q": spaced})
    assert "CH DE BEZIERS" in response.text
    assert luhn_ok(number.replace("2A", "21").replace("2B", "22"))


def test_admin_import_accepts_the_official_etalab_file(superuser_client, finess_world):
    rows = [row for row in finess_rows(OCCITANIE) if row["departement"] in {"09", "11"}][:4]
    response = import_preview(superuser_client, etalab_file(rows), name="etalab-cs1100507-stock.csv")
    assert "confirm_form" in response.context, response.context.get("errors")
    assert response.context["result"].totals["new"] == 4
    assert rows[2]["rs"] in response.text


def test_crrc_staff_without_mfa_are_sent_to_set_it_up(client, world):
    user = UserFactory()
    assign_staff(user, world["region_a"], StaffKind.CRRC_STAFF)
    client.force_login(user)
    response = client.get(changelist_url(Establishment))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_superuser_assigns_crrc_staff_in_the_admin_and_the_group_follows(superuser_client, world):
    newcomer = UserFactory(email="nouvelle.recrue@example.org")
    response = superuser_client.post(
        reverse("admin:establishments_staffassignment_add"),
        {"user": newcomer.pk, "region": world["region_a"].pk, "kind": StaffKind.CRRC_STAFF, "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert newcomer.groups.filter(name=CRRC_STAFF_GROUP).exists()


def test_crrc_staff_cannot_assign_staff(staff_client, world):
    assert staff_client.get(reverse("admin:establishments_staffassignment_add")).status_code == 403


@pytest.mark.parametrize("fmt", ["ods", "xlsx"])
def test_admin_import_reads_spreadsheets(superuser_client, finess_world, fmt):
    """ODS is read as the binary it is (import-export files it under text formats), XLSX row by row."""
    import tablib

    rows = [row for row in finess_rows(OCCITANIE) if row["departement"] in {"09", "11"}][:3]
    dataset = tablib.Dataset(headers=list(rows[0].keys()))
    for row in rows:
        dataset.append(list(row.values()))
    url = reverse("admin:establishments_establishment_import")
    form = superuser_client.get(url).context["form"]
    choice = next(value for value, label in form.fields["format"].choices if str(label).lower() == fmt)
    upload = SimpleUploadedFile(f"finess.{fmt}", dataset.export(fmt))
    response = superuser_client.post(url, {"format": choice, "import_file": upload, "resource": "0"})
    assert "confirm_form" in response.context, response.context["form"].errors
    assert response.context["result"].totals["new"] == 3
