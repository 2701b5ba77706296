"""Bootstrap rendering for every Django form of the portal, set once through ``FORM_RENDERER``.

Django 5.2+ lets a renderer choose the ``BoundField`` class, so the widget classes (``form-control``,
``form-select``, ``form-check-input``, ``is-invalid``) are added here instead of in every form or template.
Django itself already adds ``aria-invalid`` and ``aria-describedby`` (help text and ``<id>_error``), which
``templates/includes/field.html`` matches with the ids it gives the help text and the error message.
"""

from django import forms
from django.forms.renderers import TemplatesSetting

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)
_SELECT_WIDGETS = (forms.Select, forms.SelectMultiple)


def bootstrap_class(widget: forms.Widget) -> str:
    if isinstance(widget, _CHECK_WIDGETS):
        return "form-check-input"
    if isinstance(widget, _SELECT_WIDGETS):
        return "form-select"
    if isinstance(widget, forms.MultiWidget):
        return ""
    return "form-control"


class BootstrapBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        classes = (widget.attrs.get("class", "") + " " + attrs.get("class", "")).split()
        wanted = bootstrap_class(widget)
        if wanted and wanted not in classes:
            classes.append(wanted)
        if self.errors and "is-invalid" not in classes:
            classes.append("is-invalid")
        if classes:
            attrs["class"] = " ".join(classes)
        return attrs


class BootstrapFormRenderer(TemplatesSetting):
    """Renders with the project's TEMPLATES (so ``templates/includes`` is found; ``django.forms`` is installed
    for the widget templates) and puts Bootstrap classes on every widget."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
    bound_field_class = BootstrapBoundField
