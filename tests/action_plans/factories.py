import factory
from allauth.mfa.models import Authenticator
from factory.django import DjangoModelFactory

from action_plans.models import ActionItem, ActionPlan
from action_plans.workflow import Priority
from establishments.roles import Role, StaffKind
from tests.establishments.factories import (
    EstablishmentFactory,
    MembershipFactory,
    StaffAssignmentFactory,
    UserFactory,
)


class ActionPlanFactory(DjangoModelFactory):
    class Meta:
        model = ActionPlan
        django_get_or_create = ("establishment",)

    establishment = factory.SubFactory(EstablishmentFactory)


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    plan = factory.SubFactory(ActionPlanFactory)
    title = factory.Sequence(lambda n: f"Action {n} : sauvegardes hors ligne")
    description = "Mettre en place une sauvegarde déconnectée testée chaque trimestre."
    priority = Priority.P2


def member(establishment, role=Role.RSSI, **user_kwargs):
    """A user with an active membership of ``establishment``."""
    return MembershipFactory(establishment=establishment, role=role, user=UserFactory(**user_kwargs)).user


def region_staff(region, kind=StaffKind.CRRC_STAFF):
    """CRRC staff (or ARS reviewer) of ``region`` with MFA set up, as the portal requires of staff."""
    user = StaffAssignmentFactory(region=region, kind=kind).user
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    return user
