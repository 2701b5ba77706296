"""``manage.py import_phishing_results FINESS QUARTER PATH`` (QUARTER as ``2026-Q1``): GoPhish "Results" or "Raw
events" export, or the generic CSV, for that quarter's campaign of the establishment's programme."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from awareness import services

from . import _common


class Command(BaseCommand):
    help = "Importe les résultats d'une campagne d'hameçonnage (export GoPhish ou CSV générique)."

    def add_arguments(self, parser):
        parser.add_argument("finess")
        parser.add_argument("quarter", help="ex. 2026-Q1")
        parser.add_argument("path")

    def handle(self, *args, finess, quarter, path, **options):
        establishment = _common.establishment(finess)
        try:
            campaign = services.campaign_for_quarter(establishment, quarter)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        table, data, name = _common.table(path)
        _common.run(
            self,
            lambda: services.import_phishing_results(
                establishment, campaign, table, filename=name, file_digest=services.digest(data)
            ),
        )
