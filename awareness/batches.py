"""Every enrolled establishment's quarterly report for one campaign, in one go, for CRRC staff.

Each report is its own ``reports.Report`` built by its own Celery task (the existing pipeline: retried with
backoff, a failure recorded on that report only), so one failing report never stops the others. The batch
keeps the ids; its page polls the counts and lists the failures at the end, with a button to relaunch them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from reports.models import Report
from reports.services import request_report, retry_report

from .documents import QUARTERLY_REPORT
from .models import Campaign, ReportBatch


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int
    pending: int
    failures: list[Report]

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        return round(100 * (self.done + self.failed) / self.total) if self.total else 100

    @property
    def state(self) -> str:
        return f"{self.done}-{self.failed}-{self.pending}"


def start_batch(campaign: Campaign, user) -> ReportBatch:
    enrolments = campaign.programme.enrolments.filter(is_active=True).select_related("establishment")
    batch = ReportBatch.objects.create(campaign=campaign, requested_by=user)
    ids = []
    for enrolment in enrolments.order_by("establishment__name"):
        # Each request commits and queues on its own: the batch never waits for a PDF.
        report = request_report(enrolment.establishment, QUARTERLY_REPORT, user, subject_id=campaign.pk)
        ids.append(report.pk)
    batch.report_ids = ids
    batch.save(update_fields=["report_ids"])
    return batch


def progress(batch: ReportBatch) -> Progress:
    reports = Report.objects.filter(pk__in=batch.report_ids)
    counts = reports.aggregate(
        done=Count("pk", filter=Q(status=Report.Status.DONE)),
        failed=Count("pk", filter=Q(status=Report.Status.FAILED)),
        total=Count("pk"),
    )
    failures = list(reports.filter(status=Report.Status.FAILED).select_related("establishment").order_by("pk"))
    return Progress(
        total=counts["total"],
        done=counts["done"],
        failed=counts["failed"],
        pending=counts["total"] - counts["done"] - counts["failed"],
        failures=failures,
    )


def retry_failed(batch: ReportBatch) -> int:
    failed = Report.objects.filter(pk__in=batch.report_ids, status=Report.Status.FAILED)
    count = 0
    for report in failed:
        retry_report(report)
        count += 1
    return count
