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
        self._french_import_errors()
        self._branding_follows_regions()

    @staticmethod
    def _branding_follows_regions() -> None:
        """A region saved or deleted: this process reads the regions' branding again (crrc.context_processors)."""
        from django.db.models.signals import post_delete, post_save

        from establishments.models import Region

        from .context_processors import forget_regions

        post_save.connect(forget_regions, sender=Region, dispatch_uid="branding_forget_regions_save")
        post_delete.connect(forget_regions, sender=Region, dispatch_uid="branding_forget_regions_delete")

    @staticmethod
    def _french_export_labels() -> None:
        """Every admin export page labels its fields with the models' verbose names (crrc.admin_exports)."""
        from import_export.admin import ExportMixin

        from .admin_exports import VerboseExportForm

        ExportMixin.export_form_class = VerboseExportForm

    @staticmethod
    def _french_import_errors() -> None:
        """Every admin import page says in French why a file was refused (crrc.importing), instead of
        import-export's "'OSError' encountered while trying to read file"."""
        from import_export.admin import ImportMixin

        from .importing import add_read_failure_to_form

        ImportMixin.add_data_read_fail_error_to_form = add_read_failure_to_form
