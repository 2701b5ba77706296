"""The PDF receipt of a campaign answer, built by the reports pipeline (Celery) when a director submits it.

A ``Report`` of the answering establishment with ``subject_id`` = the answer's id; ``check_access`` adds that the
answer really belongs to that establishment.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from reports.registry import Document, register

RECEIPT = "offers.campaign_receipt"


def _rows(response) -> list[dict]:
    from . import answers as answer_values

    values = {a.question_id: a.value for a in response.answers.all()}
    rows = []
    for question in response.campaign.questions.select_related("offer").order_by("order", "pk"):
        if not answer_values.is_shown(question, values):
            continue
        rows.append(
            {
                "offer": question.offer.title,
                "label": question.label,
                "value": answer_values.display(question, values.get(question.pk)) or "—",
            }
        )
    return rows


def build_receipt(report) -> Document:
    from .models import Response

    response = Response.objects.select_related("campaign__region", "establishment", "submitted_by").get(
        pk=report.subject_id, establishment=report.establishment
    )
    return Document(
        template_name="offers/pdf/receipt.html",
        context={
            "response": response,
            "campaign": response.campaign,
            "establishment": response.establishment,
            "rows": _rows(response),
        },  # fmt: skip
        filename=f"accuse-reception-{response.reference}.pdf",
        title=str(_("Accusé de réception du positionnement")),
    )


def _belongs(user, establishment, subject_id) -> bool:
    from .models import Response

    return Response.objects.filter(pk=subject_id, establishment=establishment).exists()


register(
    RECEIPT, _("Accusé de réception du positionnement"), build_receipt, check_access=_belongs,
    reuse_done_for=timedelta(0), needs_subject=True,
)  # fmt: skip


def latest_receipt(response):
    from reports.models import Report

    return (
        Report.objects.filter(establishment_id=response.establishment_id, kind=RECEIPT, subject_id=response.pk)
        .order_by("-created_at")
        .first()
    )
