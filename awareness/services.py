"""Every write of the awareness module, each in ``transaction.atomic``, bad input → French ``ValidationError``.

Imports read a ``tabular.Table`` (from an upload checked by ``crrc.uploads`` or from a path for the commands),
check every row, report each rejected one with its line and reason, and write the accepted rows in one
transaction: a file is never half-imported. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from establishments.models import Establishment

from .choices import EnrolmentSource, EventKind, ImportKind, ModuleKind
from .models import (
    Campaign,
    CampaignRequest,
    Enrolment,
    ImportRun,
    Learner,
    Module,
    ModuleResult,
    PhishingEvent,
    PhishingResult,
    PhishingTemplate,
    Programme,
    Retraining,
)
from .tabular import Table

# --- Enrolment --------------------------------------------------------------------------------------------------


def current_programme(establishment: Establishment, today: date | None = None) -> Programme | None:
    year = (today or timezone.localdate()).year
    return Programme.objects.filter(region_id=establishment.region_id, year=year).first()


def enrol(
    establishment: Establishment, programme: Programme, by=None, source: str = EnrolmentSource.DIRECT
) -> Enrolment:
    """Enrol (or re-enrol) the establishment; enrolling twice hands back the same enrolment."""
    if programme.region_id != establishment.region_id:
        raise ValidationError(
            _("Ce programme est celui d'une autre région : l'établissement ne peut pas s'y inscrire.")
        )
    if source not in EnrolmentSource.values:
        raise ValidationError(_("Origine d'inscription inconnue."))
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update().filter(establishment=establishment, programme=programme).first()
        )
        if enrolment is None:
            return Enrolment.objects.create(
                establishment=establishment, programme=programme, source=source, enrolled_by=by
            )
        if not enrolment.is_active:
            enrolment.is_active, enrolment.withdrawn_at = True, None
            enrolment.source, enrolment.enrolled_by, enrolment.enrolled_at = source, by, timezone.now()
            enrolment.save()
        return enrolment


def withdraw(enrolment: Enrolment, by=None) -> Enrolment:
    """Leave the programme; learners and results are kept."""
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.is_active:
            enrolment.is_active, enrolment.withdrawn_at = False, timezone.now()
            enrolment.save()
    return enrolment


def record_staff_information(enrolment: Enrolment, by, informed_on: date, text: str) -> Enrolment:
    """The establishment informed its staff of the use of their data: the date and the text used."""
    errors = {}
    if informed_on is None:
        errors["informed_on"] = _("Indiquez la date à laquelle les personnels ont été informés.")
    elif informed_on > timezone.localdate():
        errors["informed_on"] = _("La date d'information ne peut pas être dans le futur.")
    if not (text or "").strip():
        errors["text"] = _("Collez le texte utilisé pour informer les personnels.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        enrolment.staff_informed_on, enrolment.staff_information_text = informed_on, text.strip()
        enrolment.staff_informed_by = by
        enrolment.save()
    return enrolment


# --- Import reports --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    trapped: int = 0
    reported: int = 0
    errors: int = 0
    rejected: list[RowError] = field(default_factory=list)
    file_format: str = ""
    run: ImportRun | None = None

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(RowError(line, reason))

    @property
    def summary(self) -> str:
        """The last line printed by the commands."""
        if self.kind == ImportKind.LEARNERS:
            return (
                f"created {self.created}, updated {self.updated}, deactivated {self.deactivated}, "
                f"rejected {len(self.rejected)}"
            )
        if self.kind == ImportKind.PHISHING:
            return (
                f"imported {self.created}, updated {self.updated}, rejected {len(self.rejected)}; "
                f"trapped {self.trapped}, reported {self.reported}, errors {self.errors}"
            )
        return f"imported {self.created}, updated {self.updated}, rejected {len(self.rejected)}"

    def counts(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "rejected": len(self.rejected),
            "trapped": self.trapped,
            "reported": self.reported,
            "errors": self.errors,
        }


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _missing_columns(table: Table, names: Iterable[str]) -> ValidationError:
    found = ", ".join(f"« {h} »" for h in table.headers if h) or _("aucune")
    return ValidationError(
        {
            "file": _("Colonne(s) obligatoire(s) introuvable(s) : %(missing)s. Colonnes du fichier : %(found)s.")
            % {"missing": ", ".join(names), "found": found}
        }
    )


def _email(value: str) -> tuple[str, str | None]:
    email = (value or "").strip().strip("<>").lower()
    if not email:
        return "", _("adresse e-mail manquante")
    try:
        validate_email(email)
    except ValidationError:
        # The value is not repeated: the report may be read by CRRC staff, who never see a learner's address.
        return email, _("adresse e-mail invalide")
    return email, None


# --- Learners ---------------------------------------------------------------------------------------------------

LEARNER_COLUMNS = {
    "email": ("email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse mail", "adresse électronique",
              "adresse de messagerie"),
    "last_name": ("nom", "nom de famille", "last name", "lastname"),
    "first_name": ("prénom", "first name", "firstname"),
    "service": ("service", "position", "département", "unité", "pôle"),
}  # fmt: skip


def import_learners(establishment: Establishment, table: Table, *, by=None, filename: str = "", file_digest: str = ""):
    """Create, update and deactivate the establishment's learners from its staff list. Atomic.

    The file is the whole list: an active learner absent from it has left and is deactivated (never deleted,
    their results stay). A file without any valid row is refused whole, so a wrong file cannot deactivate everyone.
    """
    columns = table.columns(LEARNER_COLUMNS)
    if "email" not in columns:
        raise _missing_columns(table, [_("adresse e-mail (email, courriel…)")])
    report = ImportReport(ImportKind.LEARNERS, file_format=table.file_format)
    wanted: dict[str, dict] = {}
    for line, record in table.records(columns):
        email, problem = _email(record.get("email", ""))
        if problem:
            report.reject(line, problem)
            continue
        merged = wanted.setdefault(email, {"last_name": "", "first_name": "", "service": ""})
        for key in ("last_name", "first_name", "service"):
            value = record.get(key, "")[:150]
            if value:
                merged[key] = value
    if not wanted:
        raise ValidationError({"file": _("Aucune ligne valide : rien n'a été importé.")})
    now = timezone.now()
    with transaction.atomic():
        Establishment.objects.select_for_update().filter(pk=establishment.pk).first()
        existing = {learner.email: learner for learner in Learner.objects.filter(establishment=establishment)}
        to_create, to_update = [], []
        for email, values in wanted.items():
            learner = existing.get(email)
            if learner is None:
                to_create.append(
                    Learner(establishment=establishment, email=email, created_at=now, updated_at=now, **values)
                )
                continue
            changed = not learner.is_active or any(values[k] and getattr(learner, k) != values[k] for k in values)
            if changed:
                for key, value in values.items():
                    if value:
                        setattr(learner, key, value)
                learner.is_active, learner.deactivated_at, learner.updated_at = True, None, now
                to_update.append(learner)
        gone = [learner for email, learner in existing.items() if learner.is_active and email not in wanted]
        for learner in gone:
            learner.is_active, learner.deactivated_at, learner.updated_at = False, now, now
        Learner.objects.bulk_create(to_create, batch_size=2000)
        Learner.objects.bulk_update(
            to_update + gone,
            ["last_name", "first_name", "service", "is_active", "deactivated_at", "updated_at"],
            batch_size=2000,
        )
        report.created, report.updated, report.deactivated = len(to_create), len(to_update), len(gone)
        report.run = ImportRun.objects.create(
            establishment=establishment, kind=ImportKind.LEARNERS, filename=filename[:200], digest=file_digest,
            file_format=table.file_format, counts=report.counts(), imported_by=by,
        )  # fmt: skip
    return report


# --- Phishing results -------------------------------------------------------------------------------------------

RESULTS_COLUMNS = {
    "id": ("id",),
    "status": ("status",),
    "send_date": ("send_date",),
    "reported": ("reported",),
    "email": ("email",),
    "position": ("position",),
}
EVENTS_COLUMNS = {
    "campaign_id": ("campaign_id",),
    "email": ("email",),
    "time": ("time",),
    "message": ("message",),
}  # ``details`` is never read: it may hold what the learner typed on the fake page.
GENERIC_COLUMNS = {
    "email": LEARNER_COLUMNS["email"],
    "sent": ("sent", "envoyé", "envoi"),
    "opened": ("opened", "ouvert"),
    "clicked": ("clicked", "cliqué", "clic", "lien cliqué"),
    "submitted": ("submitted", "données saisies", "saisie", "soumis"),
    "reported": ("reported", "signalé", "signalement"),
    "error": ("error", "erreur"),
    "send_date": ("send_date", "date d'envoi", "date", "envoyé le"),
}

# GoPhish's statuses, never downgraded: each implies the ones before it.
STATUS_FLAGS = {
    "scheduled": set(),
    "sending": set(),
    "retrying": set(),
    "queued": set(),
    "email sent": {"sent"},
    "error": {"sent", "error"},
    "email opened": {"sent", "opened"},
    "clicked link": {"sent", "opened", "clicked"},
    "submitted data": {"sent", "opened", "clicked", "submitted"},
}
EVENT_MESSAGES = {
    "email sent": EventKind.SENT,
    "error sending email": EventKind.ERROR,
    "email opened": EventKind.OPENED,
    "clicked link": EventKind.CLICKED,
    "submitted data": EventKind.SUBMITTED,
    "email reported": EventKind.REPORTED,
}
EVENT_FLAGS = {
    EventKind.SENT: {"sent"},
    EventKind.ERROR: {"sent", "error"},
    EventKind.OPENED: {"sent", "opened"},
    EventKind.CLICKED: {"sent", "opened", "clicked"},
    EventKind.SUBMITTED: {"sent", "opened", "clicked", "submitted"},
    EventKind.REPORTED: {"sent", "reported"},
}
IGNORED_MESSAGES = {"campaign created", "proxied request"}
FLAGS = ("sent", "opened", "clicked", "submitted", "reported", "error")
TRUE_VALUES = {"true", "vrai", "oui", "yes", "1", "x", "o", "y"}
FALSE_VALUES = {"false", "faux", "non", "no", "0", ""}


def detect_results_format(table: Table) -> str:
    normalised = {h.strip().lower() for h in table.headers}
    if {"campaign_id", "email", "time", "message"} <= normalised:
        return "gophish_events"
    if {"status", "email", "send_date", "reported"} <= normalised:
        return "gophish_results"
    if "email" in table.columns(GENERIC_COLUMNS) and len(table.columns(GENERIC_COLUMNS)) > 1:
        return "generic"
    raise ValidationError(
        {
            "file": _(
                "Format de fichier non reconnu. Attendu : l'export « Results » ou « Raw events » de GoPhish, ou le "
                "CSV générique documenté (email, sent, opened, clicked, submitted, reported, error). Colonnes du "
                "fichier : %(found)s."
            )
            % {"found": ", ".join(f"« {h} »" for h in table.headers if h) or _("aucune")}
        }
    )


def parse_timestamp(value: str) -> datetime | None:
    """RFC 3339 (GoPhish, up to 9 decimals), ISO 8601, or a French ``jj/mm/aaaa [hh:mm]`` from Excel."""
    text = (value or "").strip()
    if not text or text.startswith("0001-01-01"):  # GoPhish's zero time: never happened
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text and "-" in text else text)
    except ValueError:
        moment = None
        for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValueError(text) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _boolean(value: str) -> bool:
    text = (value or "").strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValueError(text)


def _in_quarter(campaign: Campaign, moment: datetime | None) -> bool:
    if moment is None:
        return True
    start, end = campaign.quarter_bounds
    local = timezone.localtime(moment).date()
    return start <= local <= end


@dataclass
class _Outcome:
    flags: set = field(default_factory=set)
    sent_at: datetime | None = None
    service: str = ""


def _require_enrolment(establishment: Establishment, programme: Programme) -> None:
    if not Enrolment.objects.filter(establishment=establishment, programme=programme).exists():
        raise ValidationError(
            {"campaign": _("L'établissement n'est pas inscrit au programme de cette campagne : rien n'a été importé.")}
        )


def _out_of_quarter(campaign: Campaign) -> str:
    start, end = campaign.quarter_bounds
    return _("date hors du trimestre de la campagne (%(start)s – %(end)s)") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }


def import_phishing_results(
    establishment: Establishment,
    campaign: Campaign,
    table: Table,
    *,
    by=None,
    filename: str = "",
    file_digest: str = "",
) -> ImportReport:
    """Import one campaign's results for one establishment from a GoPhish export or the generic CSV. Atomic."""
    _require_enrolment(establishment, campaign.programme)
    file_format = detect_results_format(table)
    report = ImportReport(ImportKind.PHISHING, file_format=file_format)
    learners = {learner.email: learner for learner in Learner.objects.filter(establishment=establishment)}
    outcomes: dict[int, _Outcome] = {}
    events: list[PhishingEvent] = []
    platform_id = ""
    unknown = _("destinataire inconnu parmi les apprenants de l'établissement")

    if file_format == "gophish_events":
        columns = table.columns(EVENTS_COLUMNS)
        ids = {record["campaign_id"] for _line, record in table.records(columns) if record["campaign_id"]}
        if len(ids) > 1:
            raise ValidationError(
                {
                    "file": _("Ce fichier mêle plusieurs campagnes GoPhish (%(ids)s) : exportez-les une par une.")
                    % {"ids": ", ".join(sorted(ids))}
                }
            )
        platform_id = next(iter(ids), "")
        previous = (
            ImportRun.objects.filter(establishment=establishment, campaign=campaign, kind=ImportKind.PHISHING)
            .exclude(platform_campaign_id="")
            .values_list("platform_campaign_id", flat=True)
            .first()
        )
        if previous and platform_id and previous != platform_id:
            raise ValidationError(
                {
                    "file": _(
                        "Ce fichier est celui de la campagne GoPhish n° %(new)s, alors que les résultats de "
                        "%(quarter)s viennent de la campagne n° %(old)s : ce n'est pas le bon fichier, rien n'a "
                        "été importé."
                    )
                    % {"new": platform_id, "old": previous, "quarter": campaign.label}
                }
            )
        for line, record in table.records(columns):
            message = record["message"].strip().lower()
            if message in IGNORED_MESSAGES:
                continue
            kind = EVENT_MESSAGES.get(message)
            if kind is None:
                report.reject(line, _("événement inconnu : « %(value)s »") % {"value": record["message"][:60]})
                continue
            email, problem = _email(record["email"])
            if problem:
                report.reject(line, problem)
                continue
            learner = learners.get(email)
            if learner is None:
                report.reject(line, unknown)
                continue
            try:
                moment = parse_timestamp(record["time"])
            except ValueError:
                report.reject(line, _("date illisible : « %(value)s »") % {"value": record["time"][:40]})
                continue
            if moment is None:
                report.reject(line, _("date manquante"))
                continue
            if not _in_quarter(campaign, moment):
                report.reject(line, _out_of_quarter(campaign))
                continue
            outcome = outcomes.setdefault(learner.pk, _Outcome(service=learner.service))
            outcome.flags |= EVENT_FLAGS[kind]
            if kind == EventKind.SENT and (outcome.sent_at is None or moment < outcome.sent_at):
                outcome.sent_at = moment
            events.append(
                PhishingEvent(
                    establishment=establishment,
                    campaign=campaign,
                    learner=learner,
                    kind=kind,
                    at=moment,
                    platform_campaign_id=platform_id[:40],
                )  # fmt: skip
            )
    else:
        columns = table.columns(RESULTS_COLUMNS if file_format == "gophish_results" else GENERIC_COLUMNS)
        for line, record in table.records(columns):
            email, problem = _email(record["email"])
            if problem:
                report.reject(line, problem)
                continue
            learner = learners.get(email)
            if learner is None:
                report.reject(line, unknown)
                continue
            try:
                moment = parse_timestamp(record.get("send_date", ""))
            except ValueError:
                report.reject(line, _("date d'envoi illisible : « %(value)s »") % {"value": record["send_date"][:40]})
                continue
            if not _in_quarter(campaign, moment):
                report.reject(line, _out_of_quarter(campaign))
                continue
            try:
                if file_format == "gophish_results":
                    status = record["status"].strip().lower()
                    if status not in STATUS_FLAGS:
                        report.reject(
                            line, _("statut GoPhish inconnu : « %(value)s »") % {"value": record["status"][:40]}
                        )
                        continue
                    flags = set(STATUS_FLAGS[status])
                    if _boolean(record.get("reported", "")):
                        flags |= {"reported", "sent"}
                else:
                    flags = {flag for flag in FLAGS if flag in columns and _boolean(record.get(flag, ""))}
                    if flags & {"opened", "clicked", "submitted", "reported", "error"}:
                        flags.add("sent")
                    if "submitted" in flags:
                        flags |= {"clicked", "opened"}
                    if "clicked" in flags:
                        flags.add("opened")
            except ValueError as exc:
                report.reject(line, _("valeur oui/non illisible : « %(value)s »") % {"value": str(exc)[:40]})
                continue
            outcome = outcomes.setdefault(learner.pk, _Outcome(service=learner.service))
            outcome.flags |= flags
            if record.get("position"):
                outcome.service = record["position"][:150]
            if moment is not None and "sent" in flags and (outcome.sent_at is None or moment < outcome.sent_at):
                outcome.sent_at = moment

    with transaction.atomic():
        existing = {
            result.learner_id: result
            for result in PhishingResult.objects.select_for_update().filter(
                campaign=campaign, establishment=establishment, learner_id__in=list(outcomes)
            )
        }
        to_create, to_update = [], []
        for learner_id, outcome in outcomes.items():
            result = existing.get(learner_id)
            if result is None:
                result = PhishingResult(
                    establishment=establishment, campaign=campaign, learner_id=learner_id, service=outcome.service
                )
                to_create.append(result)
            changed = False
            for flag in outcome.flags:
                if not getattr(result, flag):
                    setattr(result, flag, True)
                    changed = True
            if outcome.sent_at and (result.sent_at is None or outcome.sent_at < result.sent_at):
                result.sent_at, changed = outcome.sent_at, True
            if result.pk and changed:
                to_update.append(result)
        PhishingResult.objects.bulk_create(to_create, batch_size=2000)
        PhishingResult.objects.bulk_update(to_update, list(FLAGS) + ["sent_at"], batch_size=2000)
        if events:
            PhishingEvent.objects.bulk_create(events, batch_size=5000, ignore_conflicts=True)
        report.created, report.updated = len(to_create), len(to_update)
        final = {result.learner_id: result for result in to_create + list(existing.values())}
        report.trapped = sum(1 for r in final.values() if r.trapped)
        report.reported = sum(1 for r in final.values() if r.reported)
        report.errors = sum(1 for r in final.values() if r.error)
        _assign_retraining(establishment, campaign, [lid for lid, r in final.items() if r.trapped])
        report.run = ImportRun.objects.create(
            establishment=establishment, kind=ImportKind.PHISHING, campaign=campaign, filename=filename[:200],
            digest=file_digest, file_format=file_format, platform_campaign_id=platform_id[:40],
            counts=report.counts(), imported_by=by,
        )  # fmt: skip
    return report


def follow_up_module(programme: Programme) -> Module | None:
    return programme.modules.filter(kind=ModuleKind.FOLLOW_UP).first()


def _assign_retraining(establishment: Establishment, campaign: Campaign, learner_ids: list[int]) -> int:
    """Put the campaign's trapped learners on the re-training list (once per learner and campaign)."""
    if not learner_ids:
        return 0
    module = follow_up_module(campaign.programme)
    created = Retraining.objects.bulk_create(
        [
            Retraining(establishment=establishment, learner_id=lid, campaign=campaign, module=module)
            for lid in learner_ids
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    complete_retrainings(establishment, campaign.programme)
    return len(created)


# --- Module results ---------------------------------------------------------------------------------------------

MODULE_COLUMNS = {
    "email": LEARNER_COLUMNS["email"],
    "module": ("module", "code module", "code", "module code"),
    "started_at": ("started_at", "started", "commencé le", "début", "date de début"),
    "completed_at": ("completed_at", "completed", "terminé le", "fin", "date de fin"),
    "score": ("score", "note", "quiz", "score quiz"),
}


def _score(value: str) -> int | None:
    text = (value or "").strip().replace("%", "").replace(",", ".").strip()
    if not text:
        return None
    number = float(text)
    if not 0 <= number <= 100:
        raise ValueError(value)
    return round(number)


def import_module_results(
    establishment: Establishment,
    programme: Programme,
    table: Table,
    *,
    by=None,
    filename: str = "",
    file_digest: str = "",
) -> ImportReport:
    """Module progress from the documented CSV (email, module, started_at, completed_at, score). Atomic."""
    _require_enrolment(establishment, programme)
    columns = table.columns(MODULE_COLUMNS)
    missing = [name for name in ("email", "module") if name not in columns]
    if missing:
        raise _missing_columns(table, missing)
    report = ImportReport(ImportKind.MODULES, file_format=table.file_format)
    learners = {learner.email: learner for learner in Learner.objects.filter(establishment=establishment)}
    modules = {module.code.lower(): module for module in programme.modules.all()}
    rows: dict[tuple[int, int], dict] = {}
    for line, record in table.records(columns):
        email, problem = _email(record["email"])
        if problem:
            report.reject(line, problem)
            continue
        learner = learners.get(email)
        if learner is None:
            report.reject(line, _("destinataire inconnu parmi les apprenants de l'établissement"))
            continue
        module = modules.get(record["module"].strip().lower())
        if module is None:
            report.reject(
                line, _("module inconnu dans ce programme : « %(value)s »") % {"value": record["module"][:40]}
            )
            continue
        try:
            started = parse_timestamp(record.get("started_at", ""))
            completed = parse_timestamp(record.get("completed_at", ""))
        except ValueError as exc:
            report.reject(line, _("date illisible : « %(value)s »") % {"value": str(exc)[:40]})
            continue
        try:
            score = _score(record.get("score", ""))
        except ValueError:
            report.reject(line, _("score invalide (0 à 100) : « %(value)s »") % {"value": record["score"][:20]})
            continue
        if started and completed and completed < started:
            report.reject(line, _("date de fin antérieure à la date de début"))
            continue
        for moment in (started, completed):
            if moment and moment.year not in (programme.year, programme.year + 1):
                report.reject(line, _("date hors de l'année du programme (%(year)s)") % {"year": programme.year})
                break
        else:
            rows[(learner.pk, module.pk)] = {
                "started_at": started or completed,
                "completed_at": completed,
                "score": score,
            }
    with transaction.atomic():
        existing = {
            (r.learner_id, r.module_id): r
            for r in ModuleResult.objects.select_for_update().filter(
                establishment=establishment, module__programme=programme, learner_id__in={k[0] for k in rows}
            )
        }
        to_create, to_update = [], []
        for (learner_id, module_id), values in rows.items():
            result = existing.get((learner_id, module_id))
            if result is None:
                to_create.append(
                    ModuleResult(establishment=establishment, learner_id=learner_id, module_id=module_id, **values)
                )
                continue
            changed = False
            for key, value in values.items():
                if value is not None and getattr(result, key) != value:
                    setattr(result, key, value)
                    changed = True
            if changed:
                to_update.append(result)
        ModuleResult.objects.bulk_create(to_create, batch_size=2000)
        ModuleResult.objects.bulk_update(to_update, ["started_at", "completed_at", "score"], batch_size=2000)
        report.created, report.updated = len(to_create), len(to_update)
        complete_retrainings(establishment, programme)
        report.run = ImportRun.objects.create(
            establishment=establishment, kind=ImportKind.MODULES, filename=filename[:200], digest=file_digest,
            file_format=table.file_format, counts=report.counts(), imported_by=by,
        )  # fmt: skip
    return report


def complete_retrainings(establishment: Establishment, programme: Programme) -> int:
    """Mark re-training done for learners who completed the follow-up module after being assigned it."""
    module = follow_up_module(programme)
    if module is None:
        return 0
    done = dict(
        ModuleResult.objects.filter(establishment=establishment, module=module, completed_at__isnull=False).values_list(
            "learner_id", "completed_at"
        )
    )
    pending = list(
        Retraining.objects.filter(
            establishment=establishment, module=module, completed_at__isnull=True, learner_id__in=list(done)
        )
    )
    for retraining in pending:
        retraining.completed_at = done[retraining.learner_id]
    Retraining.objects.bulk_update(pending, ["completed_at"], batch_size=2000)
    return len(pending)


# --- On-demand campaigns ----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_on_demand_date(today: date | None = None) -> date:
    """One month's notice: a request made on 15 March can be for 15 April at the earliest."""
    return add_months(today or timezone.localdate(), 1)


def request_campaign(
    establishment: Establishment, template: PhishingTemplate, wanted_on: date, *, by, message: str = "", today=None
) -> CampaignRequest:
    errors = {}
    if template is None or template.region_id != establishment.region_id or not template.is_active:
        errors["template"] = _("Choisissez un modèle du catalogue du CRRC de votre région.")
    earliest = earliest_on_demand_date(today)
    if wanted_on is None:
        errors["wanted_on"] = _("Indiquez la date souhaitée.")
    elif wanted_on < earliest:
        errors["wanted_on"] = _(
            "Une campagne à la demande se prévoit au moins un mois à l'avance : la date la plus proche possible est "
            "le %(date)s."
        ) % {"date": earliest.strftime("%d/%m/%Y")}
    if errors:
        raise ValidationError(errors)
    from .workflow import REQUEST_WORKFLOW

    with transaction.atomic():
        created = CampaignRequest.objects.create(
            establishment=establishment, template=template, wanted_on=wanted_on, message=(message or "").strip(),
            requested_by=by,
        )  # fmt: skip
        REQUEST_WORKFLOW.log_creation(created, by)
    return created


def approve_request(request: CampaignRequest, by, reason: str = "") -> CampaignRequest:
    from .workflow import REQUEST_WORKFLOW, decided

    return REQUEST_WORKFLOW.apply(request, "approve", by, reason=reason, update=decided(by, reason))


def refuse_request(request: CampaignRequest, by, reason: str) -> CampaignRequest:
    from .workflow import REQUEST_WORKFLOW, decided

    return REQUEST_WORKFLOW.apply(request, "refuse", by, reason=reason, update=decided(by, reason))


def schedule_request(request: CampaignRequest, by, scheduled_on: date) -> CampaignRequest:
    from .workflow import REQUEST_WORKFLOW, scheduled

    return REQUEST_WORKFLOW.apply(request, "schedule", by, update=scheduled(scheduled_on))


def campaign_for_quarter(establishment: Establishment, code: str) -> Campaign:
    """``2026-Q1`` → that quarter's campaign of the programme the establishment is enrolled in."""
    try:
        year_text, quarter_text = code.upper().split("-Q")
        year, quarter = int(year_text), int(quarter_text)
    except ValueError:
        raise ValidationError(_("Trimestre invalide : « %(code)s » (attendu : 2026-Q1).") % {"code": code}) from None
    campaign = (
        Campaign.objects.select_related("programme")
        .filter(programme__region_id=establishment.region_id, programme__year=year, quarter=quarter)
        .first()
    )
    if campaign is None:
        raise ValidationError(_("Aucune campagne %(code)s dans le programme de la région.") % {"code": code})
    return campaign


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
