"""The one place tenancy is enforced for data owned by an establishment.

A model owned by an establishment either inherits ``EstablishmentOwned`` or declares ``tenant_field`` (the lookup
path to its establishment, e.g. ``"assessment__establishment"``) and uses ``TenantQuerySet.as_manager()``.
Views then read ``Model.objects.for_user(request.user)`` and fetch one object with ``get_for_user_or_404``:
another tenant's object is a 404, never a 403 that would reveal it exists.

The system check in ``crrc.checks`` refuses to start the project if a model pointing at ``Establishment`` does
not use this queryset, so a later app cannot forget it.
"""

from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class TenantQuerySet(models.QuerySet):
    def _tenant_field(self) -> str:
        return getattr(self.model, "tenant_field", "establishment")

    def for_user(self, user) -> "TenantQuerySet":
        """Rows the user may see: own establishments, plus their regions' for staff and ARS reviewers."""
        # Imported here so that establishments.models itself may use TenantQuerySet (AccessRequest, Invitation).
        from establishments.selectors import establishments_for

        return self.filter(**{f"{self._tenant_field()}__in": establishments_for(user)})

    def for_capability(self, user, capability: str) -> "TenantQuerySet":
        """Rows the user may act on with ``capability`` through their membership role."""
        from establishments.selectors import establishments_where

        return self.filter(**{f"{self._tenant_field()}__in": establishments_where(user, capability)})


class EstablishmentOwned(models.Model):
    """Abstract base for rows that belong to exactly one establishment."""

    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.CASCADE,
        related_name="%(app_label)s_%(class)s_set",
        verbose_name=_("établissement"),
    )

    objects = TenantQuerySet.as_manager()

    tenant_field = "establishment"

    class Meta:
        abstract = True


def get_for_user_or_404[M: models.Model](
    queryset: models.QuerySet[M], user, capability: str | None = None, **lookup
) -> M:
    """Fetch one tenant-owned object or raise 404, whoever's it is."""
    if not isinstance(queryset, TenantQuerySet):
        raise TypeError(f"{queryset.model.__name__} n'utilise pas TenantQuerySet : portée non vérifiable.")
    scoped = queryset.for_capability(user, capability) if capability else queryset.for_user(user)
    try:
        return scoped.get(**lookup)
    except (scoped.model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
