import datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

register = template.Library()


@register.filter
def answer_display(value) -> str:
    """An answer as a person reads it: Oui/Non, dates in French order, lists joined."""
    if value is True:
        return _("Oui")
    if value is False:
        return _("Non")
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


# What each state means, in Démarches Simplifiées' own vocabulary (applicants know these terms from other calls),
# shown beside the state wherever an applicant sees it.
STATE_HELP = {
    "brouillon": _lazy("Brouillon — pas encore déposé : l'équipe du CRRC ne le voit pas."),
    "en_construction": _lazy("En construction — déposé, modifiable jusqu'à l'instruction."),
    "en_instruction": _lazy("En instruction — examiné par l'équipe du CRRC, plus modifiable."),
    "correction_demandee": _lazy(
        "En attente de correction — le CRRC attend votre réponse pour reprendre l'instruction."
    ),
    "accepte": _lazy("Accepté — financement accordé ; déclarez le service fait une fois la prestation réalisée."),
    "refuse": _lazy("Refusé — décision définitive, motivée dans la lettre de décision."),
    "sans_suite": _lazy("Classé sans suite — clos sans décision sur le fond, motif dans la lettre de décision."),
    "abandonne": _lazy("Abandonné — la candidature a été retirée par l'établissement."),
    "service_fait": _lazy("Service fait — prestation déclarée réalisée ; la facture est attendue."),
    "facture_deposee": _lazy("Facture déposée — paiement en cours de traitement."),
    "paye": _lazy("Payé — financement versé, dossier clos."),
}

# History entries that record an action without a change of state.
EVENT_LABELS = {
    "create": _lazy("Brouillon créé"),
    "attribute_kind": _lazy("Type de projet attribué"),
}


@register.filter
def state_help(state: str) -> str:
    return str(STATE_HELP.get(state, ""))


@register.filter
def transition_summary(log) -> str:
    """One history line per step: "Déposer le dossier : Brouillon → En construction", or the action's name when the
    state did not change (never "En construction → En construction")."""
    from calls.workflow import TRANSITIONS

    if log.transition in EVENT_LABELS or log.from_state == log.to_state:
        label = EVENT_LABELS.get(log.transition)
        if label is None:
            transition = TRANSITIONS.get(log.transition)
            label = transition.label if transition else log.transition
        return str(label)
    transition = TRANSITIONS.get(log.transition)
    states = f"{log.get_from_state_display()} → {log.get_to_state_display()}"
    return f"{transition.label} : {states}" if transition else states


@register.filter
def share_percent(value) -> str:
    """A 0–1 share as people write it: 0.667 → "67 %" (None → "—")."""
    if value in (None, ""):
        return "—"
    return f"{round(float(value) * 100)}\u00a0%"
