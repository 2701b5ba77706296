from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlansConfig(AppConfig):
    name = "action_plans"
    verbose_name = _("Plans d'action")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
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
