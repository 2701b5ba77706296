import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from calls.models import Application, Call, CutOff, EligibilityRule, ProjectKind, Question, RequiredDocument
from calls.workflow import State
from establishments.roles import Role
from tests.establishments.factories import EstablishmentFactory, MembershipFactory, RegionFactory, UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class CallFactory(DjangoModelFactory):
    class Meta:
        model = Call

    region = factory.SubFactory(RegionFactory)
    kind = Call.Kind.AAP
    title = factory.Sequence(lambda n: f"Appel à projets exercice de crise {n}")
    slug = factory.Sequence(lambda n: f"appel-{n}")
    description = "Financement d'un exercice de crise cyber."
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    funding_mode = Call.FundingMode.FLAT
    funding_amount = Decimal("4000")
    budget_envelope = Decimal("40000")
    is_published = True


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = Question

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = Question.Kind.TEXT
    is_mandatory = True


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"doc{n}")
    label = factory.Sequence(lambda n: f"Pièce {n}")
    accepted_types = factory.LazyFunction(lambda: ["pdf"])
    max_size_mb = 5
    phase = RequiredDocument.Phase.APPLICATION
    template = factory.django.FileField(filename="modele.pdf", data=PDF_BYTES)


class RuleFactory(DjangoModelFactory):
    class Meta:
        model = EligibilityRule

    call = factory.SubFactory(CallFactory)
    kind = EligibilityRule.Kind.SECTOR
    label = "Établissements médico-sociaux"
    parameters = factory.LazyFunction(lambda: {"sectors": ["ESMS"]})
    failure_message = "L'appel est réservé aux établissements médico-sociaux (ESMS)."


class CutOffFactory(DjangoModelFactory):
    class Meta:
        model = CutOff

    call = factory.SubFactory(CallFactory)
    date = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))


class ProjectKindFactory(DjangoModelFactory):
    class Meta:
        model = ProjectKind

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"kind{n}")
    label = factory.Sequence(lambda n: f"Type {n}")


class ApplicationFactory(DjangoModelFactory):
    """An application put directly in a state (bypassing the workflow) for tests of later steps."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    establishment = factory.SubFactory(
        EstablishmentFactory, ehpad=True, department__region=factory.SelfAttribute("...call.region")
    )
    state = State.BROUILLON

    @factory.lazy_attribute
    def submitted_at(self):
        return None if self.state in (State.BROUILLON, State.ABANDONNE) else timezone.now()

    @factory.lazy_attribute
    def decided_at(self):
        from calls.workflow import DECIDED_STATES

        return timezone.now() if self.state in DECIDED_STATES else None

    @factory.lazy_attribute
    def granted_amount(self):
        from calls.workflow import FUNDED_STATES

        return self.call.funding_amount if self.state in FUNDED_STATES else None

    @factory.lazy_attribute
    def withdrawn_at(self):
        return timezone.now() if self.state == State.ABANDONNE else None

    @factory.lazy_attribute
    def paid_at(self):
        return timezone.now() if self.state == State.PAYE else None

    @factory.lazy_attribute
    def decision_reason(self):
        return "Motif" if self.state in (State.REFUSE, State.SANS_SUITE) else ""


def editor_of(establishment, role=Role.DIRECTOR):
    """A user who may edit applications of ``establishment``."""
    return MembershipFactory(establishment=establishment, role=role).user


def crrc_staff(region, *, with_mfa=True):
    """CRRC staff of ``region``; with a TOTP device so that the staff MFA middleware lets them through."""
    from allauth.mfa.models import Authenticator

    from tests.establishments.factories import StaffAssignmentFactory

    user = StaffAssignmentFactory(region=region).user
    if with_mfa:
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "tests"})
    return user


__all__ = ["UserFactory", "PDF_BYTES"]


from .review_factories import ApplicationPriorityFactory  # noqa: E402, F401  (the isolation gates look for factories here)
