"""``manage.py demo_reports``: an establishment sheet (PDF) for every establishment that has members. Idempotent.

Run after ``demo_accounts`` (or any onboarding): the demo's directors then find their sheet ready to download on
their establishment's page. Built in this process, whether or not a broker is configured.
"""

import time

from django.core.management.base import BaseCommand

from establishments.models import Establishment
from establishments.roles import Role
from establishments.selectors import active_memberships
from reports.documents import ESTABLISHMENT_SHEET
from reports.models import Report
from reports.tasks import build_report


class Command(BaseCommand):
    help = "Génère la fiche établissement (PDF) de chaque établissement qui a des membres (idempotent)."

    def handle(self, *args, **options) -> None:
        establishments = Establishment.objects.filter(memberships__is_active=True).distinct().order_by("finess")
        created = existing = failed = 0
        elapsed = 0.0
        for establishment in establishments:
            if Report.objects.filter(
                establishment=establishment, kind=ESTABLISHMENT_SHEET, status=Report.Status.DONE
            ).exists():
                existing += 1
                continue
            director = active_memberships(establishment).filter(role=Role.DIRECTOR).first()
            report = Report.objects.create(
                establishment=establishment,
                kind=ESTABLISHMENT_SHEET,
                requested_by=director.user if director else None,
            )
            started = time.perf_counter()
            build_report.apply(args=[report.pk])
            elapsed += time.perf_counter() - started
            report.refresh_from_db()
            if report.status == Report.Status.DONE:
                created += 1
            else:
                failed += 1
                self.stderr.write(f"{establishment.finess} : {report.error}")
        average = f", {elapsed / created * 1000:.0f} ms par fiche" if created else ""
        self.stdout.write(f"fiches établissement : créées {created}, déjà prêtes {existing}, échecs {failed}{average}")
