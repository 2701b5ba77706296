"""Load (or reload) the scenario catalogue and RETEX templates from YAML files."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exercises.loader import SCENARIO_DIR, load_all, load_file


class Command(BaseCommand):
    help = "Charge les scénarios d'exercice et les modèles de RETEX (fichiers YAML)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Fichiers YAML (par défaut : exercises/scenarios/*.yaml)")

    def handle(self, *args, **options):
        try:
            results = [load_file(Path(p)) for p in options["paths"]] if options["paths"] else load_all(SCENARIO_DIR)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for result in results:
            self.stdout.write(f"{result.slug}: {result.status}")
