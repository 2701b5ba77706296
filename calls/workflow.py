"""The application workflow, declared once: states, named source-state sets and transitions.

State names are the ones applicants already know from Démarches Simplifiées (brouillon, en construction,
en instruction, accepté, refusé, classé sans suite), plus what Démarches Simplifiées cannot follow: a correction
requested during review, the applicant's withdrawal, and the funding follow-up after acceptance (service fait →
facture déposée → payé). ``calls.services`` has one function per transition; each checks ``TRANSITIONS`` here.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


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


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    actor: str
    # What the applicant is told by e-mail, and the PDF queued on this step (a key of ``calls.pdfs``).
    email_template: str | None = None
    report_kind: str | None = None


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            _("Déposer le dossier"),
            frozenset({State.BROUILLON}),
            State.EN_CONSTRUCTION,
            Actor.APPLICANT,
            "submitted",
            "calls.receipt",
        ),
        Transition(
            "start_instruction",
            _("Passer en instruction"),
            frozenset({State.EN_CONSTRUCTION}),
            State.EN_INSTRUCTION,
            Actor.STAFF,
            "instruction_started",
        ),
        Transition(
            "request_correction",
            _("Demander une correction"),
            frozenset({State.EN_INSTRUCTION}),
            State.CORRECTION,
            Actor.STAFF,
            "correction_requested",
        ),
        Transition(
            "answer_correction",
            _("Répondre à la demande de correction"),
            frozenset({State.CORRECTION}),
            State.EN_INSTRUCTION,
            Actor.APPLICANT,
            "correction_answered",
        ),
        Transition(
            "accept",
            _("Accepter"),
            CAN_BE_DECIDED_STATES,
            State.ACCEPTE,
            Actor.STAFF,
            "accepted",
            "calls.decision",
        ),
        Transition(
            "refuse",
            _("Refuser"),
            CAN_BE_DECIDED_STATES,
            State.REFUSE,
            Actor.STAFF,
            "refused",
            "calls.decision",
        ),
        Transition(
            "close_without_follow_up",
            _("Classer sans suite"),
            CAN_BE_DECIDED_STATES,
            State.SANS_SUITE,
            Actor.STAFF,
            "closed_without_follow_up",
            "calls.decision",
        ),
        Transition(
            "withdraw",
            _("Abandonner la candidature"),
            CAN_BE_WITHDRAWN_STATES,
            State.ABANDONNE,
            Actor.APPLICANT,
            "withdrawn",
        ),
        Transition(
            "declare_service_done",
            _("Déclarer le service fait"),
            frozenset({State.ACCEPTE}),
            State.SERVICE_FAIT,
            Actor.APPLICANT,
            "service_done",
        ),
        Transition(
            "submit_invoice",
            _("Déposer la facture"),
            frozenset({State.SERVICE_FAIT}),
            State.FACTURE_DEPOSEE,
            Actor.APPLICANT,
            "invoice_submitted",
        ),
        Transition(
            "mark_paid",
            _("Marquer comme payé"),
            frozenset({State.FACTURE_DEPOSEE}),
            State.PAYE,
            Actor.STAFF,
            "paid",
        ),
    )
}


def allowed_transitions(state: str, actor: str | None = None) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources and (actor is None or t.actor == actor)]


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
