from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

STAFF_PERMISSIONS = {
    "phishingtemplate": {"view", "add", "change"},
    "programme": {"view", "add", "change"},
    "module": {"view", "add", "change", "delete"},
    "campaign": {"view", "add", "change", "delete"},
    "enrolment": {"view", "add", "change"},
    "campaignrequest": {"view", "change"},
    "importrun": {"view"},
    "reportbatch": {"view"},
}


class AwarenessConfig(AppConfig):
    name = "awareness"
    verbose_name = _("Sensibilisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from establishments.staffing import register_crrc_staff_permissions

        from . import participation

        for model, actions in STAFF_PERMISSIONS.items():
            register_crrc_staff_permissions(f"awareness.{model}", actions)
        participation.register_section()
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav

        from .dashboard import register_indicators

        register_nav(
            NavItem("awareness", _("Sensibilisation"), "awareness:index", {"establishment", "staff", "ars"}, order=45)
        )
        register_indicators()
        if apps.is_installed("offers"):
            from . import receivers

            receivers.connect()
