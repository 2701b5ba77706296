from decimal import Decimal

import pytest

from calls import services
from calls.models import Call
from calls.services import WorkflowError
from calls.workflow import State

from .factories import ApplicationFactory, CallFactory, ProjectKindFactory, crrc_staff

pytestmark = pytest.mark.django_db


def test_accepting_within_the_envelope_commits_the_flat_amount():
    call = CallFactory(budget_envelope=Decimal("8000"))
    application = ApplicationFactory(call=call, state=State.EN_INSTRUCTION)
    services.accept(application, crrc_staff(call.region))
    application.refresh_from_db()
    assert application.granted_amount == Decimal("4000")
    budget = services.budget_of(call)
    assert (budget.committed, budget.remaining, budget.funded_count) == (Decimal("4000"), Decimal("4000"), 1)


def test_accepting_beyond_the_envelope_is_refused_in_french():
    call = CallFactory(budget_envelope=Decimal("6000"))
    ApplicationFactory(call=call, state=State.ACCEPTE)
    application = ApplicationFactory(call=call, state=State.EN_INSTRUCTION)
    with pytest.raises(WorkflowError, match="dépasserait l'enveloppe") as error:
        services.accept(application, crrc_staff(call.region))
    assert "reste : 2" in error.value.messages[0]
    application.refresh_from_db()
    assert application.state == State.EN_INSTRUCTION


def test_accepting_beyond_the_maximum_number_is_refused():
    call = CallFactory(budget_envelope=None, max_funded_applications=1)
    ApplicationFactory(call=call, state=State.PAYE)
    application = ApplicationFactory(call=call, state=State.EN_INSTRUCTION)
    with pytest.raises(WorkflowError, match="au plus 1 dossiers"):
        services.accept(application, crrc_staff(call.region))


def test_refused_and_withdrawn_do_not_count():
    call = CallFactory(budget_envelope=Decimal("4000"))
    ApplicationFactory(call=call, state=State.REFUSE)
    ApplicationFactory(call=call, state=State.ABANDONNE)
    application = ApplicationFactory(call=call, state=State.EN_INSTRUCTION)
    services.accept(application, crrc_staff(call.region))
    assert services.budget_of(call).remaining == Decimal("0")


def test_ceiling_mode_bounds_the_granted_amount():
    call = CallFactory(funding_mode=Call.FundingMode.CEILING, funding_amount=Decimal("10000"))
    application = ApplicationFactory(call=call, state=State.EN_INSTRUCTION)
    staff = crrc_staff(call.region)
    with pytest.raises(WorkflowError, match="plafond"):
        services.accept(application, staff, amount=Decimal("12000"))
    services.accept(application, staff, amount=Decimal("7500"))
    application.refresh_from_db()
    assert application.granted_amount == Decimal("7500")


def test_call_with_project_kinds_needs_an_attributed_kind():
    call = CallFactory()
    diagnostic = ProjectKindFactory(call=call, code="diagnostic", label="Diagnostic")
    application = ApplicationFactory(call=call, state=State.EN_INSTRUCTION)
    staff = crrc_staff(call.region)
    with pytest.raises(WorkflowError, match="type de projet"):
        services.accept(application, staff)
    services.accept(application, staff, attributed_kind=diagnostic)
    application.refresh_from_db()
    assert application.attributed_kind == diagnostic


def test_paid_amount_never_exceeds_granted():
    application = ApplicationFactory(state=State.FACTURE_DEPOSEE)
    with pytest.raises(WorkflowError, match="ne peut pas dépasser"):
        services.mark_paid(application, crrc_staff(application.call.region), amount=Decimal("5000"))


def test_accept_keeps_the_kind_the_reviewer_attributed_over_the_applicants_preference():
    call = CallFactory()
    diagnostic = ProjectKindFactory(call=call, code="diagnostic", label="Diagnostic")
    exercise = ProjectKindFactory(call=call, code="exercice", label="Exercice de crise")
    application = ApplicationFactory(
        call=call, state=State.EN_INSTRUCTION, preferred_kind=exercise, attributed_kind=diagnostic
    )
    services.accept(application, crrc_staff(call.region))
    application.refresh_from_db()
    assert application.attributed_kind == diagnostic
