"""``manage.py import_learners FINESS PATH``: the establishment's staff list (CSV or XLSX), as on the web page."""

from django.core.management.base import BaseCommand

from awareness import services

from . import _common


class Command(BaseCommand):
    help = "Importe la liste des personnels d'un établissement (CSV ou XLSX). Dernière ligne : le décompte."

    def add_arguments(self, parser):
        parser.add_argument("finess")
        parser.add_argument("path")

    def handle(self, *args, finess, path, **options):
        establishment = _common.establishment(finess)
        table, data, name = _common.table(path)
        _common.run(
            self,
            lambda: services.import_learners(establishment, table, filename=name, file_digest=services.digest(data)),
        )
