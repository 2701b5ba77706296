"""The application workflow, declared once: states, named source-state sets and transitions.

State names are the ones applicants already know from Démarches Simplifiées (brouillon, en construction,
en instruction, accepté, refusé, classé sans suite), plus what Démarches Simplifiées cannot follow: a correction
requested during review, the applicant's withdrawal, and the funding follow-up after acceptance (service fait →
facture déposée → payé). The transitions are declared on the kit (``crrc.workflow``) as ``CALL_WORKFLOW``;
``calls.services`` has one function per transition that checks its guards (missing documents, eligibility, budget)
and applies it through ``CALL_WORKFLOW.apply``. ``extra`` names the e-mail sent to the applicant and the PDF queued.
"""

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from crrc.workflow import Transition, Workflow
from establishments.roles import Capability
from establishments.selectors import can, crrc_staff_regions


class State(models.TextChoices):
    BROUILLON = "brouillon", _("Brouillon")
    EN_CONSTRUCTION = "en_construction", _("En construction")
    EN_INSTRUCTION = "en_instruction", _("En instruction")
    CORRECTION = "correction_demandee", _("En attente de correction")
    ACCEPTE = "accepte", _("Accepté")
    REFUSE = "refuse", _("Refusé")
    SANS_SUITE = "sans_suite", _("Classé sans suite")
    ABANDONNE = "abandonne", _("Abandonné par le demandeur")
    SERVICE_FAIT = "service_fait", _("Service fait")
    FACTURE_DEPOSEE = "facture_deposee", _("Facture déposée")
    PAYE = "paye", _("Payé")


class Actor(models.TextChoices):
    APPLICANT = "applicant", _("Demandeur")
    STAFF = "staff", _("Équipe CRRC")
    SYSTEM = "system", _("Automatique")


# Named source-state sets: read them rather than listing states again elsewhere.
EDITABLE_STATES = frozenset({State.BROUILLON, State.EN_CONSTRUCTION})
# Every state reached only through a submission (a withdrawn application may have been a draft).
SUBMITTED_STATES = frozenset(set(State.values) - {State.BROUILLON, State.ABANDONNE})
UNDER_REVIEW_STATES = frozenset({State.EN_INSTRUCTION, State.CORRECTION})
CAN_BE_WITHDRAWN_STATES = frozenset({State.BROUILLON, State.EN_CONSTRUCTION, State.EN_INSTRUCTION, State.CORRECTION})
CAN_BE_DECIDED_STATES = frozenset({State.EN_INSTRUCTION})
FUNDED_STATES = frozenset({State.ACCEPTE, State.SERVICE_FAIT, State.FACTURE_DEPOSEE, State.PAYE})
DECIDED_STATES = FUNDED_STATES | {State.REFUSE, State.SANS_SUITE}
FINAL_STATES = frozenset({State.REFUSE, State.SANS_SUITE, State.ABANDONNE, State.PAYE})
# States in which the applicant may still upload a document of the given phase.
UPLOAD_STATES_BY_PHASE = {
    "application": EDITABLE_STATES | {State.CORRECTION},
    "service_done": frozenset({State.ACCEPTE}),
    "invoice": frozenset({State.SERVICE_FAIT}),
}


def short_datetime(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def may_edit(user, application) -> bool:
    return can(user, application.establishment, Capability.EDIT_APPLICATIONS)


def may_review(user, call) -> bool:
    return user is not None and crrc_staff_regions(user).filter(pk=call.region_id).exists()


def actor_refusal(actor: str, user, application) -> str | None:
    """Why ``user`` may not take a step of ``actor`` on ``application`` (None: they may). No user = the system."""
    if actor == Actor.APPLICANT and not may_edit(user, application):
        return _("Vous n'avez pas le droit de modifier les candidatures de cet établissement.")
    if actor == Actor.STAFF and user is not None and not may_review(user, application.call):
        return _("Seule l'équipe du CRRC de la région de l'appel peut faire cette action.")
    return None


def already_done_message(application, transition: Transition) -> str:
    """The refusal when the dossier is not in a source state: says when it was submitted, or the state it is in."""
    if transition.name == "submit" and application.submitted_at:
        return _("Ce dossier a déjà été déposé le %(date)s : rien n'a été modifié.") % {
            "date": short_datetime(application.submitted_at)
        }
    return _("Action impossible : le dossier est « %(state)s ».") % {"state": application.get_state_display()}


CALL_WORKFLOW = Workflow(
    model="calls.Application",
    log_model="calls.TransitionLog",
    log_subject="application",
    states=State,
    version_field="version",
    may_act=lambda user, application, transition: actor_refusal(transition.actor, user, application) is None,
    refused=already_done_message,
    stale_message=_(
        "Le dossier a été modifié par quelqu'un d'autre pendant que vous le consultiez : rechargez la page."
    ),
    transitions=[
        Transition(
            "submit",
            _("Déposer le dossier"),
            frozenset({State.BROUILLON}),
            State.EN_CONSTRUCTION,
            actor=Actor.APPLICANT,
            extra={"email": "submitted", "report": "calls.receipt"},
        ),
        Transition(
            "start_instruction",
            _("Passer en instruction"),
            frozenset({State.EN_CONSTRUCTION}),
            State.EN_INSTRUCTION,
            actor=Actor.STAFF,
            extra={"email": "instruction_started"},
        ),
        Transition(
            "request_correction",
            _("Demander une correction"),
            frozenset({State.EN_INSTRUCTION}),
            State.CORRECTION,
            actor=Actor.STAFF,
            extra={"email": "correction_requested"},
        ),
        Transition(
            "answer_correction",
            _("Répondre à la demande de correction"),
            frozenset({State.CORRECTION}),
            State.EN_INSTRUCTION,
            actor=Actor.APPLICANT,
            extra={"email": "correction_answered"},
        ),
        Transition(
            "accept",
            _("Accepter"),
            CAN_BE_DECIDED_STATES,
            State.ACCEPTE,
            actor=Actor.STAFF,
            extra={"email": "accepted", "report": "calls.decision"},
        ),
        Transition(
            "refuse",
            _("Refuser"),
            CAN_BE_DECIDED_STATES,
            State.REFUSE,
            actor=Actor.STAFF,
            extra={"email": "refused", "report": "calls.decision"},
        ),
        Transition(
            "close_without_follow_up",
            _("Classer sans suite"),
            CAN_BE_DECIDED_STATES,
            State.SANS_SUITE,
            actor=Actor.STAFF,
            extra={"email": "closed_without_follow_up", "report": "calls.decision"},
        ),
        Transition(
            "withdraw",
            _("Abandonner la candidature"),
            CAN_BE_WITHDRAWN_STATES,
            State.ABANDONNE,
            actor=Actor.APPLICANT,
            extra={"email": "withdrawn"},
        ),
        Transition(
            "declare_service_done",
            _("Déclarer le service fait"),
            frozenset({State.ACCEPTE}),
            State.SERVICE_FAIT,
            actor=Actor.APPLICANT,
            extra={"email": "service_done"},
        ),
        Transition(
            "submit_invoice",
            _("Déposer la facture"),
            frozenset({State.SERVICE_FAIT}),
            State.FACTURE_DEPOSEE,
            actor=Actor.APPLICANT,
            extra={"email": "invoice_submitted"},
        ),
        Transition(
            "mark_paid",
            _("Marquer comme payé"),
            frozenset({State.FACTURE_DEPOSEE}),
            State.PAYE,
            actor=Actor.STAFF,
            extra={"email": "paid"},
        ),
    ],
)
TRANSITIONS = CALL_WORKFLOW.transitions  # by name


# What the applicant is expected to do next, per state (shown on the application page and "Mon établissement").
NEXT_STEP = {
    State.BROUILLON: _("Complétez le formulaire et les pièces, puis déposez le dossier avant la clôture."),
    State.EN_CONSTRUCTION: _(
        "Dossier déposé. Vous pouvez encore le modifier jusqu'au début de l'instruction par l'équipe du CRRC."
    ),
    State.EN_INSTRUCTION: _("Le dossier est en cours d'instruction ; il n'est plus modifiable. Aucune action requise."),
    State.CORRECTION: _("Une correction vous est demandée : répondez-y pour que l'instruction reprenne."),
    State.ACCEPTE: _("Candidature acceptée. Une fois la prestation réalisée, déposez le justificatif de service fait."),
    State.REFUSE: _("Candidature refusée. Le motif figure dans la lettre de décision."),
    State.SANS_SUITE: _("Dossier classé sans suite. Le motif figure dans la lettre de décision."),
    State.ABANDONNE: _("Vous avez abandonné cette candidature."),
    State.SERVICE_FAIT: _("Service fait enregistré. Déposez maintenant votre facture pour obtenir le paiement."),
    State.FACTURE_DEPOSEE: _("Facture déposée : le paiement est en cours de traitement."),
    State.PAYE: _("Le financement a été versé. Le dossier est clos."),
}
