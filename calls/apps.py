from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What CRRC staff may do in the admin: configure calls (children deletable as inlines), read applications and run
# the workflow actions (which need "change"); nothing about an application is edited by hand.
STAFF_PERMISSIONS = {
    "call": {"view", "add", "change"},
    "projectkind": {"view", "add", "change", "delete"},
    "cutoff": {"view", "add", "change", "delete"},
    "eligibilityrule": {"view", "add", "change", "delete"},
    "question": {"view", "add", "change", "delete"},
    "requireddocument": {"view", "add", "change", "delete"},
    "application": {"view", "change"},
    "answer": {"view"},
    "attachment": {"view"},
    "correctionrequest": {"view"},
    "transitionlog": {"view"},
}


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Appels à projets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .dashboard import register_indicators

        register_indicators()
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav

        register_nav(NavItem("calls", _("Appels à projets"), "calls:list", {"establishment"}, order=40))
        register_nav(NavItem("calls_review", _("Instruction"), "calls_review:index", {"staff", "ars"}, order=50))

        from establishments.staffing import register_crrc_staff_permissions

        from . import participation

        for model, actions in STAFF_PERMISSIONS.items():
            register_crrc_staff_permissions(f"calls.{model}", actions)
        participation.register_section()
