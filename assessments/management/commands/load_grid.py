"""Load or upgrade an assessment grid: ``load_grid PATH`` or ``load_grid --builtin``.

PATH is one of our grid files (``format: crrc-grid/1``), a CISO Assistant library, or the MonAideCyber reference
folder. A new version creates a new grid; assessments already made keep the version they were answered on. A bad
file is refused with the line and the reason of each problem, and nothing is written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.gridformat import GridFileError
from assessments.loader import builtin_sources, load_grid_path


class Command(BaseCommand):
    help = "Charge une grille d'évaluation (fichier YAML, bibliothèque CISO Assistant ou dossier MonAideCyber)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="fichier(s) ou dossier(s) de grille")
        parser.add_argument("--builtin", action="store_true", help="charger les trois grilles fournies")

    def handle(self, *args, paths, builtin, **options):
        sources = [Path(p) for p in paths]
        if builtin:
            sources += builtin_sources()
        if not sources:
            raise CommandError("Indiquez un fichier de grille ou --builtin.")
        for source in sources:
            try:
                result = load_grid_path(source)
            except GridFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(result.message) if result.created else result.message)
