from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

STAFF_PERMISSIONS = {
    "space": {"view", "add", "change"},
    "member": {"view", "change"},
    "group": {"view", "add", "change", "delete"},
    "folder": {"view", "add", "change"},
    "document": {"view"},
    "documentversion": {"view"},
    "thread": {"view"},
    "post": {"view"},
    "event": {"view", "add", "change"},
    "registration": {"view"},
    "poll": {"view"},
    "moderationlog": {"view"},
}


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Communauté RSSI")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from establishments.staffing import register_crrc_staff_permissions

        from . import participation

        for model, actions in STAFF_PERMISSIONS.items():
            register_crrc_staff_permissions(f"community.{model}", actions)
        participation.register_section()
        from crrc.navigation import NavItem, register

        from .dashboard import register_indicators

        register_indicators()
        register(
            NavItem("community", _("Communauté"), "community:index", audiences={"establishment", "staff"}, order=70)
        )
        if apps.is_installed("offers"):
            from . import receivers

            receivers.connect()
