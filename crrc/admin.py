"""Region scoping for the Django admin: CRRC staff only ever see, and only ever attach data to, their region.

Every ``ModelAdmin`` of tenant data (establishments, memberships, and later applications, assessments, action
plans…) inherits ``RegionScopedAdminMixin`` and says how its rows reach a region::

    @admin.register(Assessment)
    class AssessmentAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
        region_lookup = "establishment__region"          # one path…
        # region_lookup = ("establishment__region", "organisation__region")   # …or several (OR)

What it does, for anyone who is not a superuser:

* ``get_queryset`` keeps rows whose ``region_lookup`` is one of the user's CRRC regions (active ``StaffAssignment``
  of kind ``crrc_staff``). Changelists, change views, actions, exports, autocompletes and the history pages
  all go through it: another region's object is "not found" (the admin redirects with a message, or 404).
* Foreign-key and many-to-many choices are limited the same way, by reusing the scoping of the related model's own
  admin (any admin registered with this mixin), so a form cannot attach a row to another region's establishment.
* List filters on a relation (``"region"``, ``"call"``, ``"establishment__department"``…) offer only the related
  rows the user's regions reach: an Occitanie officer's filter lists Occitanie's departments, not France's.
* simple-history's history pages (which otherwise fall back to the history table) answer 404 outside the scope,
  and their "changes" column shows labels (« En cours → Terminée »), not stored values (``in_progress → done``).

File fields of these admins and of their inlines show the stored file's name without a link
(``PrivateFileWidget``): media are private (``MEDIA_URL`` is None, files are served by access-checking views), so
the stock widget's ``file.url`` answered 500 on every change page with a file (a demo call's document template).

Superusers see everything. ARS reviewers have no ``StaffAssignment`` of kind ``crrc_staff``, hence no admin rows
(and no model permissions: they use the read-only dashboards). Model permissions come from the "Équipe CRRC"
group, which ``establishments.staffing`` keeps in sync with staff assignments.
"""

from django import forms
from django.contrib.admin import RelatedFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from simple_history.template_utils import HistoricalRecordContextHelper

from establishments.models import Region
from establishments.selectors import crrc_staff_regions

from .validators import sane_date

_REQUEST_CACHE_ATTR = "_crrc_admin_regions"


def admin_regions(request) -> QuerySet[Region] | None:
    """Regions the admin user may manage, or None when unrestricted (superuser). Cached on the request."""
    user = request.user
    if user.is_superuser:
        return None
    cached = getattr(request, _REQUEST_CACHE_ATTR, None)
    if cached is None:
        cached = list(crrc_staff_regions(user).values_list("pk", flat=True))
        setattr(request, _REQUEST_CACHE_ATTR, cached)
    return Region.objects.filter(pk__in=cached)


class PrivateFileWidget(AdminFileWidget):
    """The admin's file input for private media: the current file by name, no link to a ``file.url``."""

    template_name = "admin/widgets/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))


def _private_files(admin_or_inline) -> None:
    overrides = dict(admin_or_inline.formfield_overrides)
    overrides[models.FileField] = {**overrides.get(models.FileField, {}), "widget": PrivateFileWidget}
    admin_or_inline.formfield_overrides = overrides


class LabelledHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's change list with each choice's label, « Oui »/« Non » and « — » for an empty value."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if getattr(field, "flatchoices", None) and not isinstance(value, list):
            return dict(field.flatchoices).get(value, value)
        if isinstance(field, models.BooleanField):
            return _("Oui") if value else _("Non")
        if value in (None, ""):
            return "—"
        return super().prepare_delta_change_value(change, value)


def _scoped_choices(filter_, field, request, model_admin, base_choices):
    """Keep the related rows the related model's own scoped admin lets this user see."""
    regions = admin_regions(request)
    related_admin = model_admin.admin_site._registry.get(field.remote_field.model)
    if regions is None or not isinstance(related_admin, RegionScopedAdminMixin):
        return base_choices
    visible = related_admin.scope_queryset(field.remote_field.model._default_manager.all(), request)
    ordering = filter_.field_admin_ordering(field, request, model_admin)
    return field.get_choices(include_blank=False, limit_choices_to={"pk__in": visible.values("pk")}, ordering=ordering)


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """A relation's list filter offering only the related rows of the user's regions."""

    def field_choices(self, field, request, model_admin):
        scoped = _scoped_choices(self, field, request, model_admin, None)
        return super().field_choices(field, request, model_admin) if scoped is None else scoped


class ScopedRelatedOnlyFieldListFilter(RelatedOnlyFieldListFilter):
    """``RelatedOnlyFieldListFilter`` (related rows in use) intersected with the user's regions."""

    def field_choices(self, field, request, model_admin):
        in_use = super().field_choices(field, request, model_admin)
        scoped = _scoped_choices(self, field, request, model_admin, None)
        if scoped is None:
            return in_use
        allowed = {pk for pk, _label in scoped}
        return [(pk, label) for pk, label in in_use if pk in allowed]


def _with_sane_date(formfield, db_field, exempt: tuple[str, ...]):
    is_date = isinstance(formfield, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField)
    if is_date and db_field.name not in exempt and sane_date not in formfield.validators:
        formfield.validators.append(sane_date)
    return formfield


def _sane_dates(inline) -> None:
    """Give an inline of a scoped admin the sane date window, whatever class it derives from."""
    if isinstance(inline, SaneDatesAdminMixin) or getattr(inline, "_sane_dates", False):
        return
    original = inline.formfield_for_dbfield
    exempt = tuple(getattr(inline, "historical_date_fields", ()))

    def formfield_for_dbfield(db_field, request, **kwargs):
        return _with_sane_date(original(db_field, request, **kwargs), db_field, exempt)

    inline.formfield_for_dbfield = formfield_for_dbfield
    inline._sane_dates = True


class SaneDatesAdminMixin:
    """Admins and inlines: every date typed falls in the sane window of ``crrc.validators.sane_date``.

    ``RegionScopedAdminMixin`` includes it and extends it to its inlines.
    """

    # Date fields recording the past as it was (a FINESS opening date of 1972), exempt from the sane window.
    historical_date_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        return _with_sane_date(formfield, db_field, tuple(self.historical_date_fields))


class RegionScopedAdminMixin(SaneDatesAdminMixin):
    """Limit an admin's rows and relation choices to the requesting CRRC staff member's regions."""

    # Lookup path(s) from the model to its Region: "region", "establishment__region", ("a__region", "b__region").
    region_lookup: str | tuple[str, ...] = "region"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _private_files(self)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            _private_files(inline)
            _sane_dates(inline)
        return inlines

    def _region_lookups(self) -> tuple[str, ...]:
        return (self.region_lookup,) if isinstance(self.region_lookup, str) else tuple(self.region_lookup)

    def scope_queryset(self, queryset: QuerySet, request) -> QuerySet:
        regions = admin_regions(request)
        if regions is None:
            return queryset
        condition = Q()
        for lookup in self._region_lookups():
            condition |= Q(**{f"{lookup}__in": regions}) if lookup != "pk" else Q(pk__in=regions)
        # A path through a to-many relation would duplicate rows: filter by primary key through a subquery.
        matching = queryset.model._base_manager.filter(condition).values("pk")
        return queryset.filter(pk__in=matching)

    def get_queryset(self, request) -> QuerySet:
        return self.scope_queryset(super().get_queryset(request), request)

    def get_list_filter(self, request):
        """Relation filters (plain names or Django's related filters) become their region-scoped versions."""
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                try:
                    field = get_fields_from_path(self.model, entry)[-1]
                except FieldDoesNotExist:
                    field = None
                if field is not None and field.is_relation and field.remote_field is not None:
                    entry = (entry, ScopedRelatedFieldListFilter)
            elif isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], type):
                if issubclass(entry[1], RelatedOnlyFieldListFilter):
                    entry = (entry[0], ScopedRelatedOnlyFieldListFilter)
                elif issubclass(entry[1], RelatedFieldListFilter):
                    entry = (entry[0], ScopedRelatedFieldListFilter)
            scoped.append(entry)
        return scoped

    def _scope_related(self, formfield, db_field, request):
        if formfield is None or not hasattr(formfield, "queryset"):
            return formfield
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, RegionScopedAdminMixin):
            formfield.queryset = related_admin.scope_queryset(formfield.queryset, request)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._scope_related(formfield, db_field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._scope_related(formfield, db_field, request)

    def _require_in_scope(self, request, object_id) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404

    def get_historical_record_context_helper(self, request, historical_record):
        return LabelledHistoryHelper(self.model, historical_record)

    # simple-history falls back to the history table for objects get_queryset() hides: close that door.
    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
