from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EstablishmentsConfig(AppConfig):
    name = "establishments"
    verbose_name = _("Établissements")

    def ready(self) -> None:
        from .dashboard import register_indicators

        register_indicators()
        from crrc.navigation import NavItem
        from crrc.navigation import register as register_nav

        register_nav(
            NavItem(
                "establishments",
                _("Mes établissements"),
                "establishments:mine",
                {"establishment", "newcomer"},
                order=10,
            )
        )

        from .participation import register_builtin_sections

        register_builtin_sections()

        from django.db.models.signals import post_migrate

        from .staffing import refresh_group_after_migrate

        # Every app's post_migrate: the group picks up permissions of apps migrated after this one too.
        post_migrate.connect(refresh_group_after_migrate, dispatch_uid="establishments_crrc_staff_group")
