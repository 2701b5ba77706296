"""django-import-export's admin export page in the portal's words: each selectable field is labelled with the
model field's French ``verbose_name`` (« Raison sociale (rs) »), not its Python name (« Name (rs) »).

``CrrcApp.ready()`` makes ``VerboseExportForm`` the export form of every admin using ``ExportMixin``.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from import_export.forms import SelectableFieldsExportForm


class VerboseExportForm(SelectableFieldsExportForm):
    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        attribute = (getattr(field, "attribute", None) or field_name).split("__")[0]
        model = getattr(resource._meta, "model", None)
        try:
            label = model._meta.get_field(attribute).verbose_name if model else attribute.replace("_", " ")
        except FieldDoesNotExist:
            label = attribute.replace("_", " ")
        label = capfirst(str(label))
        column = getattr(field, "column_name", None)
        return f"{label} ({column})" if column and column != field_name else label
