from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstablishmentsConfig(AppConfig):
    name = "establishments"
    verbose_name = _("Établissements")

    def ready(self) -> None:
        from .participation import register_builtin_sections

        register_builtin_sections()

        from django.db.models.signals import post_migrate

        from .staffing import refresh_group_after_migrate

        # Every app's post_migrate: the group picks up permissions of apps migrated after this one too.
        post_migrate.connect(refresh_group_after_migrate, dispatch_uid="establishments_crrc_staff_group")
