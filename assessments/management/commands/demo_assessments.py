"""``manage.py demo_assessments``: the three grids, and submitted assessments for the demo establishments. Idempotent.

Run after ``demo_accounts`` (CH de Carcassonne and EHPAD de Luzenac with their members). Adds a MonAideCyber
diagnostic (the answers of SCORING.md's full worked example: a private health entity of 10–49 people) for the CH,
a crisis-exercise self-assessment for the EHPAD, and a few self-assessments for other Occitanie establishments so
that the CRRC's regional view has numbers to show.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from assessments import services
from assessments.loader import builtin_sources, load_grid_path
from assessments.models import Answer, Assessment, Grid
from establishments.models import Establishment

CH_FINESS = "110000023"
EHPAD_FINESS = "090000597"
MAC = "monaidecyber-diagnostic"
EXERCISE = "ans-autoevaluation-exercice-crise"
HYGIENE = "anssi-guide-hygiene"
INFRA = "securite-infrastructure"
FW = f"{INFRA}-pare-feu-deploye"
BACKUP = "reaction-sauvegardes-donnees-realisees-oui-ponctuellement"
MAJ = f"{INFRA}-mises-a-jour-fonctionnelles-securite"

MAC_ANSWERS = [
    ("contexte-nature-entite", "contexte-nature-entite-entreprise-privee"),
    ("contexte-secteur-activite", "contexte-secteur-activite-santé"),
    ("contexte-nombre-personnes-dans-entite", "contexte-nombre-personnes-dans-entite-entre-10-et-49"),
    ("contexte-nombre-postes-travail-dans-entite", "contexte-nombre-postes-travail-dans-entite-entre-10-et-49"),
    ("contexte-activites-recherche-et-developpement", "contexte-activites-recherche-et-developpement-non"),
    ("contexte-opere-systemes-information-industriels", "contexte-opere-systemes-information-industriels-non"),
    ("gouvernance-infos-et-activites-a-proteger", "gouvernance-infos-et-activites-a-proteger-non"),
    ("gouvernance-schema-si-a-jour", "gouvernance-schema-si-a-jour-oui-macro"),
    ("gouvernance-connaissance-rgpd-1", "gouvernance-connaissance-rgpd-1-oui-liste-données"),
    ("gouvernance-connaissance-rgpd-2", "gouvernance-connaissance-rgpd-2-non"),
    ("gouvernance-exigence-cyber-securite-presta", "gouvernance-exigence-cyber-securite-presta-oui-formalisee"),
    ("acces-outil-gestion-des-comptes", "acces-outil-gestion-des-comptes-oui"),
    (
        "acces-utilisateurs-administrateurs-poste",
        "acces-utilisateurs-administrateurs-poste-suppression-privilege-en-cours",
    ),
    ("acces-mesures-securite-robustesse-mdp", "acces-mesures-securite-robustesse-mdp-non"),
    (
        "acces-administrateurs-informatiques-suivie-et-limitee",
        "acces-administrateurs-informatiques-suivie-et-limitee-revue-reguliere",
    ),
    (
        "acces-utilisation-comptes-administrateurs-droits-limitee",
        "acces-utilisation-comptes-administrateurs-droits-quelques-restrictions",
    ),
    (
        "acces-teletravail-acces-distants-mesures-particulieres",
        "acces-teletravail-acces-distants-mesures-particulieres-mfa",
    ),
    ("acces-administrateurs-si-mesures-specifiques", "acces-administrateurs-si-mesures-specifiques-non"),
    (
        "securite-poste-maj-fonctionnelles-et-securite-deployees",
        "securite-poste-maj-fonctionnelles-et-securite-deployees-systematiquement-avec-exceptions",
    ),
    ("securite-poste-antivirus-deploye", "securite-poste-antivirus-deploye-oui-alertes-pas-toujours-traitees"),
    ("securite-poste-pare-feu-local-active", "securite-poste-pare-feu-local-active-non"),
    ("securite-poste-outils-complementaires-securisation", "securite-poste-outils-complementaires-securisation-non"),
    (FW, f"{FW}-oui"),
    (f"{FW}-oui-tiroir-interconnexions-protegees", f"{FW}-oui-tiroir-interconnexions-protegees-oui"),
    (f"{FW}-oui-tiroir-logs-stockes", f"{FW}-oui-tiroir-logs-stockes-non"),
    (f"{MAJ}-equipements-securite-deployees", f"{MAJ}-equipements-securite-deployees-non"),
    (
        f"{MAJ}-systemes-exploitation-securite-deployees",
        f"{MAJ}-systemes-exploitation-securite-deployees-a-intervalle-regulier",
    ),
    (f"{INFRA}-outils-securisation-systeme-messagerie", f"{INFRA}-outils-securisation-systeme-messagerie-antispam"),
    (
        "sensibilisation-actions-sensibilisation-menace-et-bonnes-pratiques",
        "sensibilisation-actions-sensibilisation-menace-et-bonnes-pratiques-oui-ponctuellement",
    ),
    (
        "sensibilisation-collaborateurs-soumis-obligations-usages-securises",
        "sensibilisation-collaborateurs-soumis-obligations-usages-securises-non",
    ),
    (
        "reaction-surveillance-veille-vulnerabilites-potentielles",
        "reaction-surveillance-veille-vulnerabilites-potentielles-veille-ponctuelle",
    ),
    ("reaction-sauvegardes-donnees-realisees", BACKUP),
    (f"{BACKUP}-tiroir-environnement-isole", f"{BACKUP}-tiroir-environnement-isole-non"),
    (f"{BACKUP}-tiroir-sauvegarde-testee-regulierement", f"{BACKUP}-tiroir-sauvegarde-testee-regulierement-non"),
    (
        "reaction-dispositif-gestion-crise-adapte-defini",
        "reaction-dispositif-gestion-crise-adapte-defini-oui-fiche-reflexe",
    ),
]

EXERCISE_ANSWERS = [
    [
        ("identite-exercice-deja-realise", "identite-exercice-deja-realise-non"),
        ("identite-cellule-crise", "identite-cellule-crise-non"),
        ("utilisateurs-privilegies", "utilisateurs-privilegies-non-identifies"),
    ],
    [
        ("identite-exercice-deja-realise", "identite-exercice-deja-realise-plus-un-an"),
        ("identite-cellule-crise", "identite-cellule-crise-oui"),
        ("utilisateurs-privilegies", "utilisateurs-privilegies-identifies"),
    ],
    [
        ("identite-exercice-deja-realise", "identite-exercice-deja-realise-moins-un-an"),
        ("identite-cellule-crise", "identite-cellule-crise-oui"),
        ("utilisateurs-privilegies", "utilisateurs-privilegies-identifies-informes"),
    ],
]


def fill(assessment: Assessment, answers, user) -> None:
    for question_code, option_code in answers:
        question = assessment.grid.questions.get(code=question_code)
        option = question.options.get(code=option_code)
        current = Answer.objects.filter(assessment=assessment, question=question).first()
        services.record_answer(assessment, question.id, [option.id], user, current.version if current else 0)


class Command(BaseCommand):
    help = "Grilles et évaluations de démonstration (idempotent)."

    def handle(self, *args, **options):
        for source in builtin_sources():
            self.stdout.write(load_grid_path(source).message)
        grids = {grid.slug: grid for grid in Grid.objects.filter(is_current=True)}
        establishments = {e.finess: e for e in Establishment.objects.filter(finess__in=[CH_FINESS, EHPAD_FINESS])}
        rssi = User.objects.filter(email="rssi.ch@demo.crrc.example").first()
        director = User.objects.filter(email="directeur.ehpad@demo.crrc.example").first()
        if CH_FINESS in establishments:
            self._submitted(establishments[CH_FINESS], grids[MAC], MAC_ANSWERS, rssi)
            self._submitted(establishments[CH_FINESS], grids[EXERCISE], EXERCISE_ANSWERS[1], rssi)
        if EHPAD_FINESS in establishments:
            self._submitted(establishments[EHPAD_FINESS], grids[EXERCISE], EXERCISE_ANSWERS[0], director)
        else:
            self.stdout.write("CH de Carcassonne / EHPAD de Luzenac absents : lancez d'abord demo_accounts.")
        # A few more self-assessments in the same region, for the CRRC's distribution by level and sector.
        region_id = next(iter(establishments.values())).region_id if establishments else None
        if region_id:
            others = (
                Establishment.objects.filter(region_id=region_id)
                .exclude(finess__in=[CH_FINESS, EHPAD_FINESS])
                .exclude(category__isnull=True)
                .order_by("finess")
            )
            picked = list(others.filter(sector="ES")[:4]) + list(others.filter(sector="ESMS")[:4])
            for index, establishment in enumerate(picked):
                self._submitted(establishment, grids[EXERCISE], EXERCISE_ANSWERS[index % 3], None)
            if picked:
                self._draft(picked[0], grids[HYGIENE])

    @transaction.atomic
    def _submitted(self, establishment, grid, answers, user) -> None:
        if Assessment.objects.filter(establishment=establishment, grid__slug=grid.slug).exists():
            return
        assessment = services.start_assessment(establishment, grid, user)
        fill(assessment, answers, user)
        services.submit_assessment(assessment, user)
        assessment.refresh_from_db()
        self.stdout.write(f"  {establishment.name} : {grid.title} soumise ({assessment.level_label or '—'})")

    @transaction.atomic
    def _draft(self, establishment, grid) -> None:
        if Assessment.objects.filter(establishment=establishment, grid__slug=grid.slug).exists():
            return
        services.start_assessment(establishment, grid, None)
        self.stdout.write(f"  {establishment.name} : {grid.title} commencée")
