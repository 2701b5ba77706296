"""``manage.py load_finess_categories``: the FINESS category nomenclature, sector derived from the agrégat."""

from django.core.management.base import BaseCommand, CommandError

from establishments.nomenclature import load_categories


class Command(BaseCommand):
    help = "Charge les catégories FINESS et leur agrégat ; le secteur ES/ESMS/autre est déduit de l'agrégat."

    def handle(self, *args, **options) -> None:
        try:
            result = load_categories()
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Catégories FINESS : {result}")
