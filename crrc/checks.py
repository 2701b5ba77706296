"""System check: every model holding a foreign key to Establishment must be tenant-scoped.

This is what makes tenancy impossible to forget: a new app whose model points at an establishment without
``TenantQuerySet`` stops ``manage.py check``, the test suite and the server from starting.
"""

from collections.abc import Iterable

from django.apps import apps
from django.core import checks
from django.db import models

EXEMPT_APPS = {"establishments", "simple_history"}


def unscoped_models(candidates: Iterable[type[models.Model]]) -> list[type[models.Model]]:
    from crrc.tenancy import TenantQuerySet
    from establishments.models import Establishment

    found = []
    for model in candidates:
        if model._meta.app_label in EXEMPT_APPS or model.__name__.startswith("Historical"):
            continue
        points_at_establishment = any(
            getattr(field, "related_model", None) is Establishment
            for field in model._meta.get_fields()
            if field.concrete
        )
        if points_at_establishment and not isinstance(model._default_manager.all(), TenantQuerySet):
            found.append(model)
    return found


@checks.register(checks.Tags.models)
def tenant_scoped_models(app_configs, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{model._meta.label} pointe vers Establishment sans utiliser TenantQuerySet.",
            hint="Héritez de crrc.tenancy.EstablishmentOwned ou utilisez TenantQuerySet.as_manager().",
            obj=model,
            id="crrc.E001",
        )
        for model in unscoped_models(apps.get_models())
    ]
