"""Eligibility engine: every rule of a call evaluated against what the portal knows about an establishment.

Rules on the establishment itself (sector, FINESS category, region, organisation) are decided from the directory.
Prerequisites the portal cannot know are *declared* by the applicant through a question of the call (a date, a
yes/no with a proof document); before a draft exists they are shown as "to declare", and at submission a missing
declaration fails. "Self-assessment completed" passes when the assessments module holds a submitted assessment
(of the grid named by ``parameters["grid"]`` if given); otherwise the applicant's declaration (``question``) decides.
"""

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from establishments.roles import Sector

from .models import Call, EligibilityRule, Question

Kind = EligibilityRule.Kind


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    TO_DECLARE = "to_declare"


@dataclass(frozen=True)
class RuleResult:
    rule: EligibilityRule
    outcome: Outcome
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == Outcome.PASSED


@dataclass
class EligibilityReport:
    results: list[RuleResult] = field(default_factory=list)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if r.outcome == Outcome.FAILED]

    @property
    def to_declare(self) -> list[RuleResult]:
        return [r for r in self.results if r.outcome == Outcome.TO_DECLARE]

    @property
    def is_eligible(self) -> bool:
        """Nothing fails and nothing remains to declare."""
        return all(r.passed for r in self.results)

    @property
    def may_apply(self) -> bool:
        """No rule on the establishment fails; declarations may still be made in the form."""
        return not self.failures


# ---- parameters, validated by kind -------------------------------------------------------------


def _string_list(params: dict, key: str, *, required: bool) -> list[str]:
    value = params.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError({"parameters": _("« %(key)s » doit être une liste de textes.") % {"key": key}})
    if required and not value:
        raise ValidationError({"parameters": _("« %(key)s » ne peut pas être vide.") % {"key": key}})
    return value


def _question_code(params: dict, call: Call | None, kinds: set[str], *, required: bool = True) -> str | None:
    code = params.get("question")
    if code is None and not required:
        return None
    if not isinstance(code, str) or not code:
        raise ValidationError({"parameters": _("Indiquez le code de la question déclarative (« question »).")})
    if call is not None:
        question = call.questions.filter(code=code).first()
        if question is None:
            raise ValidationError(
                {
                    "parameters": _(
                        "La question « %(code)s » n'existe pas dans cet appel "
                        "(enregistrez d'abord la question, puis la règle)."
                    )
                    % {"code": code}
                }
            )
        if question.kind not in kinds:
            raise ValidationError(
                {
                    "parameters": _("La question « %(code)s » doit être de type : %(kinds)s.")
                    % {"code": code, "kinds": ", ".join(str(Question.Kind(k).label) for k in kinds)}
                }
            )
    return code


def validate_parameters(kind: str, params, call: Call | None = None) -> None:
    """Raise ``ValidationError`` (French) when ``params`` do not fit the rule ``kind``."""
    if not isinstance(params, dict):
        raise ValidationError({"parameters": _("Les paramètres doivent être un objet JSON.")})
    if kind == Kind.SECTOR:
        sectors = _string_list(params, "sectors", required=True)
        if set(sectors) - set(Sector.values):
            raise ValidationError({"parameters": _("Secteurs possibles : ES, ESMS, OTHER.")})
    elif kind == Kind.CATEGORIES:
        _string_list(params, "category_codes", required=True)
    elif kind == Kind.REGION:
        _string_list(params, "region_codes", required=False)
    elif kind == Kind.ORGANISATION:
        _string_list(params, "organisation_finess", required=False)
    elif kind == Kind.SELF_ASSESSMENT:
        if not isinstance(params.get("grid", ""), str):
            raise ValidationError({"parameters": _("« grid » doit être l'identifiant d'une grille d'évaluation.")})
        _question_code(params, call, {Question.Kind.YES_NO, Question.Kind.DATE}, required=False)
    elif kind == Kind.DECLARED_DATE_WITHIN:
        _question_code(params, call, {Question.Kind.DATE})
        months = params.get("months")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 120:
            raise ValidationError({"parameters": _("« months » doit être un nombre entier de mois (1 à 120).")})
    elif kind == Kind.DECLARED_YES_WITH_PROOF:
        _question_code(params, call, {Question.Kind.YES_NO})
        document = params.get("document")
        if not isinstance(document, str) or not document:
            raise ValidationError({"parameters": _("Indiquez le code de la pièce justificative (« document »).")})
        if call is not None and not call.documents.filter(code=document).exists():
            raise ValidationError(
                {"parameters": _("La pièce « %(code)s » n'existe pas dans cet appel.") % {"code": document}}
            )
    else:
        raise ValidationError({"kind": _("Type de règle inconnu.")})


# ---- evaluation ----------------------------------------------------------------------------------


def _months_before(moment: datetime.date, months: int) -> datetime.date:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (moment.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _has_completed_assessment(establishment, grid_slug: str = "") -> bool | None:
    """True when the assessments module holds a submitted assessment (of ``grid_slug`` if given); None without it."""
    if not apps.is_installed("assessments"):
        return None
    Assessment = apps.get_model("assessments", "Assessment")
    submitted = Assessment.objects.filter(establishment=establishment, submitted_at__isnull=False)
    if grid_slug:
        submitted = submitted.filter(grid__slug=grid_slug)
    return submitted.exists()


class _Context:
    """What the evaluation reads, loaded once: answers by question code and current attachments by document code."""

    def __init__(self, application) -> None:
        self.answers: dict[str, object] = {}
        self.documents: set[str] = set()
        if application is not None and application.pk:
            from .selectors import answers_with_questions

            for answer in answers_with_questions(application):
                self.answers[answer.question.code] = answer.value
            self.documents = set(
                application.attachments.filter(is_current=True).values_list("document__code", flat=True)
            )


def _declared(rule: EligibilityRule, ctx: _Context, code: str):
    value = ctx.answers.get(code)
    return None if value in (None, "", []) else value


def _evaluate(rule: EligibilityRule, establishment, ctx: _Context, today: datetime.date) -> RuleResult:
    params = rule.parameters or {}
    fail = RuleResult(rule, Outcome.FAILED, rule.failure_message)
    ok = RuleResult(rule, Outcome.PASSED)
    to_declare = RuleResult(rule, Outcome.TO_DECLARE, _("À déclarer dans le formulaire de candidature."))
    kind = rule.kind
    if kind == Kind.SECTOR:
        return ok if establishment.sector in params.get("sectors", []) else fail
    if kind == Kind.CATEGORIES:
        code = establishment.category.code if establishment.category_id else None
        return ok if code in params.get("category_codes", []) else fail
    if kind == Kind.REGION:
        codes = params.get("region_codes") or [rule.call.region.code]
        return ok if establishment.region.code in codes else fail
    if kind == Kind.ORGANISATION:
        if not establishment.organisation_id:
            return fail
        allowed = params.get("organisation_finess") or []
        return ok if not allowed or establishment.organisation.finess in allowed else fail
    if kind == Kind.SELF_ASSESSMENT:
        # Known by the portal first; otherwise a declaration (e.g. the CRRC's own grid filled and attached).
        if _has_completed_assessment(establishment, params.get("grid", "")):
            return ok
        code = params.get("question")
        if not code:
            return fail
        value = _declared(rule, ctx, code)
        if value is None:
            return to_declare
        return ok if value is True or (isinstance(value, str) and value) else fail
    if kind == Kind.DECLARED_DATE_WITHIN:
        value = _declared(rule, ctx, params["question"])
        if value is None:
            return to_declare
        try:
            declared = datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return fail
        if declared > today or declared < _months_before(today, params["months"]):
            return fail
        return ok
    if kind == Kind.DECLARED_YES_WITH_PROOF:
        value = _declared(rule, ctx, params["question"])
        if value is None:
            return to_declare
        if value is not True:
            return fail
        if params["document"] not in ctx.documents:
            return RuleResult(rule, Outcome.TO_DECLARE, _("Joignez le justificatif demandé."))
        return ok
    return fail


def evaluate(call: Call, establishment, application=None, *, today: datetime.date | None = None) -> EligibilityReport:
    """Every rule of ``call`` for ``establishment`` (and the draft's declarations if ``application`` is given)."""
    today = today or timezone.localdate()
    ctx = _Context(application)
    rules = list(call.rules.all())
    return EligibilityReport([_evaluate(rule, establishment, ctx, today) for rule in rules])


def evaluate_for_submission(application, *, today: datetime.date | None = None) -> EligibilityReport:
    """At submission a missing declaration is a failure: turn "to declare" into "failed" with the rule's message."""
    report = evaluate(application.call, application.establishment, application, today=today)
    return EligibilityReport(
        [
            RuleResult(r.rule, Outcome.FAILED, r.rule.failure_message) if r.outcome == Outcome.TO_DECLARE else r
            for r in report.results
        ]
    )
