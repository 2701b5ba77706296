"""Checks for every file a user uploads: type by content (not by name), size, emptiness, name and archive bounds.

Any app accepting a file calls ``validate_upload(file, accepted_types, max_bytes)``, or declares the form field as an
``UploadField`` (its ``UploadSpec``: types, size, and a genuine sample when the content matters). The check returns
the detected type and a safe display name, or raises ``ValidationError`` in French.
Files are then stored under MEDIA_ROOT with a random name and served only by views that check access.
"""

import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileType:
    label: str
    extensions: tuple[str, ...]
    mime: str


FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF", (".pdf",), "application/pdf"),
    "png": FileType("PNG", (".png",), "image/png"),
    "jpeg": FileType("JPEG", (".jpg", ".jpeg"), "image/jpeg"),
    "webp": FileType("WebP", (".webp",), "image/webp"),
    "docx": FileType(
        "Word (DOCX)", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": FileType("Excel (XLSX)", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": FileType(
        "PowerPoint (PPTX)", (".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
    "odt": FileType("OpenDocument texte (ODT)", (".odt",), "application/vnd.oasis.opendocument.text"),
    "ods": FileType("OpenDocument tableur (ODS)", (".ods",), "application/vnd.oasis.opendocument.spreadsheet"),
    "csv": FileType("CSV", (".csv",), "text/csv"),
}

# Refused whatever their content claims: executables, scripts, web pages and macro-enabled office files.
DANGEROUS_EXTENSIONS = frozenset(
    {
        ".exe", ".com", ".bat", ".cmd", ".msi", ".scr", ".pif", ".dll", ".sys", ".cpl", ".jar", ".js", ".mjs",
        ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".psm1", ".sh", ".bash", ".py", ".pl", ".php", ".phtml", ".asp",
        ".aspx", ".jsp", ".cgi", ".htm", ".html", ".xhtml", ".svg", ".hta", ".lnk", ".reg", ".iso", ".img",
        ".docm", ".xlsm", ".pptm", ".dotm", ".xltm", ".apk", ".app", ".dmg", ".deb", ".rpm",
    }
)  # fmt: skip

MAX_NAME_LENGTH = 150
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_OOXML_ROOTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
# Windows reserved device names, refused as a file stem.
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


# Archive bounds (ODS/XLSX/DOCX… are zip files): a 400 KB ODS whose ``mimetype`` entry inflated to 400 MB was
# accepted (issue 9). Declared sizes are checked before anything is read; Python's zipfile then never inflates an
# entry past its declared size (a lying header ends in a CRC error), so the declared sizes bound the memory used.
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Below this size an entry may compress as much as it likes (a blank style sheet is mostly spaces).
RATIO_FREE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ArchiveBounds:
    max_entries: int = MAX_ARCHIVE_ENTRIES
    max_entry_bytes: int = MAX_ENTRY_BYTES
    max_total_bytes: int = MAX_ARCHIVE_BYTES
    max_ratio: int = MAX_COMPRESSION_RATIO


DEFAULT_BOUNDS = ArchiveBounds()


def _archive_too_large() -> ValidationError:
    return ValidationError(
        _(
            "Ce fichier compressé se décompresse en un volume anormalement grand (possible « bombe zip ») : il est "
            "refusé. Enregistrez le document à nouveau depuis votre logiciel et déposez-le."
        ),
        code="archive_bomb",
    )


def check_archive(file, bounds: ArchiveBounds = DEFAULT_BOUNDS) -> list[zipfile.ZipInfo]:
    """Refuse an archive whose entries, declared sizes or compression ratios exceed ``bounds``; return its entries.

    ``file`` is a binary file object or bytes. Raises ``ValidationError`` in French (damaged archive, bomb).
    """
    import io

    stream = io.BytesIO(file) if isinstance(file, bytes | bytearray) else file
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ValidationError(
            _("Le fichier est endommagé : son contenu compressé ne peut pas être lu. Enregistrez-le à nouveau."),
            code="archive_damaged",
        ) from exc
    finally:
        if not isinstance(file, bytes | bytearray):
            file.seek(0)
    if len(infos) > bounds.max_entries:
        raise _archive_too_large()
    total = 0
    for info in infos:
        total += info.file_size
        ratio_applies = info.file_size > RATIO_FREE_BYTES
        if (
            info.file_size > bounds.max_entry_bytes
            or total > bounds.max_total_bytes
            or (ratio_applies and info.file_size > bounds.max_ratio * max(info.compress_size, 1))
        ):
            raise _archive_too_large()
    return infos


def read_entry(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read one entry, never more than ``limit`` bytes (whatever its header says)."""
    with archive.open(name) as entry:
        return entry.read(limit)


def _read_head(file, size: int = 8192) -> bytes:
    file.seek(0)
    head = file.read(size)
    file.seek(0)
    return head


def _detect_zip(file) -> str | None:
    check_archive(file)  # a bomb or a damaged archive is refused here, before any entry is read
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                # OpenDocument macros live in Basic/ (StarBasic) or Scripts/ (Python, JavaScript…).
                if any(name.startswith(("Basic/", "Scripts/")) for name in names):
                    return "macro"
                return _ODF_MIMETYPES.get(read_entry(archive, "mimetype", 100).strip())
            if "[Content_Types].xml" in names:
                for root, kind in _OOXML_ROOTS.items():
                    if any(name.startswith(root) for name in names):
                        # Macro-enabled documents carry a VBA project: refused even under a plain extension.
                        if any(name.lower().endswith("vbaproject.bin") for name in names):
                            return "macro"
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    finally:
        file.seek(0)
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


def detect_type(file) -> str | None:
    """The file type read from the content (magic bytes, zip structure), or None when unrecognised."""
    head = _read_head(file)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(file)
    if _looks_like_text(head) and not head.lstrip().startswith((b"<", b"#!")):
        return "csv"
    return None


def safe_display_name(name: str) -> str:
    """The name as shown to people: no path, no control characters, normalised, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = PurePosixPath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:MAX_NAME_LENGTH]


def check_name(name: str) -> str:
    """Refuse names that hide a path, an executable or a double extension; return the cleaned display name."""
    raw = name or ""
    if "\x00" in raw or "/" in raw or "\\" in raw:
        raise ValidationError(_("Le nom du fichier contient des caractères interdits (chemin ou caractère nul)."))
    cleaned = safe_display_name(raw)
    if not cleaned or cleaned.startswith("."):
        raise ValidationError(_("Le nom du fichier est vide ou commence par un point."))
    if len(raw) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("Le nom du fichier est trop long (%(max)d caractères au plus).") % {"max": MAX_NAME_LENGTH}
        )
    suffixes = [s.lower() for s in PurePosixPath(cleaned).suffixes]
    if not suffixes:
        raise ValidationError(_("Le nom du fichier n'a pas d'extension (.pdf, .docx…)."))
    if any(s in DANGEROUS_EXTENSIONS for s in suffixes):
        raise ValidationError(_("Ce type de fichier est interdit pour des raisons de sécurité (programme ou script)."))
    if _RESERVED.match(PurePosixPath(cleaned).stem.split(".")[0]):
        raise ValidationError(_("Ce nom de fichier est réservé par le système ; renommez-le."))
    return cleaned


@dataclass(frozen=True)
class CheckedUpload:
    file_type: str
    display_name: str
    size: int


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")
    return f"{max(1, size // 1024)} Ko"


def validate_upload(file, accepted_types, max_bytes: int) -> CheckedUpload:
    """Check one uploaded file; raise ``ValidationError`` with a message the applicant understands."""
    accepted = list(accepted_types)
    unknown = [t for t in accepted if t not in FILE_TYPES]
    if unknown or not accepted:
        raise ValueError(f"Unknown accepted types: {unknown or 'none'}")
    display_name = check_name(getattr(file, "name", ""))
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide.") % {"name": display_name})
    if size > max_bytes:
        raise ValidationError(
            _("Le fichier « %(name)s » pèse %(size)s : la limite est de %(max)s.")
            % {"name": display_name, "size": _human_size(size), "max": _human_size(max_bytes)}
        )
    accepted_labels = ", ".join(FILE_TYPES[t].label for t in accepted)
    detected = detect_type(file)
    if detected == "macro":
        raise ValidationError(_("Les documents contenant des macros sont refusés. Enregistrez-le sans macro."))
    if detected not in accepted:
        if detected is None:
            message = _("Le contenu de « %(name)s » n'est pas reconnu. Types acceptés : %(types)s.")
        else:
            message = _(
                "Le contenu de « %(name)s » est un fichier %(detected)s, qui n'est pas accepté ici. "
                "Types acceptés : %(types)s."
            )
        raise ValidationError(
            message
            % {
                "name": display_name,
                "detected": FILE_TYPES[detected].label if detected else "",
                "types": accepted_labels,
            }
        )
    extension = PurePosixPath(display_name).suffix.lower()
    if extension not in FILE_TYPES[detected].extensions:
        raise ValidationError(
            _("L'extension de « %(name)s » ne correspond pas à son contenu (%(detected)s).")
            % {"name": display_name, "detected": FILE_TYPES[detected].label}
        )
    return CheckedUpload(file_type=detected, display_name=display_name, size=size)


@deconstructible
class UploadValidator:
    """Form-field validator wrapping ``validate_upload``."""

    def __init__(self, accepted_types, max_bytes: int) -> None:
        self.accepted_types = tuple(accepted_types)
        self.max_bytes = max_bytes

    def __call__(self, file) -> None:
        validate_upload(file, self.accepted_types, self.max_bytes)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, UploadValidator)
            and self.accepted_types == other.accepted_types
            and self.max_bytes == other.max_bytes
        )


# ---------------------------------------------------------------------------------------------------------------
# The upload spec of a form field: what it accepts, and a genuine example of it
# ---------------------------------------------------------------------------------------------------------------

Sample = Callable[[], tuple[str, bytes]]


@dataclass(frozen=True)
class UploadSpec:
    """What a file field accepts — types by content, a size — and, when the content matters (an import reads rows),
    a genuine file it accepts: ``sample()`` returns ``(filename, bytes)``.

    The sample documents the expected file next to the rule that checks it, and the upload gate
    (``tests/gates/test_security.py``) submits it to prove that the form accepts a genuine file (and refuses the
    same form's disguised one). Without a sample the gate submits a plain file of the first accepted type, which is
    right for attachments.
    """

    types: tuple[str, ...]
    max_bytes: int
    sample: Sample | None = None

    @property
    def accept(self) -> str:
        """The ``accept`` attribute: the browser's file picker offers the accepted types first."""
        extensions = [ext for kind in self.types for ext in FILE_TYPES[kind].extensions]
        return ",".join([*extensions, *(FILE_TYPES[kind].mime for kind in self.types)])


class UploadField(forms.FileField):
    """A file field that carries its ``UploadSpec``: checked by content (``UploadValidator``, or the module's own
    ``check`` when it words its refusals for its file), its types in the input's ``accept`` attribute.

        file = UploadField(types=["xlsx"], max_bytes=2 * 2**20, sample=xlsx.sample_chronogram, label=…)
    """

    def __init__(self, *, types, max_bytes: int, sample: Sample | None = None, check=None, **kwargs) -> None:
        self.upload_spec = UploadSpec(tuple(types), max_bytes, sample)
        unknown = [kind for kind in self.upload_spec.types if kind not in FILE_TYPES]
        if unknown or not self.upload_spec.types:
            raise ValueError(f"Unknown accepted types: {unknown or 'none'}")
        validators = [check or UploadValidator(self.upload_spec.types, max_bytes), *kwargs.pop("validators", ())]
        super().__init__(validators=validators, **kwargs)

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs.setdefault("accept", self.upload_spec.accept)
        return attrs


def upload_spec(field, model_field=None) -> UploadSpec | None:
    """The spec of a form field: its own (``UploadField``), else read from an ``UploadValidator`` on the form field or
    on the model field it edits; None when the field declares none."""
    spec = getattr(field, "upload_spec", None)
    if isinstance(spec, UploadSpec):
        return spec
    for validator in [*getattr(field, "validators", ()), *getattr(model_field, "validators", ())]:
        if isinstance(validator, UploadValidator):
            return UploadSpec(validator.accepted_types, validator.max_bytes)
    return None
