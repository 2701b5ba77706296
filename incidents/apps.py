from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents cyber")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from establishments.staffing import register_crrc_staff_permissions

        register_crrc_staff_permissions("incidents.incident", {"view", "change"})
        register_crrc_staff_permissions("incidents.incidentstep", {"view", "change"})
        register_crrc_staff_permissions("incidents.intervention", {"view", "add", "change"})
        register_crrc_staff_permissions("incidents.incidentlog", {"view"})
        register_crrc_staff_permissions("incidents.regiononcall", {"view", "add", "change"})
        self._register_participation_section()
        from crrc.navigation import NavItem, register

        from .dashboard import register_indicators

        register_indicators()
        register(
            NavItem("incidents", _("Incidents"), "incidents:index", audiences={"establishment", "staff"}, order=60)
        )

    def _register_participation_section(self) -> None:
        from establishments.participation import Section, register

        from .participation import section_context

        register(
            Section(
                key="incidents",
                title=_("Incidents cyber"),
                template="incidents/participation.html#section",
                order=15,
                context=section_context,
            )
        )
