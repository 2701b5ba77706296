"""The steps every health structure must take after a cyber incident, declared once as data.

Each step has a deadline counted from detection and applies when the incident's answers say so (a complaint when
there is harm, the CNIL when personal data is concerned, ANSSI for an OSE). ``services.declare`` creates the steps
that apply; the incident page shows them in order of deadline; ``tasks.send_step_reminders`` reminds when due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The national portal for reporting health-sector adverse events (mandatory for cyber incidents, decree 2022-715).
NATIONAL_PORTAL_URL = "https://signalement.social-sante.gouv.fr"
CNIL_NOTIFICATION_URL = "https://notifications.cnil.fr/notifications/index"
COMPLAINT_ONLINE_URL = "https://www.masecurite.interieur.gouv.fr"


class StepKind(models.TextChoices):
    INFORM_RSSI = "inform_rssi", _("Informer le RSSI et la direction")
    CRISIS_CELL = "crisis_cell", _("Ouvrir la cellule de crise")
    NATIONAL_PORTAL = "national_portal", _("Déclarer l'incident sur le portail national de signalement")
    COMPLAINT = "complaint", _("Porter plainte")
    CNIL = "cnil", _("Notifier la CNIL")
    ANSSI = "anssi", _("Notifier l'ANSSI")


@dataclass(frozen=True)
class StepSpec:
    kind: str
    delay: timedelta
    # How the deadline is said to people ("sans délai", "sous 72 heures").
    delay_label: str | Promise
    guidance: str | Promise
    applies: Callable[[object], bool] = lambda incident: True
    link: str = ""


STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        StepKind.INFORM_RSSI,
        timedelta(hours=1),
        _("dans l'heure"),
        _(
            "Prévenez le RSSI (ou le référent informatique) et la direction. Ne redémarrez pas et n'éteignez pas les "
            "postes touchés : isolez-les du réseau (câble débranché, Wi-Fi coupé)."
        ),
    ),
    StepSpec(
        StepKind.CRISIS_CELL,
        timedelta(hours=4),
        _("dans les 4 heures"),
        _(
            "Réunissez la cellule de crise avec vos fiches réflexes et déclenchez le plan de continuité d'activité "
            "(procédures dégradées, moyens de communication de secours)."
        ),
    ),
    StepSpec(
        StepKind.NATIONAL_PORTAL,
        timedelta(hours=24),
        _("sans délai (au plus tard sous 24 heures)"),
        _(
            "La déclaration sur le portail de signalement des événements sanitaires indésirables est obligatoire "
            "(décret n° 2022-715). Elle déclenche l'accompagnement du CERT Santé."
        ),
        link=NATIONAL_PORTAL_URL,
    ),
    StepSpec(
        StepKind.COMPLAINT,
        timedelta(hours=72),
        _("sous 72 heures"),
        _(
            "En cas de préjudice, déposez plainte au commissariat ou à la gendarmerie (ou en ligne) dans les 72 "
            "heures : c'est aussi une condition de la plupart des contrats d'assurance cyber."
        ),
        applies=lambda incident: incident.harm,
        link=COMPLAINT_ONLINE_URL,
    ),
    StepSpec(
        StepKind.CNIL,
        timedelta(hours=72),
        _("sous 72 heures"),
        _(
            "Des données personnelles sont concernées : notifiez la violation à la CNIL dans les 72 heures (RGPD, "
            "article 33), avec votre délégué à la protection des données."
        ),
        applies=lambda incident: incident.personal_data,
        link=CNIL_NOTIFICATION_URL,
    ),
    StepSpec(
        StepKind.ANSSI,
        timedelta(hours=24),
        _("sans délai"),
        _("Opérateur de services essentiels : notifiez aussi l'incident à l'ANSSI (CERT-FR)."),
        applies=lambda incident: incident.is_ose,
    ),
)

SPECS: dict[str, StepSpec] = {spec.kind: spec for spec in STEPS}


def applicable_steps(incident) -> list[StepSpec]:
    return [spec for spec in STEPS if spec.applies(incident)]
