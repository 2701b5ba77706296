import datetime

import pytest
from django.core.exceptions import ValidationError

from calls import eligibility, services
from calls.eligibility import Outcome
from calls.models import EligibilityRule, Question
from calls.services import WorkflowError
from tests.establishments.factories import CategoryFactory, EstablishmentFactory, OrganisationFactory, RegionFactory

from .conftest import pdf_upload
from .factories import CallFactory, DocumentFactory, QuestionFactory, RuleFactory, editor_of

pytestmark = pytest.mark.django_db
Kind = EligibilityRule.Kind
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def ehpad(call):
    return EstablishmentFactory(ehpad=True, department__region=call.region)


@pytest.fixture
def hospital(call):
    return EstablishmentFactory(department__region=call.region)


def outcomes(call, establishment, application=None):
    return [r.outcome for r in eligibility.evaluate(call, establishment, application, today=TODAY).results]


def test_sector_rule(call, ehpad, hospital):
    RuleFactory(call=call, kind=Kind.SECTOR, parameters={"sectors": ["ESMS"]})
    assert outcomes(call, ehpad) == [Outcome.PASSED]
    report = eligibility.evaluate(call, hospital)
    assert report.failures[0].message == "L'appel est réservé aux établissements médico-sociaux (ESMS)."


def test_categories_rule(call, ehpad, hospital):
    RuleFactory(
        call=call, kind=Kind.CATEGORIES, parameters={"category_codes": ["500"]}, failure_message="EHPAD seulement"
    )
    assert outcomes(call, ehpad) == [Outcome.PASSED]
    assert outcomes(call, hospital) == [Outcome.FAILED]


def test_region_rule_defaults_to_the_call_region(call, ehpad):
    RuleFactory(call=call, kind=Kind.REGION, parameters={}, failure_message="Hors région")
    elsewhere = EstablishmentFactory(department__region=RegionFactory(code="84"), department__code="69")
    assert outcomes(call, ehpad) == [Outcome.PASSED]
    assert outcomes(call, elsewhere) == [Outcome.FAILED]


def test_organisation_rule(call, ehpad):
    organisation = OrganisationFactory()
    RuleFactory(
        call=call,
        kind=Kind.ORGANISATION,
        parameters={"organisation_finess": [organisation.finess]},
        failure_message="Réservé aux établissements du groupe",
    )
    assert outcomes(call, ehpad) == [Outcome.FAILED]
    ehpad.organisation = organisation
    ehpad.save()
    assert outcomes(call, ehpad) == [Outcome.PASSED]


def test_declared_date_within_months(call, ehpad):
    QuestionFactory(call=call, code="opssies", kind=Question.Kind.DATE, label="Date de mise à jour OPSSIES")
    RuleFactory(
        call=call,
        kind=Kind.DECLARED_DATE_WITHIN,
        parameters={"question": "opssies", "months": 3},
        failure_message="OPSSIES doit avoir été mis à jour il y a moins de 3 mois.",
    )
    editor = editor_of(ehpad)
    application = services.start_application(call, ehpad, editor)
    assert outcomes(call, ehpad, application) == [Outcome.TO_DECLARE]
    for declared, expected in (
        ("2026-09-01", Outcome.PASSED),
        ("2026-08-23", Outcome.PASSED),
        ("2026-08-22", Outcome.FAILED),
        ("2026-12-01", Outcome.FAILED),  # in the future
    ):
        application.answers.all().delete()
        services.save_answers(application, editor, {"opssies": (declared, None)})
        assert outcomes(call, ehpad, application) == [expected], declared


def test_declared_yes_with_proof(call, ehpad):
    QuestionFactory(call=call, code="bon_commande_passe", kind=Question.Kind.YES_NO, label="Bon de commande passé ?")
    proof = DocumentFactory(call=call, code="bon_commande", label="Bon de commande")
    RuleFactory(
        call=call,
        kind=Kind.DECLARED_YES_WITH_PROOF,
        parameters={"question": "bon_commande_passe", "document": "bon_commande"},
        failure_message="Un bon de commande doit avoir été passé.",
    )
    editor = editor_of(ehpad)
    application = services.start_application(call, ehpad, editor)
    services.save_answers(application, editor, {"bon_commande_passe": (False, None)})
    assert outcomes(call, ehpad, application) == [Outcome.FAILED]
    services.save_answers(application, editor, {"bon_commande_passe": (True, 1)})
    assert outcomes(call, ehpad, application) == [Outcome.TO_DECLARE]
    services.upload_attachment(application, proof, pdf_upload(), editor)
    assert outcomes(call, ehpad, application) == [Outcome.PASSED]


def test_self_assessment_is_declared_when_the_module_does_not_say(call, ehpad):
    QuestionFactory(call=call, code="grille", kind=Question.Kind.YES_NO, label="Grille d'auto-évaluation remplie ?")
    RuleFactory(
        call=call,
        kind=Kind.SELF_ASSESSMENT,
        parameters={"question": "grille"},
        failure_message="La grille d'auto-évaluation doit être remplie.",
    )
    editor = editor_of(ehpad)
    application = services.start_application(call, ehpad, editor)
    services.save_answers(application, editor, {"grille": (True, None)})
    assert outcomes(call, ehpad, application) == [Outcome.PASSED]


def test_ineligible_establishment_cannot_start_and_is_told_which_rule(call, hospital):
    RuleFactory(call=call, label="Établissements médico-sociaux")
    with pytest.raises(WorkflowError) as error:
        services.start_application(call, hospital, editor_of(hospital))
    assert "Établissements médico-sociaux" in error.value.messages[0]
    assert "réservé aux établissements médico-sociaux" in error.value.messages[0]


def test_missing_declaration_fails_at_submission_with_the_rule_message(call, ehpad):
    QuestionFactory(call=call, code="opssies", kind=Question.Kind.DATE, is_mandatory=False)
    RuleFactory(
        call=call,
        kind=Kind.DECLARED_DATE_WITHIN,
        label="OPSSIES à jour",
        parameters={"question": "opssies", "months": 3},
        failure_message="OPSSIES doit avoir été mis à jour il y a moins de 3 mois.",
    )
    editor = editor_of(ehpad)
    application = services.start_application(call, ehpad, editor)
    with pytest.raises(WorkflowError) as error:
        services.submit(application, editor)
    assert any("OPSSIES à jour" in m and "moins de 3 mois" in m for m in error.value.messages)


@pytest.mark.parametrize(
    ("kind", "parameters", "message"),
    [
        (Kind.SECTOR, {"sectors": ["HOPITAL"]}, "Secteurs possibles"),
        (Kind.SECTOR, {}, "ne peut pas être vide"),
        (Kind.CATEGORIES, {"category_codes": "500"}, "liste de textes"),
        (Kind.DECLARED_DATE_WITHIN, {"question": "inconnue", "months": 3}, "n'existe pas"),
        (Kind.DECLARED_DATE_WITHIN, {"question": "texte", "months": 3}, "doit être de type"),
        (Kind.DECLARED_DATE_WITHIN, {"question": "date", "months": "3"}, "nombre entier"),
        (Kind.DECLARED_YES_WITH_PROOF, {"question": "oui_non", "document": "absent"}, "n'existe pas"),
    ],
)
def test_parameters_are_validated_by_kind(call, kind, parameters, message):
    QuestionFactory(call=call, code="texte", kind=Question.Kind.TEXT)
    QuestionFactory(call=call, code="date", kind=Question.Kind.DATE)
    QuestionFactory(call=call, code="oui_non", kind=Question.Kind.YES_NO)
    rule = EligibilityRule(call=call, kind=kind, label="Règle", parameters=parameters, failure_message="Non")
    with pytest.raises(ValidationError, match=message):
        rule.full_clean()


def test_rules_are_evaluated_in_few_queries(call, ehpad, django_assert_max_num_queries):
    CategoryFactory()
    for n in range(5):
        RuleFactory(call=call, kind=Kind.SECTOR, order=n)
    RuleFactory(call=call, kind=Kind.REGION, parameters={})
    call = CallFactory._meta.model.objects.select_related("region").get(pk=call.pk)
    ehpad = type(ehpad).objects.select_related("region", "category", "organisation").get(pk=ehpad.pk)
    with django_assert_max_num_queries(2):
        eligibility.evaluate(call, ehpad)
