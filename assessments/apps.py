from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Évaluations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .dashboard import register_indicators

        register_indicators()
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav

        register_nav(NavItem("assessments", _("Évaluations"), "assessments:index", {"establishment"}, order=20))
        register_nav(
            NavItem(
                "assessments_region", _("Évaluations de la région"), "assessments:region", {"staff", "ars"}, order=45
            )
        )

        from . import documents  # noqa: F401  (registers the full report and the managerial synthesis)
        from .participation import register_section

        register_section()
        try:
            from establishments.staffing import register_crrc_staff_permissions
        except ImportError:
            return
        for model in (
            "grid",
            "section",
            "level",
            "question",
            "answeroption",
            "measure",
            "answer",
            "assessmenttransition",
        ):
            register_crrc_staff_permissions(f"assessments.{model}", {"view"})
        register_crrc_staff_permissions("assessments.assessment", {"view"})
