from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Documents PDF")

    def ready(self) -> None:
        # Every app declares its document kinds in ``<app>/documents.py`` (see reports.registry); importing them
        # here fills the registry in the web process and in every Celery worker alike.
        autodiscover_modules("documents")
        from . import participation

        participation.register_section()
        try:
            from establishments.staffing import register_crrc_staff_permissions
        except ImportError:
            return
        # CRRC staff follow their region's documents in the admin and relaunch failed ones.
        register_crrc_staff_permissions("reports.report", {"view", "change"})
