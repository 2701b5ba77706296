"""Writes on exercises, with their rules. Every function runs in ``transaction.atomic``; a refusal raises
``ValidationError`` with a French message (per field when it comes from a form) and writes nothing.

Permission is checked here too (``permissions``), so the admin, the views and the tests share one rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crrc.workflow import WorkflowError

from .choices import (
    EDITABLE_STATES,
    LIVE_STATES,
    Cell,
    Channel,
    Function,
    JournalSource,
    KitLevel,
    ObservationKind,
    ReactionScore,
    Runner,
    State,
    StimulusStatus,
)
from .models import (
    Exercise,
    ExerciseSite,
    JournalEntry,
    LogisticsItem,
    Objective,
    Observation,
    Participant,
    RetexAnswer,
    RetexResponse,
    RetexTemplate,
    Scenario,
    Stimulus,
)
from .offsets import format_offset, parse_offset
from .permissions import can_animate, can_observe, can_plan
from .workflow import EXERCISE_WORKFLOW

KIT_GRID_SLUG = "ans-autoevaluation-exercice-crise"
DEFAULT_LOGISTICS = (
    gettext_lazy("Salle de crise réservée (tables, paperboard, horloge visible)"),
    gettext_lazy("Téléphones dédiés aux appels simulés, numéros testés"),
    gettext_lazy("Moyen de communication de repli (téléphone fixe, radio, messagerie hors SI)"),
    gettext_lazy("Fiches réflexes et annuaire de crise imprimés"),
    gettext_lazy("Main courante papier de secours"),
    gettext_lazy("Badge « exercice » pour les animateurs et observateurs"),
)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_plan(exercise: Exercise, user) -> None:
    _require(can_plan(user, exercise), _("Vous pouvez consulter cet exercice mais pas le préparer."))


def _require_editable(exercise: Exercise) -> None:
    if exercise.state not in EDITABLE_STATES:
        raise ValidationError(
            _("L'exercice est « %(state)s » : sa préparation ne se modifie plus.")
            % {"state": exercise.get_state_display()},
            code="not_editable",
        )


def _lock(exercise: Exercise) -> Exercise:
    return Exercise.objects.select_for_update().select_related("establishment").get(pk=exercise.pk)


# ---- kit level ---------------------------------------------------------------------------------------------


def proposed_kit_level(establishment):
    """(level code, assessment) from the establishment's latest submitted crisis-exercise self-assessment."""
    from assessments.models import Assessment
    from assessments.workflow import State as AssessmentState

    assessment = (
        Assessment.objects.filter(
            establishment=establishment, grid__slug=KIT_GRID_SLUG, state=AssessmentState.SUBMITTED
        )
        .exclude(level_code="")
        .order_by("-submitted_at")
        .first()
    )
    if assessment is None or assessment.level_code not in KitLevel.values:
        return "", None
    return assessment.level_code, assessment


# ---- the exercise ------------------------------------------------------------------------------------------


PLAN_FIELDS = (
    "title",
    "scenario",
    "kit_level",
    "kit_level_reason",
    "format",
    "starts_at",
    "simulation_minutes",
    "total_minutes",
    "location",
    "runner",
    "runner_name",
    "application",
    "scoping_meeting_at",
    "scoping_notes",
)


def _validate(exercise: Exercise, *, date_changed: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not (exercise.title or "").strip():
        errors.setdefault("title", []).append(_("Le titre est obligatoire."))
    if exercise.kit_level not in KitLevel.values:
        errors.setdefault("kit_level", []).append(_("Choisissez un niveau de kit."))
    elif (
        exercise.kit_level_proposed
        and exercise.kit_level != exercise.kit_level_proposed
        and not (exercise.kit_level_reason or "").strip()
    ):
        errors.setdefault("kit_level_reason", []).append(
            _("L'auto-évaluation propose le kit « %(level)s » : indiquez pourquoi vous en choisissez un autre.")
            % {"level": KitLevel(exercise.kit_level_proposed).label}
        )
    if date_changed and exercise.starts_at is not None and exercise.starts_at < timezone.now():
        errors.setdefault("starts_at", []).append(_("La date de l'exercice est passée : choisissez une date à venir."))
    if exercise.runner == Runner.AWARDEE and not (exercise.runner_name or "").strip():
        errors.setdefault("runner_name", []).append(_("Indiquez le titulaire du marché qui anime l'exercice."))
    if not exercise.simulation_minutes or exercise.simulation_minutes <= 0:
        errors.setdefault("simulation_minutes", []).append(_("La simulation dure au moins une minute."))
    elif exercise.total_minutes is None or exercise.total_minutes < exercise.simulation_minutes:
        errors.setdefault("total_minutes", []).append(
            _("La durée totale comprend la simulation : elle ne peut pas être plus courte.")
        )
    if exercise.application_id and exercise.application.establishment_id != exercise.establishment_id:
        errors.setdefault("application", []).append(_("Cette candidature n'est pas celle de l'établissement."))
    if errors:
        raise ValidationError(errors)


# ---- sites of a multi-site exercise ------------------------------------------------------------------------


def _check_sites(establishment, user, sites) -> list:
    """The sites chosen for ``establishment``'s exercise, or a ``ValidationError`` on ``sites`` (nothing written).

    A site is another establishment of the same organisation, within the user's scope (the CRRC's regions, or
    the establishments where the user plans exercises): the form's choices say the same, this is the rule.
    """
    from . import selectors

    chosen = list(dict.fromkeys(sites or []))
    if not chosen:
        return []
    allowed = set(selectors.selectable_sites(user, establishment).values_list("pk", flat=True))
    errors = []
    for site in chosen:
        if site.pk == establishment.pk:
            errors.append(_("« %(site)s » est déjà l'établissement de l'exercice.") % {"site": site.name})
        elif not establishment.organisation_id:
            errors.append(
                _(
                    "%(establishment)s n'est rattaché à aucun organisme gestionnaire : "
                    "un exercice multi-site réunit des sites du même organisme."
                )
                % {"establishment": establishment.name}
            )
            break
        elif site.organisation_id != establishment.organisation_id:
            errors.append(
                _("« %(site)s » n'appartient pas à l'organisme gestionnaire de %(establishment)s.")
                % {"site": site.name, "establishment": establishment.name}
            )
        elif site.pk not in allowed:
            errors.append(
                _("« %(site)s » n'est pas dans votre périmètre : vous ne pouvez pas l'associer à cet exercice.")
                % {"site": site.name}
            )
    if errors:
        raise ValidationError({"sites": errors})
    return chosen


def _site_logistics_label(site) -> str:
    return _("Site « %(site)s » : référent local, salle et moyen de liaison avec la cellule de crise") % {
        "site": site.name
    }


def _apply_sites(exercise: Exercise, sites: list) -> None:
    """Make the exercise's sites exactly ``sites`` (already checked); each site gets its logistics line."""
    current = {row.site_id: row for row in ExerciseSite.objects.filter(exercise=exercise).select_related("site")}
    wanted = {site.pk: site for site in sites}
    removed = [pk for pk in current if pk not in wanted]
    if removed:
        staying = list(exercise.participants.filter(site_id__in=removed).values_list("name", flat=True)[:5])
        if staying:
            raise ValidationError(
                {
                    "sites": [
                        _("Des participants viennent d'un site retiré (%(names)s) : retirez-les ou changez leur site.")
                        % {"names": ", ".join(staying)}
                    ]
                }
            )
        ExerciseSite.objects.filter(exercise=exercise, site_id__in=removed).delete()
        LogisticsItem.objects.filter(exercise=exercise, site_id__in=removed).delete()
    added = [site for pk, site in wanted.items() if pk not in current]
    ExerciseSite.objects.bulk_create(ExerciseSite(exercise=exercise, site=site) for site in added)
    LogisticsItem.objects.bulk_create(
        LogisticsItem(exercise=exercise, site=site, label=_site_logistics_label(site)[:200]) for site in added
    )


def _validate_with_sites(exercise: Exercise, user, sites, *, date_changed: bool) -> list:
    """The plan's rules and the sites' together, so that the form shows every message at once."""
    errors: dict[str, list[str]] = {}
    chosen: list = []
    try:
        _validate(exercise, date_changed=date_changed)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        chosen = _check_sites(exercise.establishment, user, sites)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return chosen


@transaction.atomic
def sync_site_logistics(exercise: Exercise) -> None:
    """After the sites were edited in the admin's inline: one logistics line per site, none for a former one."""
    site_ids = set(exercise.sites.values_list("site_id", flat=True))
    LogisticsItem.objects.filter(exercise=exercise, site__isnull=False).exclude(site_id__in=site_ids).delete()
    have = set(LogisticsItem.objects.filter(exercise=exercise, site_id__in=site_ids).values_list("site_id", flat=True))
    LogisticsItem.objects.bulk_create(
        LogisticsItem(exercise=exercise, site=row.site, label=_site_logistics_label(row.site)[:200])
        for row in exercise.sites.select_related("site")
        if row.site_id not in have
    )


@transaction.atomic
def set_sites(exercise: Exercise, user, sites) -> Exercise:
    """Choose the other sites of the organisation taking part (while the exercise is being prepared)."""
    current = _lock(exercise)
    _require_plan(current, user)
    _require_editable(current)
    _apply_sites(current, _check_sites(current.establishment, user, sites))
    return current


@transaction.atomic
def create_exercise(establishment, user, *, objectives: list[str] | None = None, sites=None, **fields) -> Exercise:
    """A new draft exercise; the scenario's objectives and default chronogram are copied into it."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Champs inconnus : {sorted(unknown)}")
    proposed, _assessment = proposed_kit_level(establishment)
    exercise = Exercise(establishment=establishment, created_by=user, kit_level_proposed=proposed, **fields)
    if not exercise.kit_level:
        exercise.kit_level = proposed or (exercise.scenario.kit_level if exercise.scenario else "") or KitLevel.BEGINNER
    if exercise.kit_level == proposed:
        exercise.kit_level_reason = ""
    _require_plan(exercise, user)
    chosen_sites = _validate_with_sites(exercise, user, sites, date_changed=True)
    exercise.retex_template = RetexTemplate.objects.filter(is_default=True).first()
    exercise._history_user = user
    exercise.save()
    scenario: Scenario | None = exercise.scenario
    texts = [t.strip() for t in (objectives or []) if t and t.strip()]
    if not texts and scenario is not None:
        texts = list(scenario.objectives)
    Objective.objects.bulk_create(Objective(exercise=exercise, text=t[:300], order=n) for n, t in enumerate(texts))
    if scenario is not None:
        Stimulus.objects.bulk_create(
            Stimulus(
                exercise=exercise,
                offset_seconds=s.offset_seconds,
                channel=s.channel,
                sender=s.sender,
                recipient_cell=s.recipient_cell,
                content=s.content,
                expected_reaction=s.expected_reaction,
            )
            for s in scenario.stimuli.all()
        )
    LogisticsItem.objects.bulk_create(LogisticsItem(exercise=exercise, label=str(label)) for label in DEFAULT_LOGISTICS)
    _apply_sites(exercise, chosen_sites)
    EXERCISE_WORKFLOW.log_creation(exercise, user)
    return exercise


def _version(posted) -> int | None:
    """The version the form was built from; a damaged value matches no version (the edit is refused as stale)."""
    try:
        return int(posted)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def update_exercise(
    exercise: Exercise, user, *, expected_version: int | None = None, sites=None, **changes
) -> Exercise:
    """Edit the plan (and, when ``sites`` is given, the sites taking part). A new date on an exercise whose
    invitations went out sends an updated invitation."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Champs inconnus : {sorted(unknown)}")
    current = _lock(exercise)
    _require_plan(current, user)
    if expected_version not in (None, "") and current.version != _version(expected_version):
        raise ValidationError(
            _("Cet exercice a été modifié par quelqu'un d'autre pendant que vous le modifiiez : rechargez la page."),
            code="stale",
        )
    _require_editable(current)
    old_start = current.starts_at
    for field, value in changes.items():
        setattr(current, field, value)
    date_changed = current.starts_at != old_start
    if current.kit_level == current.kit_level_proposed:
        current.kit_level_reason = ""
    chosen_sites = _validate_with_sites(current, user, sites, date_changed=date_changed)
    if date_changed and current.state == State.READY and current.starts_at is None:
        raise ValidationError({"starts_at": [_("Un exercice prêt garde une date.")]})
    if sites is not None:
        _apply_sites(current, chosen_sites)
    resend = date_changed and current.invitations_sent_at is not None
    if resend:
        current.calendar_sequence += 1
    current.version += 1
    current._history_user = user
    current.save()
    if resend:
        queue_invitations(current)
    return current


def transition(exercise: Exercise, user, name: str, *, reason: str = "", expected_version: int | None = None):
    """Apply a workflow step; the clock fields follow (start, pauses, end) and the journal records it."""
    now = timezone.now()
    reason = (reason or "").strip()

    def update(locked: Exercise) -> None:
        if name == "start":
            locked.started_at = now
        elif name == "pause":
            locked.paused_at = now
        elif name == "resume" and locked.paused_at:
            locked.paused_seconds += int((now - locked.paused_at).total_seconds())
            locked.paused_at = None
        elif name == "finish":
            if locked.paused_at:
                locked.paused_seconds += int((now - locked.paused_at).total_seconds())
                locked.paused_at = None
            locked.ended_at = now
        elif name == "cancel":
            locked.cancel_reason = reason
        elif name == "close" and locked.reported_at is None:
            from .workflow import built_report

            built = built_report(locked)
            locked.reported_at = built.finished_at if built else now

    with transaction.atomic():
        saved = EXERCISE_WORKFLOW.apply(
            exercise, name, user, reason=reason, expected_version=expected_version, update=update
        )
        if name in {"start", "pause", "resume", "finish"}:
            labels = {
                "start": _("Début de l'exercice."),
                "pause": _("Exercice mis en pause."),
                "resume": _("Reprise de l'exercice."),
                "finish": _("Fin de la simulation."),
            }
            _system_entry(saved, labels[name], now)
        if name == "mark_ready" and saved.invitations_sent_at is None:
            queue_invitations(saved)
        if name == "cancel" and saved.invitations_sent_at is not None:
            saved.calendar_sequence += 1
            Exercise.objects.filter(pk=saved.pk).update(calendar_sequence=saved.calendar_sequence)
            queue_invitations(saved, method="CANCEL")
    return saved


def _system_entry(exercise: Exercise, text: str, at: datetime, stimulus: Stimulus | None = None) -> JournalEntry:
    return JournalEntry.objects.create(
        exercise=exercise,
        at=at,
        offset_seconds=exercise.elapsed_seconds(at),
        source=JournalSource.SYSTEM,
        text=text,
        stimulus=stimulus,
    )


# ---- participants and logistics ----------------------------------------------------------------------------


@transaction.atomic
def add_participant(
    exercise: Exercise,
    user,
    *,
    cell: str,
    function: str,
    name: str = "",
    email: str = "",
    account=None,
    site=None,
):
    """Add someone to a cell; in a multi-site exercise ``site`` says which participating site they come from
    (``None`` or the establishment itself: the establishment running the exercise)."""
    _require_plan(exercise, user)
    if exercise.state in {State.CLOSED, State.CANCELLED}:
        raise ValidationError(_("Cet exercice est terminé : sa liste de participants ne change plus."))
    errors: dict[str, list[str]] = {}
    if cell not in Cell.values:
        errors["cell"] = [_("Choisissez une cellule.")]
    if function not in Function.values:
        errors["function"] = [_("Choisissez une fonction.")]
    if account is not None:
        name = name or account.get_full_name() or account.email
        email = email or account.email
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        errors["name"] = [_("Indiquez le nom du participant.")]
    if not email:
        errors["email"] = [_("Indiquez son adresse électronique (pour l'invitation et le RETEX).")]
    elif exercise.participants.filter(email__iexact=email).exists():
        errors["email"] = [_("%(email)s participe déjà à cet exercice.") % {"email": email}]
    if site is not None and site.pk == exercise.establishment_id:
        site = None
    if site is not None and not exercise.sites.filter(site=site).exists():
        errors["site"] = [_("Choisissez l'établissement de l'exercice ou l'un de ses sites participants.")]
    if errors:
        raise ValidationError(errors)
    participant = Participant(
        exercise=exercise, cell=cell, function=function, name=name[:200], email=email, user=account, site=site
    )
    participant.full_clean(exclude=["exercise", "user", "token"], validate_unique=False)
    participant._history_user = user
    participant.save()
    return participant


@transaction.atomic
def remove_participant(participant: Participant, user) -> None:
    exercise = participant.exercise
    _require_plan(exercise, user)
    if exercise.state not in EDITABLE_STATES:
        raise ValidationError(_("L'exercice a commencé : ses participants ne se retirent plus."))
    if exercise.state == State.READY and participant.function == Function.DIRECTOR:
        others = exercise.participants.filter(cell=Cell.CRISIS, function=Function.DIRECTOR).exclude(pk=participant.pk)
        if not others.exists():
            raise ValidationError(
                _("L'exercice est prêt : le directeur ou la directrice ne peut pas être retiré sans remplaçant.")
            )
    participant.delete()


@transaction.atomic
def add_logistics(exercise: Exercise, user, *, label: str, owner_name: str = "", due_on: date | None = None):
    _require_plan(exercise, user)
    if not (label or "").strip():
        raise ValidationError({"label": [_("Décrivez l'élément logistique.")]})
    return LogisticsItem.objects.create(
        exercise=exercise, label=label.strip()[:200], owner_name=owner_name.strip()[:200], due_on=due_on
    )


@transaction.atomic
def toggle_logistics(item: LogisticsItem, user) -> LogisticsItem:
    _require_plan(item.exercise, user)
    item = LogisticsItem.objects.select_for_update().get(pk=item.pk)
    item.done = not item.done
    item.save(update_fields=["done"])
    return item


# ---- chronogram --------------------------------------------------------------------------------------------


@dataclass
class StimulusData:
    offset_seconds: int
    channel: str
    sender: str
    recipient_cell: str
    content: str
    expected_reaction: str = ""


def clean_stimulus(*, offset, channel, sender, recipient_cell, content, expected_reaction="") -> StimulusData:
    """Check one chronogram line; errors keyed by field, in French."""
    errors: dict[str, list[str]] = {}
    seconds = None
    try:
        seconds = (
            offset if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0 else parse_offset(offset)
        )
    except ValidationError as exc:
        errors["offset"] = exc.messages
    if channel not in Channel.values:
        errors["channel"] = [
            _("Canal inconnu « %(value)s » : %(known)s.")
            % {"value": channel or "", "known": ", ".join(str(label) for label in Channel.labels)}
        ]
    if recipient_cell not in Cell.values:
        errors["recipient_cell"] = [_("Cellule destinataire inconnue « %(value)s ».") % {"value": recipient_cell or ""}]
    if not (sender or "").strip():
        errors["sender"] = [_("Indiquez l'émetteur simulé (journaliste, ARS, fournisseur…).")]
    if not (content or "").strip():
        errors["content"] = [_("Le contenu du stimulus est obligatoire.")]
    if errors:
        raise ValidationError(errors)
    return StimulusData(
        seconds, channel, sender.strip()[:120], recipient_cell, content.strip(), (expected_reaction or "").strip()
    )


def _duplicate_offset(exercise: Exercise, seconds: int, exclude_pk: int | None = None) -> ValidationError | None:
    clash = exercise.stimuli.filter(offset_seconds=seconds)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        return ValidationError(
            {
                "offset": [
                    _("Un autre stimulus est déjà prévu à %(offset)s : choisissez un autre moment.")
                    % {"offset": format_offset(seconds)}
                ]
            }
        )
    return None


@transaction.atomic
def save_stimulus(exercise: Exercise, user, stimulus: Stimulus | None = None, **values) -> Stimulus:
    _require_plan(exercise, user)
    locked = _lock(exercise)
    _require_editable(locked)
    data = clean_stimulus(**values)
    error = _duplicate_offset(locked, data.offset_seconds, stimulus.pk if stimulus else None)
    if error:
        raise error
    target = stimulus or Stimulus(exercise=locked)
    for field, value in data.__dict__.items():
        setattr(target, field, value)
    target.save()
    return target


@transaction.atomic
def delete_stimulus(stimulus: Stimulus, user) -> None:
    _require_plan(stimulus.exercise, user)
    _require_editable(_lock(stimulus.exercise))
    stimulus.delete()


@transaction.atomic
def move_stimulus(stimulus: Stimulus, user, direction: str) -> None:
    """Swap the planned times of a stimulus and its neighbour (the chronogram is ordered by time)."""
    _require_plan(stimulus.exercise, user)
    _require_editable(_lock(stimulus.exercise))
    siblings = stimulus.exercise.stimuli.order_by("offset_seconds", "pk")
    neighbour = (
        siblings.filter(offset_seconds__lt=stimulus.offset_seconds).last()
        if direction == "up"
        else siblings.filter(offset_seconds__gt=stimulus.offset_seconds).first()
    )
    if neighbour is None:
        return
    mine, theirs = stimulus.offset_seconds, neighbour.offset_seconds
    # The unique (exercise, offset) constraint: park one row out of the way before swapping.
    parked = (siblings.aggregate(m=Max("offset_seconds"))["m"] or 0) + 1
    Stimulus.objects.filter(pk=stimulus.pk).update(offset_seconds=parked)
    Stimulus.objects.filter(pk=neighbour.pk).update(offset_seconds=mine)
    Stimulus.objects.filter(pk=stimulus.pk).update(offset_seconds=theirs)


@transaction.atomic
def replace_chronogram(exercise: Exercise, user, lines: list[StimulusData]) -> int:
    """Replace the whole chronogram (XLSX import) in one transaction."""
    _require_plan(exercise, user)
    locked = _lock(exercise)
    _require_editable(locked)
    offsets = [line.offset_seconds for line in lines]
    if len(offsets) != len(set(offsets)):
        raise ValidationError(_("Deux stimuli sont prévus au même moment."))
    locked.stimuli.all().delete()
    Stimulus.objects.bulk_create(Stimulus(exercise=locked, **line.__dict__) for line in lines)
    return len(lines)


# ---- the day: console --------------------------------------------------------------------------------------


def _require_live(exercise: Exercise) -> None:
    if exercise.state not in LIVE_STATES:
        raise ValidationError(_("L'exercice n'est pas en cours : démarrez-le d'abord."), code="not_live")


@transaction.atomic
def play_stimulus(stimulus: Stimulus, user) -> tuple[Stimulus, bool]:
    """Mark a stimulus as played now. Returns (stimulus, played_now); a second animator's click changes nothing."""
    exercise = _lock(stimulus.exercise)
    _require(can_animate(user, exercise), _("Seule la cellule d'animation joue les stimuli."))
    _require_live(exercise)
    current = Stimulus.objects.select_for_update().get(pk=stimulus.pk)
    if current.status != StimulusStatus.PENDING:
        return current, False
    now = timezone.now()
    current.status = StimulusStatus.PLAYED
    current.played_at = now
    current.played_offset_seconds = exercise.elapsed_seconds(now)
    current.played_by = user
    current.save(update_fields=["status", "played_at", "played_offset_seconds", "played_by"])
    _system_entry(
        exercise,
        _("Stimulus joué (%(channel)s, %(sender)s) : %(content)s")
        % {"channel": current.get_channel_display(), "sender": current.sender, "content": current.content[:200]},
        now,
        stimulus=current,
    )
    return current, True


@transaction.atomic
def skip_stimulus(stimulus: Stimulus, user, reason: str) -> Stimulus:
    exercise = _lock(stimulus.exercise)
    _require(can_animate(user, exercise), _("Seule la cellule d'animation joue les stimuli."))
    _require_live(exercise)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indiquez pourquoi ce stimulus n'est pas joué.")]})
    current = Stimulus.objects.select_for_update().get(pk=stimulus.pk)
    if current.status != StimulusStatus.PENDING:
        return current
    current.status = StimulusStatus.SKIPPED
    current.skip_reason = reason
    current.save(update_fields=["status", "skip_reason"])
    _system_entry(
        exercise,
        _("Stimulus passé (%(sender)s) : %(reason)s") % {"sender": current.sender, "reason": reason},
        timezone.now(),
        stimulus=current,
    )
    return current


@transaction.atomic
def score_stimulus(stimulus: Stimulus, user, score: str) -> Stimulus:
    exercise = stimulus.exercise
    _require(can_animate(user, exercise), _("Seule la cellule d'animation évalue les réactions attendues."))
    if score not in ReactionScore.values:
        raise ValidationError({"score": [_("Choisissez : atteinte, partiellement atteinte ou non atteinte.")]})
    current = Stimulus.objects.select_for_update().get(pk=stimulus.pk)
    if current.status != StimulusStatus.PLAYED:
        raise ValidationError(_("Seul un stimulus joué peut être évalué."))
    current.score = score
    current.scored_by = user
    current.save(update_fields=["score", "scored_by"])
    return current


def _client_key(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def add_journal_entry(exercise: Exercise, user, text: str, client_key=None) -> tuple[JournalEntry, bool]:
    """Add an entry to the main courante; a resent entry (same ``client_key``) is stored once."""
    _require(can_animate(user, exercise), _("Seule la cellule d'animation tient la main courante."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("L'entrée est vide.")]})
    if exercise.state not in LIVE_STATES | {State.PLAYED}:
        raise ValidationError(_("La main courante est ouverte pendant l'exercice."))
    key = _client_key(client_key)
    if key is not None:
        existing = exercise.journal.filter(client_key=key).first()
        if existing:
            return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                exercise=exercise,
                at=now,
                offset_seconds=exercise.elapsed_seconds(now),
                author=user,
                text=text,
                client_key=key,
            )
    except IntegrityError:
        return exercise.journal.get(client_key=key), False
    return entry, True


def add_observation(
    exercise: Exercise, user, *, kind: str, text: str, objective: Objective | None = None, client_key=None
):
    _require(can_observe(user, exercise), _("Seuls les observateurs et l'animation saisissent des observations."))
    errors = {}
    if kind not in ObservationKind.values:
        errors["kind"] = [_("Choisissez : point fort ou point d'amélioration.")]
    if not (text or "").strip():
        errors["text"] = [_("L'observation est vide.")]
    if objective is not None and objective.exercise_id != exercise.pk:
        errors["objective"] = [_("Cet objectif n'est pas celui de l'exercice.")]
    if errors:
        raise ValidationError(errors)
    if exercise.state not in LIVE_STATES | {State.PLAYED, State.DEBRIEFED}:
        raise ValidationError(_("Les observations se saisissent pendant l'exercice ou au débriefing."))
    key = _client_key(client_key)
    if key is not None:
        existing = exercise.observations.filter(client_key=key).first()
        if existing:
            return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            observation = Observation.objects.create(
                exercise=exercise,
                at=now,
                offset_seconds=exercise.elapsed_seconds(now),
                kind=kind,
                text=text.strip(),
                objective=objective,
                author=user,
                client_key=key,
            )
    except IntegrityError:
        return exercise.observations.get(client_key=key), False
    return observation, True


# ---- debrief -----------------------------------------------------------------------------------------------


@transaction.atomic
def set_retex_anonymous(exercise: Exercise, user, anonymous: bool) -> Exercise:
    _require_plan(exercise, user)
    current = _lock(exercise)
    if current.retex_responses.exists() and anonymous != current.retex_anonymous:
        raise ValidationError(
            _("Des réponses au RETEX ont déjà été reçues : le mode de collecte (anonyme ou non) ne change plus.")
        )
    current.retex_anonymous = bool(anonymous)
    current.save(update_fields=["retex_anonymous", "updated_at"])
    return current


def retex_open(exercise: Exercise) -> bool:
    return exercise.state in {State.PLAYED, State.DEBRIEFED} and exercise.retex_template_id is not None


@transaction.atomic
def submit_retex(participant: Participant, answers: dict[int, dict]) -> RetexResponse:
    """Record one participant's RETEX. ``answers``: question id → {score, worked, did_not_work}.

    Anonymous collection keeps no link from the response to the participant and stores the day only, so the
    response cannot be matched back by its time.
    """
    participant = Participant.objects.select_for_update().select_related("exercise").get(pk=participant.pk)
    exercise = participant.exercise
    if not retex_open(exercise):
        raise ValidationError(_("Le RETEX de cet exercice n'est pas ouvert."))
    if participant.retex_done_at is not None:
        raise ValidationError(_("Vous avez déjà répondu au RETEX de cet exercice. Merci !"))
    questions = list(exercise.retex_template.questions.all())
    errors: dict[str, list[str]] = {}
    rows = []
    for question in questions:
        given = answers.get(question.pk) or {}
        try:
            score = int(given.get("score"))
        except (TypeError, ValueError):
            score = None
        if score is None or not 0 <= score <= 100 or score % 10:
            errors[f"q{question.pk}_score"] = [_("Notez de 0 à 100, par pas de 10.")]
            continue
        rows.append((question, score, (given.get("worked") or "").strip(), (given.get("did_not_work") or "").strip()))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    anonymous = exercise.retex_anonymous
    submitted = now.replace(hour=12, minute=0, second=0, microsecond=0) if anonymous else now
    response = RetexResponse.objects.create(
        exercise=exercise, participant=None if anonymous else participant, submitted_at=submitted
    )
    RetexAnswer.objects.bulk_create(
        RetexAnswer(response=response, question=q, score=s, worked=w, did_not_work=d) for q, s, w, d in rows
    )
    participant.retex_done_at = submitted if anonymous else now
    participant.save(update_fields=["retex_done_at"])
    return response


def improvement_key(observation: Observation) -> str:
    return f"exercise:{observation.exercise_id}:observation:{observation.pk}"


@transaction.atomic
def add_improvements_to_plan(exercise: Exercise, user, picks: list[dict]) -> list:
    """Improvement points → action items (source: this exercise), once each. ``picks``: {observation, priority,
    deadline, owner}. Concurrent calls are serialised on the plan row, like ``action_plans.services.add_items``."""
    from action_plans.models import ActionPlan
    from action_plans.services import create_item, get_or_create_plan
    from action_plans.workflow import Priority, SourceKind

    _require_plan(exercise, user)
    if exercise.state not in {State.PLAYED, State.DEBRIEFED, State.CLOSED}:
        raise ValidationError(_("Les points d'amélioration passent au plan d'action après l'exercice."))
    if not picks:
        raise ValidationError(_("Cochez au moins un point d'amélioration."))
    plan = get_or_create_plan(exercise.establishment)
    ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
    keys = [improvement_key(p["observation"]) for p in picks]
    existing = {item.source_key: item for item in plan.items.filter(source_key__in=keys)}
    items = []
    for pick in picks:
        observation: Observation = pick["observation"]
        if observation.exercise_id != exercise.pk or observation.kind != ObservationKind.IMPROVEMENT:
            raise ValidationError(_("Seuls les points d'amélioration de cet exercice peuvent être ajoutés."))
        key = improvement_key(observation)
        if key in existing:
            items.append(existing[key])
            continue
        description = observation.text
        if observation.objective_id:
            description += "\n\n" + _("Objectif de l'exercice : %(objective)s") % {
                "objective": observation.objective.text
            }
        item = create_item(
            exercise.establishment,
            user,
            title=observation.text.splitlines()[0][:255],
            description=description,
            owner=pick.get("owner"),
            deadline=pick.get("deadline"),
            priority=pick.get("priority") or Priority.P2,
            source_kind=SourceKind.EXERCISE_DEBRIEF,
            source_label=f"{exercise.reference} – {exercise.title}"[:255],
            source_key=key,
            source_object=exercise,
        )
        existing[key] = item
        items.append(item)
    return items


def proposed_deadline(exercise: Exercise) -> date:
    base = (exercise.ended_at or timezone.now()).date()
    return base + timedelta(days=90)


# ---- invitations -------------------------------------------------------------------------------------------


def queue_invitations(exercise: Exercise, method: str = "REQUEST") -> None:
    from . import tasks

    Exercise.objects.filter(pk=exercise.pk).update(invitations_sent_at=timezone.now())
    exercise_id, sequence = exercise.pk, exercise.calendar_sequence
    transaction.on_commit(lambda: tasks.send_invitations.delay(exercise_id, sequence, method))


@transaction.atomic
def send_invitations_now(exercise: Exercise, user) -> None:
    """ "Envoyer les invitations" by hand (e.g. after adding participants): same UID and SEQUENCE."""
    _require_plan(exercise, user)
    if exercise.starts_at is None:
        raise ValidationError(_("Indiquez la date de l'exercice avant d'envoyer les invitations."))
    if not exercise.participants.exists():
        raise ValidationError(_("Ajoutez des participants avant d'envoyer les invitations."))
    if exercise.state in {State.CANCELLED, State.CLOSED} or exercise.state not in EDITABLE_STATES | LIVE_STATES:
        raise WorkflowError(_("Les invitations s'envoient avant l'exercice."))
    queue_invitations(exercise)
