"""System checks: every model holding a foreign key to Establishment must be tenant-scoped (E001), no
admin form may edit a workflow state field outside the kit (E002), and every admin import reads its files through
the bounded formats of ``crrc.importing`` (E003).

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


def editable_state_fields(site=None) -> list[tuple[str, str]]:
    """(admin, field) pairs where an admin form could change a workflow's state field outside the kit."""
    from django.contrib import admin

    from crrc.workflow import registered_workflows

    site = site or admin.site
    found = []
    for workflow in registered_workflows():
        model = workflow.model
        admins = [model_admin for registered, model_admin in site._registry.items() if registered is model]
        for model_admin in site._registry.values():
            admins += [inline(model_admin.model, site) for inline in model_admin.inlines if inline.model is model]
        for model_admin in admins:
            field = workflow.state_field
            try:
                readonly = set(model_admin.get_readonly_fields(None))
            except Exception:  # an override that needs a real request: fall back to the declaration
                readonly = set(model_admin.readonly_fields)
            excluded = set(model_admin.exclude or ())
            declared = model_admin.fields
            if declared is None and model_admin.fieldsets:
                declared = [options.get("fields", ()) for _name, options in model_admin.fieldsets]
            hidden = field in excluded or (declared is not None and field not in _flatten(declared))
            if field in getattr(model_admin, "list_editable", ()) or not (field in readonly or hidden):
                found.append((f"{type(model_admin).__module__}.{type(model_admin).__qualname__}", field))
    return found


def _flatten(fields) -> set[str]:
    flat = set()
    for item in fields:
        flat |= _flatten(item) if isinstance(item, list | tuple) else {item}
    return flat


@checks.register(checks.Tags.admin)
def workflow_state_read_only(app_configs, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{admin_name} permet de modifier le champ d'état « {field} » hors du kit de workflow.",
            hint="Héritez de crrc.workflow_admin.WorkflowAdminMixin ou ajoutez le champ à readonly_fields.",
            obj=admin_name,
            id="crrc.E002",
        )
        for admin_name, field in editable_state_fields()
    ]


def unbounded_admin_imports(site=None) -> list[tuple[str, str]]:
    """(admin, format) pairs where an admin import would read a file without ``crrc.importing``'s bounds."""
    from django.contrib import admin
    from import_export.admin import ImportMixin

    from crrc.importing import unbounded_import_formats

    site = site or admin.site
    return [
        (f"{type(model_admin).__module__}.{type(model_admin).__qualname__}", format_name)
        for model_admin in site._registry.values()
        if isinstance(model_admin, ImportMixin)
        for format_name in unbounded_import_formats(model_admin)
    ]


@checks.register(checks.Tags.admin)
def admin_imports_bounded(app_configs, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{admin_name} importe avec le format {format_name}, qui lit les fichiers sans bornes (bombe zip, "
            "fichier endommagé, macros).",
            hint="Laissez settings.IMPORT_FORMATS s'appliquer, ou dérivez le format de "
            "crrc.importing.BoundedImportFormat.",
            obj=admin_name,
            id="crrc.E003",
        )
        for admin_name, format_name in unbounded_admin_imports()
    ]
