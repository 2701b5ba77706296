from django.apps import AppConfig


class CrrcConfig(AppConfig):
    name = "crrc"
    verbose_name = "Portail CRRC"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from . import checks  # noqa: F401  (registers the tenancy system check)
        from .navigation import AUDIENCES, NavItem, admin_accepts, register

        register(NavItem("home", _("Accueil"), "home", AUDIENCES, order=0))
        register(NavItem("admin", _("Administration"), "admin:index", AUDIENCES, order=80, visible=admin_accepts))
        register(NavItem("account", _("Mon compte"), "account_email", AUDIENCES, order=90))

        self._french_export_labels()

    @staticmethod
    def _french_export_labels() -> None:
        """Every admin export page labels its fields with the models' verbose names (crrc.admin_exports)."""
        from import_export.admin import ExportMixin

        from .admin_exports import VerboseExportForm

        ExportMixin.export_form_class = VerboseExportForm
