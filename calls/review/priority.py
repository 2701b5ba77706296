"""Priority of an application: who needs the funding most, and who argued for it best.

The score (0–100, higher = review and fund first) mixes three signals, each brought to 0–1:

* **declared risk** (weight 0.4): the risk level the applicant declared in the form
  (``Application.declared_risk_level``: faible 0, moyen 1/3, élevé 2/3, critique 1);
* **assessed risk** (weight 0.3): 1 − maturity of the establishment's latest *submitted* self-assessment
  (``overall_score / grid.score_max``), read from the ``assessments`` app when it is installed;
* **motivation** (weight 0.3): the reviewers' mean rating of the motivation (``ReviewScore``, 0–5).

A missing signal (no declared level, no submitted assessment, no rating yet) counts as neutral (0.5), so that
scores stay comparable: an unrated application is neither pushed down nor lifted over a rated one only because
nobody has read it yet; with no signal at all the priority is 50. The result is
stored in ``ApplicationPriority`` with its components (shown to reviewers as "why this rank") and recomputed
whenever one of its inputs changes (``refresh_priorities``).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Avg, QuerySet
from django.utils import timezone

from ..models import Application
from .models import ApplicationPriority, ReviewScore

WEIGHTS = {"declared_risk": Decimal("0.4"), "assessed_risk": Decimal("0.3"), "motivation": Decimal("0.3")}
RISK_VALUES = {
    Application.RiskLevel.LOW: Decimal("0"),
    Application.RiskLevel.MEDIUM: Decimal(1) / 3,
    Application.RiskLevel.HIGH: Decimal(2) / 3,
    Application.RiskLevel.CRITICAL: Decimal("1"),
}
NEUTRAL = 50
NEUTRAL_SIGNAL = Decimal("0.5")


@dataclass(frozen=True)
class Priority:
    score: int
    components: dict[str, float | None]


def compute_priority(
    declared_risk_level: str, assessment_maturity: Decimal | None, mean_motivation: Decimal | None
) -> Priority:
    """The documented formula above. ``assessment_maturity`` is 0–1, ``mean_motivation`` is 0–5."""
    signals: dict[str, Decimal | None] = {
        "declared_risk": RISK_VALUES.get(declared_risk_level),
        "assessed_risk": None
        if assessment_maturity is None
        else Decimal("1") - min(max(Decimal(assessment_maturity), Decimal("0")), Decimal("1")),
        "motivation": None
        if mean_motivation is None
        else min(max(Decimal(mean_motivation), Decimal("0")), Decimal(ReviewScore.MAX)) / ReviewScore.MAX,
    }
    score = round(100 * sum(WEIGHTS[k] * (NEUTRAL_SIGNAL if v is None else v) for k, v in signals.items()))
    return Priority(
        score=int(score), components={k: None if v is None else round(float(v), 3) for k, v in signals.items()}
    )


def latest_maturities(establishment_ids) -> dict[int, Decimal]:
    """Maturity (0–1) of each establishment's latest submitted assessment whose grid has a maximum score."""
    if not apps.is_installed("assessments"):
        return {}
    from assessments.models import Assessment
    from assessments.workflow import State as AssessmentState

    maturities: dict[int, Decimal] = {}
    rows = (
        Assessment.objects.filter(
            establishment_id__in=list(establishment_ids),
            state=AssessmentState.SUBMITTED,
            overall_score__isnull=False,
            grid__score_max__gt=0,
        )
        .order_by("establishment_id", "-submitted_at")
        .values_list("establishment_id", "overall_score", "grid__score_max")
    )
    for establishment_id, score, score_max in rows:
        if establishment_id not in maturities:  # first row = latest
            maturities[establishment_id] = Decimal(score) / Decimal(score_max)
    return maturities


def refresh_priorities(applications: QuerySet[Application] | list[Application]) -> int:
    """Recompute and store the priority of ``applications`` (a handful of queries whatever their number)."""
    applications = list(applications)
    if not applications:
        return 0
    ids = [a.pk for a in applications]
    means = dict(
        ReviewScore.objects.filter(application_id__in=ids)
        .values("application_id")
        .annotate(mean=Avg("motivation"))
        .values_list("application_id", "mean")
    )
    maturities = latest_maturities({a.establishment_id for a in applications})
    now = timezone.now()
    rows = []
    for application in applications:
        mean = means.get(application.pk)
        priority = compute_priority(
            application.declared_risk_level,
            maturities.get(application.establishment_id),
            None if mean is None else Decimal(str(mean)),
        )
        rows.append(
            ApplicationPriority(
                application_id=application.pk, score=priority.score, components=priority.components, computed_at=now
            )
        )
    ApplicationPriority.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["application"],
        update_fields=["score", "components", "computed_at"],
    )
    return len(rows)


def refresh_stale(queryset: QuerySet[Application]) -> int:
    """Applications never computed, or changed since (new answers, new state): one query when nothing is stale."""
    from django.db.models import F, Q

    stale = queryset.filter(Q(priority__isnull=True) | Q(updated_at__gt=F("priority__computed_at"))).only(
        "pk", "establishment_id", "declared_risk_level"
    )
    return refresh_priorities(stale)
