from django.apps import AppConfig


class CrrcConfig(AppConfig):
    name = "crrc"
    verbose_name = "Portail CRRC"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the tenancy system check)

        self._french_export_labels()

    @staticmethod
    def _french_export_labels() -> None:
        """Every admin export page labels its fields with the models' verbose names (crrc.admin_exports)."""
        from import_export.admin import ExportMixin

        from .admin_exports import VerboseExportForm

        ExportMixin.export_form_class = VerboseExportForm
