from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Tableaux de bord")

    def ready(self) -> None:
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav

        register_nav(
            NavItem("dashboards", _("Tableau de bord régional"), "dashboards:region", {"staff", "ars"}, order=15)
        )
