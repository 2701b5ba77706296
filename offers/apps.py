from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What CRRC staff may do in the admin. Answers are read there (they are the establishments' words); amendments and
# order lines are append-only or frozen, so nobody changes them by hand.
STAFF_PERMISSIONS = {
    "offer": {"view", "add", "change"},
    "offerdocument": {"view", "add", "change", "delete"},
    "campaign": {"view", "add", "change"},
    "question": {"view", "add", "change", "delete"},
    "response": {"view"},
    "answer": {"view"},
    "subscription": {"view", "change"},
    "agreement": {"view", "add", "change"},
    "amendment": {"view", "add"},
    "beneficiary": {"view", "add", "change"},
    "lot": {"view", "add", "change", "delete"},
    "provider": {"view", "add", "change"},
    "awardee": {"view", "add", "change", "delete"},
    "priceitem": {"view", "add", "change", "delete"},
    "purchaseorder": {"view", "change"},
    "orderline": {"view"},
}


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offres de service et accords-cadres")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav
        from establishments.staffing import register_crrc_staff_permissions

        from .dashboard import register_indicators

        register_indicators()
        register_nav(NavItem("offers", _("Offres du CRRC"), "offers:catalogue", {"establishment"}, order=35))
        register_nav(NavItem("offers_staff", _("Offres et accords-cadres"), "offers:agreements", {"staff", "ars"},
                             order=55))  # fmt: skip

        from . import participation, workflows  # noqa: F401 (the workflows register with the kit)

        for model, actions in STAFF_PERMISSIONS.items():
            register_crrc_staff_permissions(f"offers.{model}", actions)
        participation.register_section()
