"""Writes on incidents, with their rules. Every write is atomic; e-mails are queued on commit.

Who may do what is checked here, not only in the views: declaring and checking steps off needs
``Capability.HANDLE_INCIDENTS`` on the establishment (director, RSSI) — or being the region's CRRC staff for steps;
taking, recording interventions and closing is the region's CRRC staff's (the workflow's ``may_act``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from action_plans.services import ItemProposal, add_items
from action_plans.workflow import Priority, SourceKind
from establishments.models import Establishment
from establishments.roles import Capability
from establishments.selectors import can, crrc_staff_regions

from . import notifications
from .models import CareImpact, Incident, IncidentStep, Intervention
from .steps import SPECS, StepKind, applicable_steps
from .workflow import INCIDENT_WORKFLOW, State

# A detection time a few minutes ahead of the server clock is a clock difference, not a mistake.
CLOCK_SKEW = timedelta(minutes=5)
OLDEST_DETECTION = timedelta(days=365)
MAX_HOURS_PER_ENTRY = Decimal("200")


class IncidentError(ValidationError):
    """A rule refused the write; ``message_dict`` says which field when there is one."""


def _field_error(field: str, message: str) -> IncidentError:
    return IncidentError({field: [message]})


def is_region_staff(user, establishment: Establishment) -> bool:
    return bool(user.is_superuser) or crrc_staff_regions(user).filter(pk=establishment.region_id).exists()


def _check_detection(detected_at: datetime | None, now: datetime) -> None:
    if detected_at is None:
        raise _field_error("detected_at", _("Indiquez la date et l'heure de détection."))
    if detected_at > now + CLOCK_SKEW:
        raise _field_error("detected_at", _("La détection ne peut pas être dans le futur."))
    if detected_at < now - OLDEST_DETECTION:
        raise _field_error(
            "detected_at", _("Cette date de détection a plus d'un an : vérifiez-la (jour, mois et année).")
        )


@dataclass
class Declaration:
    title: str
    description: str
    detected_at: datetime
    care_impact: str
    systems_affected: str = ""
    personal_data: bool = False
    crisis_cell_open: bool = False
    harm: bool = False
    is_ose: bool = False


def declare(establishment: Establishment, user, declaration: Declaration) -> Incident:
    """Record the incident, create the steps that apply with their deadlines, and alert the region's CRRC."""
    if not can(user, establishment, Capability.HANDLE_INCIDENTS):
        raise IncidentError(_("Seuls le directeur et le RSSI de l'établissement peuvent déclarer un incident."))
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if not declaration.title.strip():
        errors["title"] = [
            _("Donnez un intitulé court à l'incident (par exemple : « Rançongiciel sur la messagerie »).")
        ]
    if not declaration.description.strip():
        errors["description"] = [_("Décrivez ce qui s'est passé, même brièvement.")]
    if declaration.care_impact not in CareImpact.values:
        errors["care_impact"] = [_("Choisissez l'impact sur les soins.")]
    try:
        _check_detection(declaration.detected_at, now)
    except IncidentError as error:
        errors.update(error.message_dict)
    if errors:
        raise IncidentError(errors)
    with transaction.atomic():
        incident = Incident.objects.create(
            establishment=establishment,
            title=declaration.title.strip(),
            description=declaration.description.strip(),
            detected_at=min(declaration.detected_at, now),
            systems_affected=declaration.systems_affected.strip(),
            care_impact=declaration.care_impact,
            personal_data=declaration.personal_data,
            crisis_cell_open=declaration.crisis_cell_open,
            harm=declaration.harm,
            is_ose=declaration.is_ose,
            declared_by=user,
            declared_at=now,
        )
        IncidentStep.objects.bulk_create(
            IncidentStep(
                incident=incident,
                kind=spec.kind,
                deadline=incident.detected_at + spec.delay,
                # Declaring is itself informing the RSSI or the director: both see the incident from now on.
                done_at=now if spec.kind == StepKind.INFORM_RSSI or _crisis_cell_already_open(spec, incident) else None,
                done_by=user
                if spec.kind == StepKind.INFORM_RSSI or _crisis_cell_already_open(spec, incident)
                else None,
                note=_("Fait à la déclaration.") if spec.kind in (StepKind.INFORM_RSSI, StepKind.CRISIS_CELL) else "",
            )
            for spec in applicable_steps(incident)
        )
        INCIDENT_WORKFLOW.log_creation(incident, user, name="declare")
        transaction.on_commit(lambda: notifications.incident_declared(incident.pk))
    return incident


def _crisis_cell_already_open(spec, incident: Incident) -> bool:
    return spec.kind == StepKind.CRISIS_CELL and incident.crisis_cell_open


def _may_handle(user, incident: Incident) -> bool:
    return can(user, incident.establishment, Capability.HANDLE_INCIDENTS) or is_region_staff(
        user, incident.establishment
    )


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("establishment").get(pk=incident.pk)


@transaction.atomic
def mark_step_done(step: IncidentStep, user, done_at: datetime | None = None, note: str = "") -> IncidentStep:
    incident = _locked(step.incident)
    if not _may_handle(user, incident):
        raise IncidentError(_("Vous ne pouvez pas modifier le suivi de cet incident."))
    if incident.is_closed:
        raise IncidentError(_("L'incident est clôturé : son suivi n'est plus modifiable."))
    step = IncidentStep.objects.select_for_update().get(pk=step.pk)
    if step.is_done:
        raise IncidentError(_("Cette étape est déjà cochée."))
    now = timezone.now()
    done_at = done_at or now
    if done_at > now + CLOCK_SKEW:
        raise _field_error("done_at", _("Une étape ne peut pas être faite dans le futur."))
    if done_at < incident.detected_at:
        raise _field_error("done_at", _("Une étape ne peut pas être faite avant la détection de l'incident."))
    step.done_at, step.done_by, step.note = min(done_at, now), user, (note or "").strip()[:255]
    step.save(update_fields=["done_at", "done_by", "note"])
    if step.kind == StepKind.CRISIS_CELL and not incident.crisis_cell_open:
        incident.crisis_cell_open = True
        incident.save(update_fields=["crisis_cell_open"])
    return step


@transaction.atomic
def undo_step(step: IncidentStep, user) -> IncidentStep:
    incident = _locked(step.incident)
    if not _may_handle(user, incident):
        raise IncidentError(_("Vous ne pouvez pas modifier le suivi de cet incident."))
    if incident.is_closed:
        raise IncidentError(_("L'incident est clôturé : son suivi n'est plus modifiable."))
    step = IncidentStep.objects.select_for_update().get(pk=step.pk)
    step.done_at, step.done_by, step.note, step.reminder_sent_at = None, None, "", None
    step.save(update_fields=["done_at", "done_by", "note", "reminder_sent_at"])
    return step


@transaction.atomic
def request_rapid_response(incident: Incident, user, need: str) -> Incident:
    incident = _locked(incident)
    if not can(user, incident.establishment, Capability.HANDLE_INCIDENTS):
        raise IncidentError(_("Seuls le directeur et le RSSI peuvent demander la force d'intervention rapide."))
    if incident.is_closed:
        raise IncidentError(_("L'incident est clôturé : rouvrez-le avec le CRRC si besoin."))
    if incident.rapid_response_requested:
        raise IncidentError(_("La force d'intervention rapide a déjà été demandée pour cet incident."))
    need = (need or "").strip()
    if not need:
        raise _field_error(
            "need", _("Dites en quelques mots ce dont vous avez besoin (sur site, à distance, conseil…).")
        )
    incident.rapid_response_requested_at = timezone.now()
    incident.rapid_response_need = need
    incident.save(update_fields=["rapid_response_requested_at", "rapid_response_need"])
    transaction.on_commit(lambda: notifications.rapid_response_requested(incident.pk))
    return incident


def take(incident: Incident, user) -> Incident:
    def stamp(locked: Incident) -> None:
        locked.supported_at = timezone.now()

    return INCIDENT_WORKFLOW.apply(incident, "take", user, update=stamp)


def _parse_hours(raw) -> Decimal:
    try:
        hours = Decimal(str(raw).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise _field_error("hours", _("Indiquez un nombre d'heures, par exemple 1,5.")) from None
    if not hours.is_finite() or hours <= 0:
        raise _field_error("hours", _("Le temps passé doit être supérieur à zéro."))
    if hours > MAX_HOURS_PER_ENTRY:
        raise _field_error("hours", _("Plus de 200 heures pour une seule intervention : découpez-la en plusieurs."))
    if (hours * 4) % 1:
        raise _field_error("hours", _("Saisissez le temps par quarts d'heure (0,25 ; 0,5 ; 1,75…)."))
    return hours


@transaction.atomic
def add_intervention(
    incident: Incident, user, *, at: datetime | None, mode: str, description: str, hours, intervenants: str
) -> Intervention:
    incident = _locked(incident)
    if not is_region_staff(user, incident.establishment):
        raise IncidentError(_("Seule l'équipe du CRRC de la région enregistre les interventions."))
    if incident.state != State.IN_SUPPORT:
        raise IncidentError(_("Prenez d'abord l'incident en charge pour enregistrer une intervention."))
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        errors["at"] = [_("Une intervention ne peut pas être datée dans le futur.")]
    elif at < incident.detected_at:
        errors["at"] = [_("Une intervention ne peut pas précéder la détection de l'incident.")]
    if mode not in Intervention.Mode.values:
        errors["mode"] = [_("Choisissez le mode d'intervention.")]
    if not (description or "").strip():
        errors["description"] = [_("Décrivez l'action menée.")]
    if not (intervenants or "").strip():
        errors["intervenants"] = [_("Indiquez qui est intervenu.")]
    try:
        parsed_hours = _parse_hours(hours)
    except IncidentError as error:
        errors.update(error.message_dict)
    if errors:
        raise IncidentError(errors)
    return Intervention.objects.create(
        incident=incident,
        at=min(at, now),
        mode=mode,
        description=description.strip(),
        hours=parsed_hours,
        intervenants=intervenants.strip()[:255],
        recorded_by=user,
    )


def lesson_lines(text: str) -> list[str]:
    """One improvement action per non-empty line ("- " or "* " bullets allowed), in order, without repeats."""
    seen, lines = set(), []
    for raw in (text or "").splitlines():
        line = raw.strip().lstrip("-*•").strip()
        if line and line.lower() not in seen:
            seen.add(line.lower())
            lines.append(line[:255])
    return lines


def close(incident: Incident, user, *, lessons_learned: str, actions: str = "") -> Incident:
    """Close with the lessons learned; each line of ``actions`` becomes an item of the establishment's plan.

    Items are keyed by incident and text, so closing again after a reopening adds only the new lines.
    """
    lessons_learned = (lessons_learned or "").strip()
    if not lessons_learned:
        raise _field_error("lessons_learned", _("Rédigez le retour d'expérience avant de clôturer l'incident."))
    with transaction.atomic():

        def finish(locked: Incident) -> None:
            locked.lessons_learned = lessons_learned
            locked.closed_at = timezone.now()

        # The guard reads the lessons from the row: set them under the same lock before the transition.
        Incident.objects.filter(pk=incident.pk, state=State.IN_SUPPORT).update(lessons_learned=lessons_learned)
        closed = INCIDENT_WORKFLOW.apply(incident, "close", user, update=finish)
        proposals = [
            ItemProposal(
                title=line,
                description=_("Retour d'expérience de l'incident %(ref)s du %(date)s.")
                % {"ref": closed.reference, "date": timezone.localtime(closed.detected_at).strftime("%d/%m/%Y")},
                priority=Priority.P1 if index == 0 else Priority.P2,
                source_kind=SourceKind.INCIDENT,
                source_label=closed.reference,
                source_key=f"incident:{closed.pk}:{line.lower()[:150]}",
                source_object=closed,
            )
            for index, line in enumerate(lesson_lines(actions))
        ]
        if proposals:
            add_items(closed.establishment, proposals, user)
    return closed


def reopen(incident: Incident, user, reason: str) -> Incident:
    def clear(locked: Incident) -> None:
        locked.closed_at = None

    return INCIDENT_WORKFLOW.apply(incident, "reopen", user, reason=reason, update=clear)


def delays(incident: Incident) -> dict[str, timedelta | None]:
    """Detection → declaration on the national portal, and detection → CRRC support (what the dashboards count)."""
    portal = next((s for s in incident.steps.all() if s.kind == StepKind.NATIONAL_PORTAL), None)
    return {
        "declaration": (portal.done_at - incident.detected_at) if portal and portal.done_at else None,
        "support": (incident.supported_at - incident.detected_at) if incident.supported_at else None,
    }


def step_spec(step: IncidentStep):
    return SPECS[step.kind]
