"""``manage.py import_finess PATH [PATH…]``: upsert FINESS establishments from etalab files or extracts."""

import time

from django.core.management.base import BaseCommand, CommandError

from establishments.finess import FinessFormat, FinessFormatError, read_file
from establishments.finess_import import import_files
from establishments.models import Department

FORMAT_LABELS = {FinessFormat.ETALAB: "etalab officiel", FinessFormat.HEADER: "extraction avec en-tête"}


class Command(BaseCommand):
    help = (
        "Importe des établissements FINESS (fichier etalab publié sur data.gouv.fr ou extraction avec en-tête). "
        "Mise à jour idempotente par numéro FINESS, tout ou rien ; se termine par « created N, updated N, "
        "rejected N » puis les motifs de rejet et les avertissements."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", help="fichiers FINESS (.csv)")
        parser.add_argument(
            "--max-warnings",
            type=int,
            default=20,
            help="nombre d'avertissements affichés (0 : tous) ; les rejets sont toujours tous affichés",
        )

    def handle(self, *args, **options) -> None:
        paths: list[str] = options["paths"]
        if not Department.objects.exists():
            raise CommandError(
                "Aucun département en base : chargez d'abord la géographie avec « manage.py load_geo » "
                "(et la nomenclature avec « manage.py load_finess_categories »)."
            )
        started = time.perf_counter()
        files = []
        for path in paths:
            try:
                finess_file = read_file(path)
            except FinessFormatError as exc:
                raise CommandError(f"{path} refusé : {exc}") from exc
            files.append(finess_file)
            self.stdout.write(
                f"{finess_file.name} : {FORMAT_LABELS[finess_file.format]}, {len(finess_file.rows)} établissements lus"
            )
        report = import_files(files, change_reason=f"Import FINESS ({', '.join(f.name for f in files)})")
        elapsed = time.perf_counter() - started
        if options["verbosity"] >= 1:
            details = f"unchanged {report.unchanged}"
            if report.categories_created:
                details += f", catégories créées {report.categories_created}"
            self.stdout.write(f"{details} ({elapsed:.1f} s)")
        self.stdout.write(report.summary)
        if report.rejected:
            self.stdout.write("Lignes rejetées :")
            for problem in report.rejected:
                self.stdout.write(f"  {problem}")
        if report.warnings:
            limit = options["max_warnings"] or len(report.warnings)
            self.stdout.write(f"Avertissements ({len(report.warnings)}) :")
            for problem in report.warnings[:limit]:
                self.stdout.write(f"  {problem}")
            if len(report.warnings) > limit:
                self.stdout.write(f"  … et {len(report.warnings) - limit} autres (--max-warnings 0 pour tout voir)")
