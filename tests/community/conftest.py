import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from community.selectors import viewer_for
from establishments.roles import StaffKind
from tests.establishments.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    RegionFactory,
    StaffAssignmentFactory,
)

from .factories import PDF, MemberFactory, SpaceFactory


@pytest.fixture
def region(db):
    return RegionFactory(code="76", name="Occitanie")


@pytest.fixture
def space(region):
    from community.services import create_space

    return create_space(region, "Communauté RSSI Occitanie")


@pytest.fixture
def department(region):
    return DepartmentFactory(code="31", region=region, name="Haute-Garonne")


@pytest.fixture
def es_member(space, department):
    return MemberFactory(space=space, establishment=EstablishmentFactory(department=department),
                         user__first_name="Alice", user__last_name="Martin")  # fmt: skip


@pytest.fixture
def esms_member(space, department):
    return MemberFactory(space=space, establishment=EstablishmentFactory(department=department, ehpad=True),
                         user__first_name="Bruno", user__last_name="Petit")  # fmt: skip


@pytest.fixture
def staff(region):
    from allauth.mfa.models import Authenticator

    user = StaffAssignmentFactory(region=region, kind=StaffKind.CRRC_STAFF).user
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def other_space(db):
    return SpaceFactory(region=RegionFactory(code="11", name="Île-de-France"))


def viewer(user, space):
    return viewer_for(user, space)


def pdf(name="guide.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def on_commit_runs_now(monkeypatch):
    """The test database never commits: run the e-mails queued on commit right away, as a commit would."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
