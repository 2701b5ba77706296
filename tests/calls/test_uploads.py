import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crrc.uploads import check_name, detect_type, validate_upload

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
MB = 1024 * 1024


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
DOCM = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\x00macro"})


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PDF, "pdf"), (PNG, "png"), (JPEG, "jpeg"), (DOCX, "docx"), (XLSX, "xlsx"), (ODT, "odt"), (b"MZ\x90\x00", None)],
)
def test_type_is_detected_from_content(content, expected):
    assert detect_type(io.BytesIO(content)) == expected


def test_accepted_file_returns_type_and_clean_name():
    checked = validate_upload(upload("Grille d'auto-évaluation.pdf", PDF), ["pdf"], MB)
    assert (checked.file_type, checked.display_name, checked.size) == ("pdf", "Grille d'auto-évaluation.pdf", len(PDF))


def test_renamed_executable_is_refused_by_content():
    with pytest.raises(ValidationError, match="n'est pas reconnu"):
        validate_upload(upload("bon-de-commande.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60), ["pdf"], MB)


def test_content_of_another_accepted_kind_is_refused():
    with pytest.raises(ValidationError, match="Word \\(DOCX\\), qui n'est pas accepté"):
        validate_upload(upload("lettre.pdf", DOCX), ["pdf"], MB)


def test_extension_must_match_content():
    with pytest.raises(ValidationError, match="ne correspond pas"):
        validate_upload(upload("lettre.docx", PDF), ["pdf", "docx"], MB)


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="est vide"):
        validate_upload(upload("vide.pdf", b""), ["pdf"], MB)


def test_too_large_file_is_refused_with_sizes():
    with pytest.raises(ValidationError, match="la limite est de 1,0 Mo"):
        validate_upload(upload("gros.pdf", PDF + b"0" * MB), ["pdf"], MB)


@pytest.mark.parametrize(
    "name",
    [
        "facture.pdf.exe",
        "script.js",
        "page.html",
        "dossier\\x.pdf",
        ".htaccess",
        "sansextension",
        "con.pdf",
        "a\x00.pdf",
    ],
)
def test_dangerous_names_are_refused(name):
    with pytest.raises(ValidationError):
        validate_upload(upload("x.pdf", PDF).__class__(name, PDF), ["pdf"], MB)


def test_macro_documents_are_refused():
    with pytest.raises(ValidationError, match="macros"):
        validate_upload(upload("lettre.docx", DOCM), ["docx"], MB)


def test_office_formats_pass_when_accepted():
    assert validate_upload(upload("tableau.xlsx", XLSX), ["xlsx"], MB).file_type == "xlsx"
    assert validate_upload(upload("note.odt", ODT), ["odt", "pdf"], MB).file_type == "odt"


def test_path_in_name_is_refused():
    # Django's UploadedFile already strips directories; the validator refuses them for any other caller.
    with pytest.raises(ValidationError, match="chemin"):
        check_name("../../etc/passwd.pdf")
