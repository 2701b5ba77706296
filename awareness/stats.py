"""Figures of the awareness programme, computed in the database and passed through ``anonymity``.

No function here returns a name or an e-mail: these are what reports, staff pages, ARS pages and the
establishment's own summary show. The number of queries does not grow with the data (one GROUP BY each).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from establishments.models import Establishment
from establishments.roles import Sector

from . import anonymity
from .anonymity import Distribution, Figure
from .choices import ModuleKind
from .models import Campaign, Learner, ModuleResult, PhishingResult, Programme

DELIVERED = Q(sent=True, error=False)
TRAPPED = DELIVERED & (Q(clicked=True) | Q(submitted=True))


def _counts() -> dict:
    return {
        "n_sent_total": Count("pk", filter=Q(sent=True)),
        "n_errors": Count("pk", filter=Q(sent=True, error=True)),
        "population": Count("pk", filter=DELIVERED),
        "n_opened": Count("pk", filter=DELIVERED & Q(opened=True)),
        "n_clicked": Count("pk", filter=DELIVERED & Q(clicked=True)),
        "n_submitted": Count("pk", filter=DELIVERED & Q(submitted=True)),
        "n_trapped": Count("pk", filter=TRAPPED),
        "n_reported": Count("pk", filter=DELIVERED & Q(reported=True)),
    }


RATE_KEYS = ("opened", "clicked", "submitted", "trapped", "reported")
RATE_LABELS = {
    "opened": gettext_lazy("Ouverture"),
    "clicked": gettext_lazy("Clic sur le lien"),
    "submitted": gettext_lazy("Saisie de données"),
    "trapped": gettext_lazy("Piégés (clic ou saisie)"),
    "reported": gettext_lazy("Signalement"),
}


@dataclass(frozen=True)
class CampaignFigures:
    campaign: Campaign
    sent: Figure
    errors: Figure
    population: int
    rates: dict[str, Figure]

    @property
    def masked(self) -> bool:
        return anonymity.is_small(self.population)

    def rows(self) -> list[tuple[str, Figure]]:
        return [(str(RATE_LABELS[key]), self.rates[key]) for key in RATE_KEYS]


def _figures(campaign: Campaign, row: dict | None) -> CampaignFigures:
    row = row or dict.fromkeys(["n_sent_total", "n_errors", "population", *[f"n_{k}" for k in RATE_KEYS]], 0)
    population = row["population"]
    return CampaignFigures(
        campaign=campaign,
        sent=anonymity.count(row["n_sent_total"], row["n_sent_total"]),
        errors=anonymity.count(row["n_errors"], row["n_sent_total"]),
        population=population,
        rates={key: anonymity.rate(row[f"n_{key}"], population) for key in RATE_KEYS},
    )


def campaign_figures(establishment: Establishment, campaign: Campaign) -> CampaignFigures:
    row = PhishingResult.objects.filter(establishment=establishment, campaign=campaign).aggregate(**_counts())
    return _figures(campaign, row)


def trend(establishment: Establishment, campaign: Campaign) -> list[CampaignFigures]:
    """This campaign and every earlier one the establishment took part in, oldest first (one query)."""
    earlier = Campaign.objects.filter(
        Q(programme__year__lt=campaign.programme.year)
        | Q(programme__year=campaign.programme.year, quarter__lte=campaign.quarter),
        programme__region_id=campaign.programme.region_id,
    ).select_related("programme", "template")
    rows = {
        row["campaign_id"]: row
        for row in PhishingResult.objects.filter(establishment=establishment, campaign__in=earlier)
        .values("campaign_id")
        .annotate(**_counts())
    }
    campaigns = sorted(earlier, key=lambda c: (c.programme.year, c.quarter))
    return [_figures(c, rows.get(c.pk)) for c in campaigns if c.pk in rows or c.pk == campaign.pk]


@dataclass(frozen=True)
class GroupRow:
    label: str
    population: Figure
    trapped: Figure
    reported: Figure


def service_breakdown(establishment: Establishment, campaign: Campaign) -> list[GroupRow]:
    """Per service (GoPhish's ``position``): a group of fewer than 5 people shows no figure at all."""
    rows = (
        PhishingResult.objects.filter(establishment=establishment, campaign=campaign)
        .values("service")
        .annotate(**_counts())
        .order_by("service")
    )
    result = []
    for row in rows:
        population = row["population"]
        result.append(
            GroupRow(
                label=row["service"] or _("Service non renseigné"),
                population=anonymity.count(population, population),
                trapped=anonymity.rate(row["n_trapped"], population),
                reported=anonymity.rate(row["n_reported"], population),
            )
        )
    return result


def quarter_modules(campaign: Campaign, sector: str | None = None) -> QuerySet:
    months = range(3 * (campaign.quarter - 1) + 1, 3 * campaign.quarter + 1)
    modules = campaign.programme.modules.filter(month__in=list(months)).exclude(kind=ModuleKind.FOLLOW_UP)
    if sector in (Sector.ES, Sector.ESMS):
        modules = modules.filter(audience__in=[sector, "BOTH"])
    return modules


def module_completion(establishment: Establishment, campaign: Campaign) -> dict:
    """Share of the quarter's modules completed by the active learners (one figure, and one per module)."""
    modules = list(quarter_modules(campaign, establishment.sector))
    learners = Learner.objects.filter(establishment=establishment, is_active=True).count()
    done = dict(
        ModuleResult.objects.filter(
            establishment=establishment, module__in=modules, completed_at__isnull=False, learner__is_active=True
        )
        .values("module_id")
        .annotate(n=Count("pk"))
        .values_list("module_id", "n")
    )
    total_done = sum(done.values())
    return {
        "learners": anonymity.count(learners, learners),
        "overall": anonymity.rate(total_done, learners * len(modules))
        if modules and learners >= anonymity.THRESHOLD
        else anonymity.rate(0, 0),
        "modules": [(module, anonymity.rate(done.get(module.pk, 0), learners)) for module in modules],
    }


def retraining_figures(establishment: Establishment, campaign: Campaign) -> dict:
    from .models import Retraining

    row = Retraining.objects.filter(establishment=establishment, campaign=campaign).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False))
    )
    return {"assigned": anonymity.count(row["total"], row["total"]), "done": anonymity.rate(row["done"], row["total"])}


# --- Regional benchmark -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchmarkRow:
    key: str
    label: str
    establishments: int
    learners: Figure
    trapped: Distribution
    reported: Distribution


def establishment_rates(campaigns: QuerySet[Campaign] | list[Campaign], extra_filter: Q | None = None) -> list[dict]:
    """One row per establishment that has results in ``campaigns``: its sector, department and counts."""
    queryset = PhishingResult.objects.filter(campaign__in=campaigns)
    if extra_filter is not None:
        queryset = queryset.filter(extra_filter)
    return list(
        queryset.values(
            "establishment_id",
            "establishment__sector",
            "establishment__department__code",
            "establishment__department__name",
        ).annotate(**_counts())
    )


def _bench_row(key: str, label: str, rows: list[dict]) -> BenchmarkRow:
    eligible = [r for r in rows if r["population"] >= anonymity.THRESHOLD]
    learners = sum(r["population"] for r in eligible)
    trapped = [100.0 * r["n_trapped"] / r["population"] for r in eligible]
    reported = [100.0 * r["n_reported"] / r["population"] for r in eligible]
    return BenchmarkRow(
        key=key,
        label=label,
        establishments=len(eligible),
        learners=anonymity.count(learners, learners),
        trapped=anonymity.distribution(trapped, learners),
        reported=anonymity.distribution(reported, learners),
    )


def benchmark(campaign: Campaign) -> dict:
    """The region's distributions for one campaign: overall, by sector, by department (same threshold of 5)."""
    rows = establishment_rates([campaign], Q(establishment__region_id=campaign.programme.region_id))
    by_sector, by_department = defaultdict(list), defaultdict(list)
    departments = {}
    for row in rows:
        by_sector[row["establishment__sector"]].append(row)
        code = row["establishment__department__code"]
        by_department[code].append(row)
        departments[code] = f"{code} – {row['establishment__department__name']}"
    sector_labels = dict(Sector.choices)
    return {
        "overall": _bench_row("all", _("Tous les établissements"), rows),
        "sectors": [_bench_row(s, str(sector_labels[s]), by_sector[s]) for s in Sector.values if by_sector.get(s)],
        "departments": [_bench_row(c, departments[c], by_department[c]) for c in sorted(by_department)],
        "rows": rows,
    }


def sector_benchmark(campaign: Campaign, sector: str) -> BenchmarkRow:
    rows = establishment_rates(
        [campaign], Q(establishment__region_id=campaign.programme.region_id, establishment__sector=sector)
    )
    return _bench_row(sector, str(dict(Sector.choices).get(sector, sector)), rows)


def programme_overview(programme: Programme) -> list[dict]:
    """Per enrolled establishment: learners and each campaign's trapped rate (staff page: figures, no names)."""
    from .models import Enrolment

    enrolments = list(
        Enrolment.objects.filter(programme=programme).select_related("establishment").order_by("establishment__name")
    )
    ids = [e.establishment_id for e in enrolments]
    learners = dict(
        Learner.objects.filter(establishment_id__in=ids, is_active=True)
        .values("establishment_id")
        .annotate(n=Count("pk"))
        .values_list("establishment_id", "n")
    )
    results = defaultdict(dict)
    for row in (
        PhishingResult.objects.filter(establishment_id__in=ids, campaign__programme=programme)
        .values("establishment_id", "campaign_id")
        .annotate(**_counts())
    ):
        results[row["establishment_id"]][row["campaign_id"]] = row
    campaigns = list(programme.campaigns.order_by("quarter"))
    overview = []
    for enrolment in enrolments:
        count = learners.get(enrolment.establishment_id, 0)
        per_campaign = []
        for campaign in campaigns:
            row = results[enrolment.establishment_id].get(campaign.pk)
            per_campaign.append(anonymity.rate(row["n_trapped"], row["population"]) if row else None)
        overview.append({"enrolment": enrolment, "learners": anonymity.count(count, count), "campaigns": per_campaign})
    return overview
