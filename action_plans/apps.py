from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlansConfig(AppConfig):
    name = "action_plans"
    verbose_name = _("Plans d'action")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .dashboard import register_indicators

        register_indicators()
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav

        register_nav(
            NavItem(
                "action_plans", _("Plan d'action"), "action_plans:index", {"establishment", "staff", "ars"}, order=30
            )
        )

        from establishments.staffing import register_crrc_staff_permissions

        register_crrc_staff_permissions("action_plans.actionplan", {"view", "change"})
        register_crrc_staff_permissions("action_plans.actionitem", {"view", "add", "change"})
        register_crrc_staff_permissions("action_plans.actionitemcomment", {"view", "add"})
        register_crrc_staff_permissions("action_plans.actionitemtransition", {"view"})
        self._register_participation_section()

    def _register_participation_section(self) -> None:
        try:
            from establishments.participation import Section, register
        except ImportError:  # the "Mon établissement" registry is optional
            return
        from .selectors import plan_summary

        def context(request, establishment) -> dict:
            return {"summary": plan_summary(request.user, establishment), "establishment_pk": establishment.pk}

        register(
            Section(
                key="action_plan",
                title=_("Plan d'action"),
                template="action_plans/participation.html#section",
                order=40,
                context=context,
            )
        )
