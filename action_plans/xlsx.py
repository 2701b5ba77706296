"""The "outil de suivi du plan d'action": an XLSX file exported to the establishment and imported back.

Why openpyxl directly rather than django-import-export (the project's tool for tabular admin import/export):
the file is a working tool handed to a nursing-home director, so it needs what tablib's XLSX writer cannot express
(drop-down lists for status, priority and owner, a frozen header, column widths, a date format, an instructions
sheet); and the import must go through ``services`` (owner must be an active member, status only along the
workflow, optimistic ``version`` check, history user) with every row validated first and the whole file written in
one transaction or not at all. import-export's row-by-row ``ModelResource`` import and its two-step confirm screen
would bypass those rules or duplicate them. The admin uses this same module (see ``admin.py``), so there is one
round-trip format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from crrc.exports import safe_cell, unescape_cell
from crrc.uploads import ArchiveBounds, check_archive
from crrc.validators import sane_date
from establishments.models import Establishment

from . import selectors, services
from .models import ActionItem
from .workflow import ABANDON, COMPLETE, REOPEN, START, Priority, Status

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 2 * 2**20
MAX_UNCOMPRESSED = 30 * 2**20
MAX_ROWS = 2000
SHEET = "Plan d'action"
LISTS_SHEET = "Listes"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    imported: bool = True


COLUMNS = [
    Column("id", "N° (ne pas modifier)", 12),
    Column("title", "Intitulé de l'action", 45),
    Column("description", "Description", 60),
    Column("priority", "Priorité (P1, P2, P3)", 14),
    Column("status", "Statut", 14),
    Column("progress", "Avancement (%)", 14),
    Column("owner", "Responsable (e-mail)", 32),
    Column("deadline", "Échéance (jj/mm/aaaa)", 16),
    Column("abandon_reason", "Motif d'abandon", 35),
    Column("overdue", "En retard", 18, imported=False),
    Column("source", "Origine", 40, imported=False),
    Column("updated_at", "Dernière modification", 20, imported=False),
    Column("version", "Version (ne pas modifier)", 12),
]
HEADERS = {c.header: c.key for c in COLUMNS}
REQUIRED_HEADERS = [c.header for c in COLUMNS if c.key in {"id", "title", "priority", "status", "owner", "deadline"}]
# The tracking tool is a French document whatever the interface language, so the file reads the same both ways.
FILE_LANGUAGE = "fr"


def _status_by_label() -> dict[str, str]:
    with translation.override(FILE_LANGUAGE):
        return {str(label).lower(): value for value, label in Status.choices} | {v: v for v in Status.values}


def export_filename(establishment: Establishment, today: date) -> str:
    return f"plan-action-{establishment.finess}-{slugify(establishment.name)[:40]}-{today:%Y-%m-%d}.xlsx"


def _status_labels() -> list[str]:
    return [str(label) for label in Status.labels]


def export_plan(establishment: Establishment, items) -> bytes:
    with translation.override(FILE_LANGUAGE):
        return _export_plan(establishment, items)


def _export_plan(establishment: Establishment, items) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    header_fill = PatternFill("solid", fgColor="1F4E79")
    info_fill = PatternFill("solid", fgColor="595959")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill if column.imported else info_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "C2"

    today = timezone.localdate()
    late_fill = PatternFill("solid", fgColor="F8D7DA")
    rows = 0
    for row, item in enumerate(items, start=2):
        rows += 1
        late = item.overdue_on(today)
        values = {
            "id": item.pk,
            "title": item.title,
            "description": item.description,
            "priority": item.priority,
            "status": item.get_status_display(),
            "progress": item.progress,
            "owner": item.owner.email if item.owner else "",
            "deadline": item.deadline,
            "abandon_reason": item.abandon_reason,
            "overdue": _("Oui – %(days)d j") % {"days": (today - item.deadline).days} if late else "",
            "source": " – ".join(filter(None, [item.get_source_kind_display(), item.source_label])),
            "updated_at": timezone.localtime(item.updated_at).replace(tzinfo=None),
            "version": item.version,
        }
        for index, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=row, column=index, value=safe_cell(values[column.key]))
            cell.alignment = Alignment(
                wrap_text=column.key in {"title", "description", "abandon_reason"}, vertical="top"
            )
            if column.key == "deadline":
                cell.number_format = "DD/MM/YYYY"
            elif column.key == "updated_at":
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif column.key == "overdue" and late:
                cell.fill = late_fill
                cell.font = Font(bold=True, color="842029")

    owners = [u.email for u in selectors.owner_choices(establishment)]
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.append([_("Statuts"), _("Priorités"), _("Responsables")])
    for i in range(max(len(owners), len(Status.values), len(Priority.values))):
        lists.append(
            [
                _status_labels()[i] if i < len(Status.values) else None,
                Priority.values[i] if i < len(Priority.values) else None,
                owners[i] if i < len(owners) else None,
            ]
        )
    lists.sheet_state = "hidden"

    last = max(rows + 1, 500)
    col = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}

    def add_validation(key: str, validation: DataValidation, error: str) -> None:
        validation.error = error
        validation.errorTitle = _("Valeur refusée")
        validation.showErrorMessage = True
        validation.allow_blank = True
        sheet.add_data_validation(validation)
        validation.add(f"{col[key]}2:{col[key]}{last}")

    add_validation(
        "status",
        DataValidation(type="list", formula1=f"{LISTS_SHEET}!$A$2:$A${len(Status.values) + 1}"),
        _("Choisissez un statut dans la liste."),
    )
    add_validation("priority", DataValidation(type="list", formula1='"P1,P2,P3"'), _("Choisissez P1, P2 ou P3."))
    if owners:
        add_validation(
            "owner",
            DataValidation(type="list", formula1=f"{LISTS_SHEET}!$C$2:$C${len(owners) + 1}"),
            _("Choisissez un membre de l'établissement dans la liste."),
        )
    add_validation(
        "progress",
        DataValidation(type="whole", operator="between", formula1="0", formula2="100"),
        _("Indiquez un nombre entier entre 0 et 100."),
    )
    add_validation(
        "deadline", DataValidation(type="date", operator="greaterThan", formula1="36526"), _("Indiquez une date.")
    )

    guide = workbook.create_sheet(_("Mode d'emploi"))
    guide.column_dimensions["A"].width = 110
    lines = [
        _("Outil de suivi du plan d'action – %(name)s (FINESS %(finess)s)")
        % {"name": establishment.name, "finess": establishment.finess},
        _("Exporté le %(date)s depuis le portail du %(crrc)s.")
        % {"date": today.strftime("%d/%m/%Y"), "crrc": establishment.region.portal_name},
        "",
        _(
            "Une ligne par action. Complétez ou modifiez les colonnes à fond bleu, "
            "puis importez le fichier sur le portail."
        ),
        _("Ne modifiez pas les colonnes « N° » et « Version » : elles relient chaque ligne à l'action du portail."),
        _("Pour ajouter une action, remplissez une nouvelle ligne en laissant le numéro vide."),
        _("Statut : À faire, En cours, Terminée ou Abandonnée (un motif d'abandon est alors obligatoire)."),
        _("Priorité : P1 (prioritaire), P2 (importante), P3 (à planifier). Avancement : de 0 à 100."),
        _("Responsable : l'adresse e-mail d'un membre de l'établissement inscrit sur le portail."),
        _(
            "Les colonnes à fond gris (En retard, Origine, Dernière modification) sont informatives "
            "et ignorées à l'import."
        ),
        _(
            "À l'import, toutes les lignes sont vérifiées : si une seule est refusée, rien n'est enregistré "
            "et la liste des erreurs s'affiche."
        ),
    ]
    for line in lines:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Import ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


class ImportRefused(Exception):  # noqa: N818 - reads as what happened to the file
    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ParsedRow:
    line: int
    item: ActionItem | None
    values: dict
    version: int | None
    status: str
    abandon_reason: str
    changes: dict = field(default_factory=dict)


def sample_tracker() -> tuple[str, bytes]:
    """A genuine tracker with one new action (no number: the import creates it), in the export's own layout; the
    import form's upload spec offers it as its sample."""
    with translation.override(FILE_LANGUAGE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = SHEET
        sheet.append([column.header for column in COLUMNS])
        values = {"title": _("Tester la restauration des sauvegardes hors ligne"), "priority": Priority.P1,
                  "status": str(Status.TODO.label), "progress": 0}  # fmt: skip
        sheet.append([values.get(column.key, "") for column in COLUMNS])
        buffer = BytesIO()
        workbook.save(buffer)
    return "plan-action.xlsx", buffer.getvalue()


def check_xlsx_upload(upload) -> None:
    """Refuse anything that is not really an XLSX workbook: name, size, then content (zip with the xlsx structure)."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx") or "/" in name or "\\" in name or "\x00" in name:
        raise ValidationError(_("Le fichier doit être un classeur Excel au format .xlsx."), code="extension")
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("Le fichier dépasse %(mb)d Mo : ce n'est pas un fichier de suivi exporté du portail.")
            % {"mb": MAX_BYTES // 2**20},
            code="size",
        )
    try:
        infos = check_archive(upload, ArchiveBounds(max_total_bytes=MAX_UNCOMPRESSED, max_entry_bytes=MAX_UNCOMPRESSED))
    except ValidationError as exc:
        if exc.code == "archive_bomb":
            raise ValidationError(_("Le classeur décompressé est trop volumineux."), code="size") from exc
        raise ValidationError(
            _("Ce fichier n'est pas un classeur Excel (.xlsx) valide, malgré son extension."), code="content"
        ) from exc
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ValidationError(
            _("Ce fichier n'est pas un classeur Excel (.xlsx) valide, malgré son extension."), code="content"
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(_("Les classeurs contenant des macros sont refusés."), code="macro")


def _text(value) -> str:
    value = unescape_cell(value)  # the export escaped formula-like text (crrc.exports)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_int(value, what: str) -> int | None:
    text = _text(value).replace("%", "").strip()
    if not text:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError as exc:
        raise ValueError(_("%(what)s « %(value)s » n'est pas un nombre") % {"what": what, "value": text}) from exc
    if not number.is_integer():
        raise ValueError(_("%(what)s « %(value)s » n'est pas un nombre entier") % {"what": what, "value": text})
    return int(number)


def _parse_date(value) -> date | None:
    day = _read_date(value)
    if day is not None:
        try:
            sane_date(day)
        except ValidationError as exc:
            raise ValueError(
                _("date d'échéance « %(value)s » : %(reason)s")
                % {"value": day.strftime("%d/%m/%Y"), "reason": exc.messages[0]}
            ) from exc
    return day


def _read_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("date d'échéance « %(value)s » illisible (attendu : jj/mm/aaaa)") % {"value": text})


def _status_path(current: str, target: str) -> list[str] | None:
    """The transitions that take an item from ``current`` to ``target`` (None if the workflow has no such path)."""
    if current == target:
        return []
    paths = {
        (Status.TODO, Status.IN_PROGRESS): [START.name],
        (Status.TODO, Status.DONE): [COMPLETE.name],
        (Status.IN_PROGRESS, Status.DONE): [COMPLETE.name],
        (Status.TODO, Status.ABANDONED): [ABANDON.name],
        (Status.IN_PROGRESS, Status.ABANDONED): [ABANDON.name],
        (Status.DONE, Status.IN_PROGRESS): [REOPEN.name],
        (Status.ABANDONED, Status.IN_PROGRESS): [REOPEN.name],
        (Status.ABANDONED, Status.DONE): [REOPEN.name, COMPLETE.name],
        (Status.DONE, Status.ABANDONED): [REOPEN.name, ABANDON.name],
    }
    return paths.get((current, target))


def _read_rows(upload) -> list[tuple[int, dict]]:
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportRefused(_("Le classeur n'a pas pu être lu : il est peut-être endommagé.")) from exc
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, ())]
        missing = [h for h in REQUIRED_HEADERS if h not in header]
        if missing:
            raise ImportRefused(
                _(
                    "Ce fichier n'est pas l'outil de suivi exporté du portail : colonne(s) manquante(s) en ligne 1 : "
                    "%(columns)s."
                )
                % {"columns": ", ".join(f"« {m} »" for m in missing)}
            )
        keys = [HEADERS.get(h) for h in header]
        parsed = []
        for line, values in enumerate(rows, start=2):
            data = {key: value for key, value in zip(keys, values, strict=False) if key}
            if all(_text(v) == "" for k, v in data.items() if k in {c.key for c in COLUMNS if c.imported}):
                continue
            parsed.append((line, data))
            if len(parsed) > MAX_ROWS:
                raise ImportRefused(_("Le fichier contient plus de %(max)d actions.") % {"max": MAX_ROWS})
        return parsed
    finally:
        workbook.close()


def _validate(establishment: Establishment, raw_rows, user) -> list[ParsedRow]:
    items = {
        item.pk: item
        for item in ActionItem.objects.filter(plan__establishment=establishment)
        .select_related("owner")
        .select_for_update(of=("self",))
    }
    owners = {u.email.lower(): u for u in selectors.owner_choices(establishment)}
    errors: list[RowError] = []
    parsed: list[ParsedRow] = []
    seen_ids: dict[int, int] = {}
    status_by_label = _status_by_label()
    for line, data in raw_rows:
        problems: list[str] = []
        item = None
        try:
            item_id = _parse_int(data.get("id"), _("Le numéro"))
        except ValueError as exc:
            problems.append(str(exc))
            item_id = None
        if item_id is not None:
            item = items.get(item_id)
            if item is None:
                problems.append(
                    _("l'action n°%(id)d n'appartient pas au plan d'action de cet établissement") % {"id": item_id}
                )
            elif item_id in seen_ids:
                problems.append(
                    _("l'action n°%(id)d figure déjà en ligne %(line)d") % {"id": item_id, "line": seen_ids[item_id]}
                )
            else:
                seen_ids[item_id] = line
        title = _text(data.get("title"))
        if not title:
            problems.append(_("l'intitulé est obligatoire"))
        elif len(title) > 255:
            problems.append(_("l'intitulé dépasse 255 caractères"))
        priority = _text(data.get("priority")).upper()[:2] or Priority.P2
        if priority not in Priority.values:
            problems.append(
                _("priorité « %(value)s » inconnue (attendu : P1, P2 ou P3)") % {"value": _text(data.get("priority"))}
            )
        status_text = _text(data.get("status")).lower()
        status = status_by_label.get(status_text) if status_text else (item.status if item else Status.TODO)
        if status is None:
            problems.append(
                _("statut « %(value)s » inconnu (attendu : %(choices)s)")
                % {"value": _text(data.get("status")), "choices": ", ".join(_status_labels())}
            )
        try:
            progress = _parse_int(data.get("progress"), _("L'avancement"))
            if progress is not None and not 0 <= progress <= 100:
                problems.append(_("l'avancement doit être compris entre 0 et 100"))
        except ValueError as exc:
            problems.append(str(exc))
            progress = None
        if progress is None:
            progress = item.progress if item else 0
        email = _text(data.get("owner")).lower()
        owner = None
        if email:
            owner = owners.get(email)
            if owner is None:
                problems.append(
                    _("responsable « %(email)s » inconnu : ce n'est pas un membre actif de l'établissement")
                    % {"email": email}
                )
        try:
            deadline = _parse_date(data.get("deadline"))
        except ValueError as exc:
            problems.append(str(exc))
            deadline = None
        reason = _text(data.get("abandon_reason"))
        if status == Status.ABANDONED and not reason and not (item and item.status == Status.ABANDONED):
            problems.append(_("un motif d'abandon est obligatoire pour une action abandonnée"))
        try:
            version = _parse_int(data.get("version"), _("La version"))
        except ValueError as exc:
            problems.append(str(exc))
            version = None
        if status is not None and item is not None and _status_path(item.status, status) is None:
            problems.append(
                _("passage du statut « %(old)s » à « %(new)s » impossible (choisissez « En cours » pour rouvrir)")
                % {"old": item.get_status_display(), "new": Status(status).label}
            )
        if status == Status.DONE:
            progress = 100
        values = {
            "title": title,
            "description": _text(data.get("description")),
            "priority": priority,
            "progress": progress,
            "owner": owner,
            "deadline": deadline,
        }
        row = ParsedRow(line, item, values, version, status, reason)
        if item is not None:
            row.changes = {k: v for k, v in values.items() if getattr(item, k) != v}
            status_changed = status != item.status
            if (row.changes or status_changed) and version is not None and version != item.version:
                problems.append(
                    _(
                        "l'action n°%(id)d a été modifiée sur le portail depuis l'export de ce fichier : "
                        "exportez-le de nouveau pour repartir de la dernière version"
                    )
                    % {"id": item.pk}
                )
        errors.extend(RowError(line, problem) for problem in problems)
        parsed.append(row)
    if errors:
        raise ImportRefused(
            _(
                "Le fichier n'a pas été importé : %(count)d erreur(s). "
                "Corrigez les lignes indiquées puis importez-le de nouveau."
            )
            % {"count": len(errors)},
            errors,
        )
    return parsed


def _apply(establishment: Establishment, row: ParsedRow, user, result: ImportResult) -> None:
    if row.item is None:
        item = services.create_item(establishment, user, **row.values)
        for name in _status_path(Status.TODO, row.status) or []:
            item = services.transition(item, user, name, reason=row.abandon_reason)
        result.created += 1
        return
    item = row.item
    path = _status_path(item.status, row.status) or []
    if not row.changes and not path:
        result.unchanged += 1
        return
    reopening = path[:1] == [REOPEN.name]
    if reopening:
        item = services.transition(item, user, REOPEN.name)
        path = path[1:]
        changes = {k: v for k, v in row.values.items() if getattr(item, k) != v}
    else:
        changes = dict(row.changes)
    if row.status == Status.DONE or item.status == Status.DONE:
        changes.pop("progress", None)
    if changes:
        item = services.update_item(item, user, expected_version=None, **changes)
    for name in path:
        item = services.transition(item, user, name, reason=row.abandon_reason)
    result.updated += 1


def import_plan(establishment: Establishment, upload, user) -> ImportResult:
    """Validate every row, then write them all in one transaction; any refusal writes nothing."""
    try:
        check_xlsx_upload(upload)
    except ValidationError as exc:
        raise ImportRefused(exc.messages[0]) from exc
    raw_rows = _read_rows(upload)
    result = ImportResult()
    with translation.override(FILE_LANGUAGE), transaction.atomic():
        rows = _validate(establishment, raw_rows, user)
        for row in rows:
            try:
                _apply(establishment, row, user, result)
            except services.ActionPlanError as exc:
                raise ImportRefused(
                    _("Le fichier n'a pas été importé : une ligne a été refusée."),
                    [RowError(row.line, exc.messages[0])],
                ) from exc
    return result
