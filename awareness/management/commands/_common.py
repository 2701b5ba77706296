"""Shared by the import commands: find the establishment, read the file with the upload checks, print the report."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from awareness.tabular import read_path
from establishments.models import Establishment


def establishment(finess: str) -> Establishment:
    found = Establishment.objects.select_related("region").filter(finess=finess.strip()).first()
    if found is None:
        raise CommandError(f"Aucun établissement de FINESS {finess}.")
    return found


def table(path: str):
    try:
        return read_path(path)
    except FileNotFoundError as exc:
        raise CommandError(f"Fichier introuvable : {path}") from exc
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc


def run(command, call):
    try:
        report = call()
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc
    for error in report.rejected:
        command.stdout.write(f"ligne {error.line} : {error.reason}")
    command.stdout.write(report.summary)
    return report
