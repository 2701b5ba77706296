"""``manage.py demo_action_plans``: realistic action plans for the demo establishments. Idempotent.

Items come from real MonAideCyber measures (ANSSI, Apache-2.0, read in place from the reference data), as if
proposed by a maturity diagnostic, plus a crisis-exercise debrief and an audit finding. They are added through
``services.add_items`` with stable ``source_key``s, so running the command again adds nothing; statuses, owners
and deadlines are set only on items this run created. Run after ``demo_accounts``.
"""

from dataclasses import dataclass
from datetime import timedelta

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from action_plans import services
from action_plans.models import ActionItem
from action_plans.services import ItemProposal
from action_plans.workflow import Priority, SourceKind
from establishments.models import Establishment
from establishments.roles import Role
from establishments.selectors import active_memberships

DEFAULT_FINESS = ["110000023", "090000597"]  # CH de Carcassonne, EHPAD de Luzenac (see demo_accounts)
MEASURES_FILE = "frameworks/monaidecyber/mesures.yaml"


@dataclass(frozen=True)
class Plan:
    """What happened to a demo item: days to deadline (negative = overdue), status, progress, owner role."""

    deadline_days: int
    status: str = "todo"
    progress: int = 0
    owner_role: str = Role.RSSI
    comment: str = ""
    reason: str = ""


# Measure id → what the establishment did with it (the first in each list are the most urgent measures).
SCENARIOS = {
    "gouvernance-infos-et-activites-a-proteger": Plan(
        -20,
        "in_progress",
        60,
        Role.DIRECTOR,
        "Atelier tenu avec les cadres de santé ; reste à valider la liste en CODIR.",
    ),
    "reaction-sauvegardes-donnees-realisees": Plan(
        -5, "in_progress", 40, comment="Devis reçu pour un NAS et une rotation de disques hors ligne."
    ),
    "securite-poste-antivirus-deploye": Plan(-40, "done", 100),
    "securite-poste-maj-fonctionnelles-et-securite-deployees": Plan(10, "in_progress", 70),
    "acces-utilisateurs-administrateurs-poste": Plan(25),
    "acces-teletravail-acces-distants-mesures-particulieres": Plan(45, owner_role=Role.DIRECTOR),
    "acces-mesures-securite-robustesse-mdp": Plan(-2),
    "sensibilisation-actions-sensibilisation-menace-et-bonnes-pratiques": Plan(60, owner_role=Role.AWARENESS_RELAY),
    "reaction-dispositif-gestion-crise-adapte-defini": Plan(5, "in_progress", 20),
    "gouvernance-exigence-cyber-securite-presta": Plan(90, owner_role=Role.DIRECTOR),
    "securite-poste-outils-complementaires-securisation": Plan(
        120, "abandoned", reason="Solution EDR mutualisée prévue par le GHT en 2027."
    ),
    "sensibilisation-collaborateurs-soumis-obligations-usages-securises": Plan(30, owner_role=Role.DIRECTOR),
}
SMALL_STRUCTURE = list(SCENARIOS)[:7]  # an EHPAD starts with fewer, more basic measures


def _priority(rank: int) -> str:
    return Priority.P1 if rank < 9 else Priority.P2 if rank < 25 else Priority.P3


class Command(BaseCommand):
    help = "Crée des plans d'action réalistes pour les établissements de démonstration (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--finess", nargs="*", default=DEFAULT_FINESS, help="FINESS des établissements.")

    def handle(self, *args, finess, **options) -> None:
        path = settings.REFERENCE_DATA_DIR / MEASURES_FILE
        if not path.exists():
            raise CommandError(f"Référentiel MonAideCyber introuvable : {path}")
        measures = {m["identifiant"]: m for m in yaml.safe_load(path.read_text(encoding="utf-8"))["mesures"]}
        establishments = list(Establishment.objects.filter(finess__in=finess).order_by("name"))
        if not establishments:
            raise CommandError(
                "Aucun établissement de démonstration : lancez d'abord « manage.py import_finess … » "
                "puis « manage.py demo_accounts »."
            )
        for establishment in establishments:
            created = self._build(establishment, measures)
            total = ActionItem.objects.filter(plan__establishment=establishment).count()
            self.stdout.write(f"  {establishment.name} : {total} actions ({created} ajoutées)")

    @transaction.atomic
    def _build(self, establishment: Establishment, measures: dict) -> int:
        members = {m.role: m.user for m in active_memberships(establishment).order_by("created_at")}
        author = members.get(Role.RSSI) or members.get(Role.DIRECTOR)
        ids = list(SCENARIOS) if establishment.sector == "ES" else SMALL_STRUCTURE
        proposals = [
            ItemProposal(
                title=measures[i]["niveau1"]["titre"],
                description=f"Pourquoi ? {measures[i]['niveau1']['pourquoi']}",
                priority=_priority(measures[i]["priorisation"]),
                source_kind=SourceKind.ASSESSMENT_ANSWER,
                source_label="Diagnostic de maturité MonAideCyber (démonstration) – mesure ANSSI",
                source_key=f"demo:monaidecyber:{i}",
            )
            for i in ids
            if i in measures
        ]
        proposals += [
            ItemProposal(
                title="Imprimer et tester la fiche réflexe « rançongiciel » avec l'équipe de nuit",
                description=(
                    "Constat de l'exercice : l'équipe de nuit ne savait pas qui appeler ni comment isoler un poste."
                ),
                priority=Priority.P1,
                source_kind=SourceKind.EXERCISE_DEBRIEF,
                source_label="Retour d'expérience – exercice de crise cyber (démonstration)",
                source_key="demo:exercise:fiche-reflexe",
            ),
            ItemProposal(
                title="Supprimer les comptes génériques partagés sur le logiciel de soins",
                description=(
                    "Constat d'audit : trois comptes « IDE » partagés, sans traçabilité des accès au dossier patient."
                ),
                priority=Priority.P2,
                source_kind=SourceKind.AUDIT_FINDING,
                source_label="Audit flash du CRRC (démonstration)",
                source_key="demo:audit:comptes-generiques",
            ),
        ]
        existing = set(
            ActionItem.objects.filter(plan__establishment=establishment).values_list("source_key", flat=True)
        )
        items = services.add_items(establishment, proposals, author)
        today = timezone.localdate()
        created = 0
        for proposal, item in zip(proposals, items, strict=True):
            if proposal.source_key in existing:
                continue
            created += 1
            scenario = SCENARIOS.get(proposal.source_key.removeprefix("demo:monaidecyber:"), Plan(15))
            owner = members.get(scenario.owner_role) or author
            item = services.update_item(
                item,
                author,
                expected_version=item.version,
                owner=owner,
                deadline=today + timedelta(days=scenario.deadline_days),
                progress=scenario.progress if scenario.status != "done" else 0,
            )
            if scenario.status in {"in_progress", "done"}:
                item = services.start_item(item, author)
            if scenario.status == "done":
                item = services.complete_item(item, author)
            if scenario.status == "abandoned":
                item = services.abandon_item(item, author, reason=scenario.reason)
            if scenario.comment:
                services.add_comment(item, author, scenario.comment)
        return created
