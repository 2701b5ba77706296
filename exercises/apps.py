from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExercisesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exercises"
    verbose_name = _("Exercices de crise")

    def ready(self) -> None:
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav
        from establishments.staffing import register_crrc_staff_permissions

        from . import participation
        from .dashboard import register_indicators

        participation.register_section()
        register_indicators()
        register_nav(NavItem("exercises", _("Exercices de crise"), "exercises:index", {"establishment"}, order=35))
        register_nav(
            NavItem("exercises_register", _("Registre des exercices"), "exercises:register", {"staff", "ars"}, order=46)
        )
        register_crrc_staff_permissions("exercises.exercise", {"view", "add", "change"})
        register_crrc_staff_permissions("exercises.scenario", {"view", "add", "change"})
        register_crrc_staff_permissions("exercises.retextemplate", {"view", "add", "change"})
        register_crrc_staff_permissions("exercises.observation", {"view", "change"})
        register_crrc_staff_permissions("exercises.evidencerequest", {"view"})
        for model in ("participant", "objective", "logisticsitem", "stimulus", "exerciselog", "retexquestion",
                      "scenariostimulus"):  # fmt: skip
            register_crrc_staff_permissions(f"exercises.{model}", {"view", "add", "change", "delete"})
