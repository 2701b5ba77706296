"""The upload spec a form field carries (``crrc.uploads``): the types in ``accept``, the check by content, and the
sample — which must be a file its own field accepts, for every form that declares one."""

import importlib

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from crrc.uploads import FILE_TYPES, UploadField, UploadSpec, UploadValidator, upload_spec

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"This program cannot be run in DOS mode.\r\n" * 4


class _Form(forms.Form):
    file = UploadField(types=["csv", "xlsx"], max_bytes=1024, sample=lambda: ("a.csv", b"email\na@example.org\n"))


def test_the_field_renders_its_types_and_checks_the_content():
    html = str(_Form()["file"])
    assert 'accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"' in html
    form = _Form(files={"file": SimpleUploadedFile("liste.csv", EXE)})
    assert not form.is_valid() and "n'est pas reconnu" in form.errors["file"][0]
    assert _Form(files={"file": SimpleUploadedFile(*_Form.base_fields["file"].upload_spec.sample())}).is_valid()


def test_a_module_check_replaces_the_generic_one_and_unknown_types_are_refused():
    def check(upload):
        raise forms.ValidationError("refusé par le module")

    class Checked(forms.Form):
        file = UploadField(types=["pdf"], max_bytes=10, check=check)

    form = Checked(files={"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")})
    assert not form.is_valid() and form.errors["file"] == ["refusé par le module"]
    with pytest.raises(ValueError):
        UploadField(types=["exe"], max_bytes=10)


def test_the_spec_is_read_from_the_field_or_from_an_upload_validator():
    assert upload_spec(_Form.base_fields["file"]).types == ("csv", "xlsx")
    plain = forms.FileField(validators=[UploadValidator(["pdf"], 5)])
    assert upload_spec(plain) == UploadSpec(("pdf",), 5)
    from offers.models import OfferDocument

    model_field = next(
        f for f in OfferDocument._meta.fields if any(isinstance(v, UploadValidator) for v in f.validators)
    )
    assert upload_spec(forms.FileField(), model_field).types
    assert upload_spec(forms.FileField()) is None


def _declared_upload_fields():
    """Every ``UploadField`` declared on a form of the project's apps (``<app>/forms.py``)."""
    for config in apps.get_app_configs():
        if not config.path.startswith(str(apps.get_app_config("crrc").path).rsplit("/", 1)[0]):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for form_class in vars(module).values():
            if isinstance(form_class, type) and issubclass(form_class, forms.BaseForm):
                for name, field in getattr(form_class, "base_fields", {}).items():
                    if isinstance(field, UploadField):
                        yield f"{config.name}.{form_class.__name__}.{name}", field


@pytest.mark.django_db
def test_every_declared_sample_is_accepted_by_its_own_field():
    checked = []
    for where, field in _declared_upload_fields():
        spec = field.upload_spec
        if spec.sample is None:
            continue
        filename, content = spec.sample()
        assert any(filename.endswith(FILE_TYPES[kind].extensions) for kind in spec.types), where
        field.clean(SimpleUploadedFile(filename, content))  # raises ValidationError if the sample is not genuine
        checked.append(where)
    assert {
        "awareness.TableUploadForm.file",
        "action_plans.ImportForm.file",
        "exercises.ChronogramImportForm.file",
    } <= set(checked)
