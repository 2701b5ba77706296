import factory
from factory.django import DjangoModelFactory

from action_plans.models import ActionItem, ActionPlan
from action_plans.workflow import Priority
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, UserFactory


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
