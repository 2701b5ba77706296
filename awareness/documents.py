"""The quarterly awareness report of one establishment (PDF through the reports pipeline).

Anonymous by construction: its context is built from ``stats`` only (no learner row is ever passed to the
template), and every figure went through ``anonymity`` (no figure about fewer than 5 people).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.registry import Document, register

from . import anonymity, stats
from .models import Campaign, Enrolment

QUARTERLY_REPORT = "awareness_quarterly_report"


def _campaign(report) -> Campaign:
    campaign = Campaign.objects.select_related("programme__region", "template").get(
        pk=report.subject_id, programme__region_id=report.establishment.region_id
    )
    if not Enrolment.objects.filter(establishment=report.establishment, programme=campaign.programme).exists():
        raise Campaign.DoesNotExist
    return campaign


def check_access(user, establishment, subject_id) -> bool:
    """The campaign must be one of the programme the establishment is enrolled in (scope checked by reports)."""
    return Enrolment.objects.filter(
        establishment=establishment, programme__campaigns__pk=subject_id, programme__region_id=establishment.region_id
    ).exists()


def report_context(establishment, campaign: Campaign) -> dict:
    figures = stats.campaign_figures(establishment, campaign)
    sector = stats.sector_benchmark(campaign, establishment.sector)
    trapped = figures.rates["trapped"]
    reported = figures.rates["reported"]
    history = stats.trend(establishment, campaign)
    return {
        "establishment": establishment,
        "campaign": campaign,
        "figures": figures,
        "trend": history,
        "services": stats.service_breakdown(establishment, campaign),
        "modules": stats.module_completion(establishment, campaign),
        "retraining": stats.retraining_figures(establishment, campaign),
        "sector": sector,
        "trapped_position": anonymity.position(trapped, sector.trapped),
        "reported_position": anonymity.position(reported, sector.reported),
        "threshold": anonymity.THRESHOLD,
        "masked_label": anonymity.masked_label(),
        "trend_chart": _trend_chart(history),
    }


def _rounded(figure):
    return None if figure.masked else round(figure.value)


def _trend_chart(history):
    from crrc import charts

    labels = [c.campaign.label for c in history]
    return charts.line(
        _("Évolution des taux (%)"),
        labels,
        series={
            _("Piégés"): [_rounded(c.rates["trapped"]) for c in history],
            _("Signalement"): [_rounded(c.rates["reported"]) for c in history],
        },
        scale_max=100,
        unit="%",
        label_header=_("Trimestre"),
        missing=anonymity.masked_label(),
    )


def build_quarterly_report(report) -> Document:
    campaign = _campaign(report)
    establishment = report.establishment
    return Document(
        template_name="awareness/print/quarterly_report.html",
        context=report_context(establishment, campaign),
        filename=f"sensibilisation-{campaign.code}-{establishment.finess}.pdf",
        title=_("Rapport trimestriel de sensibilisation – %(quarter)s") % {"quarter": campaign.label},
    )


register(
    QUARTERLY_REPORT,
    gettext_lazy("Rapport trimestriel de sensibilisation"),
    build_quarterly_report,
    check_access=check_access,
    needs_subject=True,
)
