"""System check: every model holding a foreign key to Establishment must be tenant-scoped."""

from django.apps import apps
from django.core import checks

EXEMPT_APPS = {"establishments", "simple_history"}


@checks.register(checks.Tags.models)
def tenant_scoped_models(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from crrc.tenancy import TenantQuerySet
    from establishments.models import Establishment

    errors = []
    for model in apps.get_models():
        if model._meta.app_label in EXEMPT_APPS or model.__name__.startswith("Historical"):
            continue
        points_at_establishment = any(
            getattr(field, "related_model", None) is Establishment
            for field in model._meta.get_fields()
            if field.concrete
        )
        if points_at_establishment and not isinstance(model._default_manager.all(), TenantQuerySet):
            errors.append(
                checks.Error(
                    f"{model._meta.label} pointe vers Establishment sans utiliser TenantQuerySet.",
                    hint="Héritez de crrc.tenancy.EstablishmentOwned ou utilisez TenantQuerySet.as_manager().",
                    obj=model,
                    id="crrc.E001",
                )
            )
    return errors
