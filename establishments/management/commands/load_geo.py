"""``manage.py load_geo``: regions (with ARS, GRADeS, CRRC name) and departments from the reference data."""

from django.core.management.base import BaseCommand

from establishments.nomenclature import load_geo


class Command(BaseCommand):
    help = "Charge les régions (ARS, GRADeS, nom du CRRC) et les départements, outre-mer compris. Idempotent."

    def handle(self, *args, **options) -> None:
        regions, departments = load_geo()
        self.stdout.write(f"Régions : {regions}")
        self.stdout.write(f"Départements : {departments}")
        for skipped in departments.skipped:
            self.stdout.write(f"  ignoré : {skipped}")
