from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionPlansConfig(AppConfig):
    name = "action_plans"
    verbose_name = _("Plans d'action")
    default_auto_field = "django.db.models.BigAutoField"
