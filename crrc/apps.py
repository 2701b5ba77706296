from django.apps import AppConfig


class CrrcConfig(AppConfig):
    name = "crrc"
    verbose_name = "Portail CRRC"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the tenancy system check)
