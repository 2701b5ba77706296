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

        from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

        self._watch_scopes(m2m_changed, post_delete, post_save)

        from .staffing import refresh_group_after_migrate

        # Every app's post_migrate: the group picks up permissions of apps migrated after this one too.
        post_migrate.connect(refresh_group_after_migrate, dispatch_uid="establishments_crrc_staff_group")

    def _watch_scopes(self, m2m_changed, post_delete, post_save) -> None:
        """Any write that can change a user's scope ends the per-request memos read before it (selectors)."""
        from allauth.mfa.models import Authenticator

        from .models import Establishment, Membership, StaffAssignment
        from .selectors import scope_changed

        for model in (Membership, StaffAssignment, Establishment, Authenticator):
            post_save.connect(scope_changed, sender=model, dispatch_uid=f"scope_changed_save_{model.__name__}")
            post_delete.connect(scope_changed, sender=model, dispatch_uid=f"scope_changed_delete_{model.__name__}")
        m2m_changed.connect(scope_changed, sender=Membership.regions.through, dispatch_uid="scope_changed_regions")
