"""Every admin import reads through ``crrc.importing``: bounded, French, whatever module registers it.

The gate ``tests/gates/test_security_wave2.py`` feeds bombs and damaged archives to each format; here each admin
import *page* is posted a damaged file and must answer in French next to the file field, and an admin that brings
its own unbounded format stops the system check."""

import io
import zipfile

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.admin import ImportMixin
from import_export.formats import base_formats

from accounts.models import User
from crrc.checks import admin_imports_bounded, unbounded_admin_imports
from crrc.importing import SAFE_IMPORT_FORMATS, ImportRefused, SafeImportCSV, SafeImportXLSX

from .test_admin_walk import admin_client

pytestmark = pytest.mark.django_db

DAMAGED = {
    "xlsx": b"PK\x03\x04" + b"\x00" * 100,
    "ods": b"PK\x03\x04" + b"\x00" * 100,
    "csv": "Hôpital".encode("cp1252"),
}


def _import_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ImportMixin)
    ]


@pytest.fixture
def superuser():
    return User.objects.create_superuser(email="admin@example.org", password="x")


def test_every_admin_import_page_refuses_a_damaged_file_in_french(superuser):
    client = admin_client(superuser)
    checked = []
    for model, _model_admin in _import_admins():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import")
        page = client.get(url)
        if page.status_code == 403:  # an admin that exports only (has_import_permission is False)
            continue
        form = page.context["form"]
        for value, label in form.fields["format"].choices:
            kind = str(label).lower()
            if kind not in DAMAGED:
                continue
            upload = SimpleUploadedFile(f"fichier.{kind}", DAMAGED[kind])
            data = {"format": value, "import_file": upload}
            if "resource" in form.fields:
                data["resource"] = "0"
            response = client.post(url, data)
            errors = " ".join(response.context["form"].errors.get("import_file", []))
            assert errors, f"{model._meta.label} accepted a damaged {kind}"
            assert "encountered" not in errors and "Error" not in errors, errors
            assert any(word in errors for word in ("endommagé", "UTF-8", "illisible")), errors
            checked.append(f"{model._meta.label}:{kind}")
    # The FINESS import and the offers module's imports (subscriptions, providers, price items, orders) at least.
    assert {"establishments.Establishment:xlsx", "offers.Provider:xlsx", "offers.Provider:ods"} <= set(checked)


def test_the_admins_without_their_own_formats_get_the_bounded_ones():
    for _model, model_admin in _import_admins():
        assert model_admin.get_import_formats(), type(model_admin)
    assert unbounded_admin_imports() == []
    assert admin_imports_bounded(None) == []


def test_an_admin_importing_with_an_unbounded_format_stops_the_system_check():
    from offers.models import Provider

    class CarelessAdmin(ImportMixin, admin.ModelAdmin):
        import_formats = [base_formats.CSV, base_formats.XLSX, *SAFE_IMPORT_FORMATS]

    site = admin.AdminSite(name="careless")
    site.register(Provider, CarelessAdmin)
    found = unbounded_admin_imports(site)
    assert [name for _admin, name in found] == [
        "import_export.formats.base_formats.CSV",
        "import_export.formats.base_formats.XLSX",
    ]


def _xlsx(rows) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_genuine_workbook_is_read_and_escaped_cells_come_back_as_typed():
    dataset = SafeImportXLSX().create_dataset(_xlsx([["nom", "note"], ["'=1+1", "ok"], [None, None], ["B", 2]]))
    assert dataset.headers == ["nom", "note"]
    assert list(dataset) == [("=1+1", "ok"), ("B", 2)]
    assert list(SafeImportCSV().create_dataset("nom,note\n'@x,1\n")) == [("@x", "1")]


def test_workbooks_past_the_bounds_or_with_macros_are_refused():
    class Small(SafeImportXLSX):
        max_rows = 2

    with pytest.raises(ImportRefused, match="découpez"):
        Small().create_dataset(_xlsx([["a"], [1], [2], [3]]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", b"\0" * 10)
    with pytest.raises(ImportRefused, match="macros"):
        SafeImportXLSX().create_dataset(buffer.getvalue())
    # A zip that is not a workbook (openpyxl's "File contains no valid workbook part").
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    with pytest.raises(ImportRefused, match="endommagé"):
        SafeImportXLSX().create_dataset(buffer.getvalue())
