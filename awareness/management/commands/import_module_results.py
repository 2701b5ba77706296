"""``manage.py import_module_results FINESS YEAR PATH``: module progress (email, module, started_at, completed_at,
score) for the establishment's programme of that year."""

from django.core.management.base import BaseCommand, CommandError

from awareness import services
from awareness.models import Programme

from . import _common


class Command(BaseCommand):
    help = "Importe les résultats des modules (CSV documenté : email, module, started_at, completed_at, score)."

    def add_arguments(self, parser):
        parser.add_argument("finess")
        parser.add_argument("year", type=int)
        parser.add_argument("path")

    def handle(self, *args, finess, year, path, **options):
        establishment = _common.establishment(finess)
        programme = Programme.objects.filter(region_id=establishment.region_id, year=year).first()
        if programme is None:
            raise CommandError(f"Aucun programme {year} dans la région de l'établissement.")
        table, data, name = _common.table(path)
        _common.run(
            self,
            lambda: services.import_module_results(
                establishment, programme, table, filename=name, file_digest=services.digest(data)
            ),
        )
