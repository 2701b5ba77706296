"""``manage.py demo_exercises``: crisis exercises for the demo establishments and their region. Idempotent.

- CH de Carcassonne: an exercise played last spring and closed (chronogram as played, main courante, observations,
  RETEX, improvement points in the action plan), and the next one, ready, in three weeks (the CRRC team animates,
  the director leads the crisis cell, the awareness relay observes);
- EHPAD de Luzenac: an exercise played last week, to debrief (RETEX to answer, improvement points to add);
- about twenty other exercises across the region's establishments, so that the register has figures.

Everything goes through ``services`` (workflow, guards, journal); the dates of the past exercises are then moved
back in time. Run after ``demo_accounts`` (and ``demo_action_plans``). A second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from establishments.models import Establishment
from establishments.roles import Sector
from exercises import services
from exercises.choices import Cell, Function, KitLevel, ObservationKind
from exercises.models import Exercise, Scenario

CH_FINESS = "110000023"
EHPAD_FINESS = "090000597"
DOMAIN = "@demo.crrc.example"

PAST_TITLE = "Exercice rançongiciel 2026 – cellule de crise"
NEXT_TITLE = "Exercice compromission de messagerie"
EHPAD_TITLE = "Premier exercice de crise cyber de l'EHPAD"
MULTI_SITE_TITLE = "Exercice inter-sites de l'organisme gestionnaire"

JOURNAL = [
    "Cellule de crise réunie en salle du conseil ; la directrice prend la direction de crise.",
    "Décision : isolement du réseau et coupure des accès distants.",
    "Passage en procédures dégradées papier pour les services de soins.",
    "Déclaration faite sur le portail de signalement (ARS, CERT Santé).",
    "Message d'attente validé pour le standard et les familles.",
]
OBSERVATIONS = [
    (ObservationKind.STRENGTH, "Cellule de crise réunie en moins de 15 minutes, rôles clairs."),
    (ObservationKind.STRENGTH, "Main courante tenue sans interruption par l'assistante de direction."),
    (ObservationKind.IMPROVEMENT, "L'annuaire de crise imprimé n'était pas à jour (trois numéros erronés)."),
    (
        ObservationKind.IMPROVEMENT,
        "Les fiches réflexes « mode dégradé » n'étaient pas disponibles au service des urgences.",
    ),
    (ObservationKind.IMPROVEMENT, "Aucun porte-parole désigné avant l'appel du journaliste."),
]


def _user(local: str) -> User | None:
    return User.objects.filter(email=f"{local}{DOMAIN}").first()


class Command(BaseCommand):
    help = "Crée des exercices de crise de démonstration (idempotent)."

    def handle(self, *args, **options) -> None:
        call_command("load_exercise_scenarios", verbosity=0, stdout=StringIO())
        staff = _user("equipe.crrc")
        ch = Establishment.objects.filter(finess=CH_FINESS).first()
        ehpad = Establishment.objects.filter(finess=EHPAD_FINESS).first()
        if staff is None or ch is None or ehpad is None:
            self.stdout.write("demo_exercises : comptes ou établissements de démonstration absents, rien à faire.")
            return
        scenarios = {s.slug: s for s in Scenario.objects.all()}
        created = 0
        if not Exercise.objects.filter(establishment=ch, title=PAST_TITLE).exists():
            self._played_and_closed(ch, staff, scenarios["rancongiciel"])
            created += 1
        if not Exercise.objects.filter(establishment=ch, title=NEXT_TITLE).exists():
            self._ready(ch, staff, scenarios["compromission-messagerie"])
            created += 1
        if not Exercise.objects.filter(establishment=ehpad, title=EHPAD_TITLE).exists():
            self._to_debrief(ehpad, staff, scenarios["rancongiciel"])
            created += 1
        created += self._multi_site(ehpad, staff, scenarios["panne-hebergeur"])
        created += self._region(ch, staff, list(scenarios.values()))
        self.stdout.write(f"demo_exercises : {created} exercice(s) créé(s).")

    # ---- helpers -------------------------------------------------------------------------------------------

    def _new(self, establishment, staff, scenario, title, days, **extra) -> Exercise:
        return services.create_exercise(
            establishment,
            staff,
            title=title,
            scenario=scenario,
            kit_level=scenario.kit_level or KitLevel.BEGINNER,
            kit_level_reason="Choix du CRRC lors de la réunion de cadrage" if scenario.kit_level else "",
            starts_at=(timezone.now() + timedelta(days=days)).replace(hour=9, minute=30, second=0, microsecond=0),
            location=extra.pop("location", "Salle du conseil"),
            **extra,
        )

    def _people(self, exercise, staff, accounts: list[tuple[str, str, str]], guests: list[tuple[str, str, str, str]]):
        for local, cell, function in accounts:
            user = _user(local)
            if user is not None:
                services.add_participant(exercise, staff, cell=cell, function=function, account=user)
        for name, email, cell, function in guests:
            services.add_participant(exercise, staff, cell=cell, function=function, name=name, email=email)

    def _play(self, exercise, staff, observer) -> Exercise:
        exercise = services.transition(exercise, staff, "mark_ready")
        exercise = services.transition(exercise, staff, "start")
        stimuli = list(exercise.stimuli.order_by("offset_seconds"))
        for n, stimulus in enumerate(stimuli):
            if n == len(stimuli) - 2:
                services.skip_stimulus(stimulus, staff, "La cellule avait déjà anticipé ce point.")
                continue
            services.play_stimulus(stimulus, staff)
            if stimulus.expected_reaction:
                services.score_stimulus(stimulus, staff, ["achieved", "partly", "not_achieved"][n % 3])
        for text in JOURNAL:
            services.add_journal_entry(exercise, staff, text)
        objectives = list(exercise.objectives.all())
        for n, (kind, text) in enumerate(OBSERVATIONS):
            services.add_observation(
                exercise,
                observer or staff,
                kind=kind,
                text=text,
                objective=objectives[n % len(objectives)] if objectives else None,
            )
        return services.transition(exercise, staff, "finish")

    def _shift(self, exercise: Exercise, days: int) -> None:
        """Move a played exercise back in time and spread what happened over its simulation, as on the day."""
        exercise.refresh_from_db()
        start = exercise.starts_at - timedelta(days=days)
        Exercise.objects.filter(pk=exercise.pk).update(
            starts_at=start,
            started_at=start,
            ended_at=start + timedelta(minutes=exercise.simulation_minutes),
            created_at=start - timedelta(days=45),
        )
        for n, stimulus in enumerate(exercise.stimuli.exclude(played_at=None).order_by("offset_seconds")):
            played = stimulus.offset_seconds + 60 * (n % 4)
            type(stimulus).objects.filter(pk=stimulus.pk).update(
                played_offset_seconds=played, played_at=start + timedelta(seconds=played)
            )
        for n, entry in enumerate(exercise.journal.order_by("at", "pk")):
            offset = min(n * 420, exercise.simulation_minutes * 60)
            type(entry).objects.filter(pk=entry.pk).update(at=start + timedelta(seconds=offset), offset_seconds=offset)
        for n, observation in enumerate(exercise.observations.order_by("at", "pk")):
            offset = 600 + n * 700
            type(observation).objects.filter(pk=observation.pk).update(
                at=start + timedelta(seconds=offset), offset_seconds=offset
            )
        exercise.transitions.filter(transition__in=["start", "finish"]).update(at=start)

    def _retex(self, exercise, answers: int) -> None:
        exercise.refresh_from_db()
        questions = list(exercise.retex_template.questions.all()) if exercise.retex_template else []
        for n, participant in enumerate(exercise.participants.order_by("pk")[:answers]):
            services.submit_retex(
                participant,
                {
                    q.pk: {
                        "score": [80, 60, 70, 90, 50][(n + i) % 5],
                        "worked": "Bonne mobilisation de la cellule" if i == 0 else "",
                        "did_not_work": "Annuaire de crise à mettre à jour" if i == 1 else "",
                    }
                    for i, q in enumerate(questions)
                },
            )

    # ---- the three stories ---------------------------------------------------------------------------------

    @transaction.atomic
    def _played_and_closed(self, ch, staff, scenario) -> None:
        exercise = self._new(ch, staff, scenario, PAST_TITLE, 2)
        self._people(
            exercise,
            staff,
            [
                ("equipe.crrc", Cell.ANIMATION, Function.OTHER),
                ("directrice.ch", Cell.CRISIS, Function.DIRECTOR),
                ("rssi.ch", Cell.CRISIS, Function.IT),
                ("relais.ch", Cell.OBSERVERS, Function.QUALITY),
            ],
            [
                ("Dr Hélène Roques", "h.roques@ch-carcassonne.example", Cell.CRISIS, Function.MEDICAL),
                ("Julien Pons", "j.pons@ch-carcassonne.example", Cell.CRISIS, Function.COMMUNICATION),
                ("Nadia Ferhat", "n.ferhat@ch-carcassonne.example", Cell.CRISIS, Function.LOGISTICS),
            ],
        )
        exercise = self._play(exercise, staff, _user("relais.ch"))
        services.set_retex_anonymous(exercise, staff, True)
        self._retex(exercise, 5)
        director = _user("directrice.ch")
        picks = [
            {
                "observation": o,
                "priority": "P1",
                "deadline": timezone.localdate() + timedelta(days=30),
                "owner": director,
            }
            for o in exercise.observations.filter(kind=ObservationKind.IMPROVEMENT)
        ]
        items = services.add_improvements_to_plan(exercise, staff, picks)
        from action_plans import services as plan_services

        if items:
            plan_services.start_item(items[0], director)
            plan_services.complete_item(items[0], director)
        exercise = services.transition(exercise, staff, "debrief")
        Exercise.objects.filter(pk=exercise.pk).update(reported_at=timezone.now())
        exercise.refresh_from_db()
        exercise = services.transition(exercise, staff, "close")
        self._shift(exercise, 200)
        Exercise.objects.filter(pk=exercise.pk).update(reported_at=timezone.now() - timedelta(days=185))

    @transaction.atomic
    def _ready(self, ch, staff, scenario) -> None:
        exercise = self._new(ch, staff, scenario, NEXT_TITLE, 21, format="on_site")
        exercise.scoping_notes = (
            "Réunion de cadrage tenue avec la directrice et le RSSI : périmètre messagerie et finances."
        )
        Exercise.objects.filter(pk=exercise.pk).update(
            scoping_notes=exercise.scoping_notes, scoping_meeting_at=timezone.now() - timedelta(days=3)
        )
        self._people(
            exercise,
            staff,
            [
                ("equipe.crrc", Cell.ANIMATION, Function.OTHER),
                ("directrice.ch", Cell.CRISIS, Function.DIRECTOR),
                ("rssi.ch", Cell.CRISIS, Function.IT),
                ("membre.ch", Cell.CRISIS, Function.COMMUNICATION),
                ("relais.ch", Cell.OBSERVERS, Function.QUALITY),
            ],
            [("Marc Aubert", "m.aubert@ch-carcassonne.example", Cell.CRISIS, Function.LOGISTICS)],
        )
        exercise = services.transition(exercise, staff, "plan")
        services.transition(exercise, staff, "mark_ready")
        for item in exercise.logistics.all()[:3]:
            services.toggle_logistics(item, staff)

    @transaction.atomic
    def _to_debrief(self, ehpad, staff, scenario) -> None:
        exercise = self._new(ehpad, staff, scenario, EHPAD_TITLE, 1, location="Salle d'animation")
        self._people(
            exercise,
            staff,
            [
                ("equipe.crrc", Cell.ANIMATION, Function.OTHER),
                ("directeur.ehpad", Cell.CRISIS, Function.DIRECTOR),
                ("membre.ehpad", Cell.CRISIS, Function.MEDICAL),
            ],
            [
                ("Élodie Sarda (IDEC)", "idec@ehpad-luzenac.example", Cell.CRISIS, Function.MEDICAL),
                ("Prestataire informatique", "support@infogerance.example", Cell.CRISIS, Function.IT),
            ],
        )
        exercise = self._play(exercise, staff, None)
        self._retex(exercise, 1)
        self._shift(exercise, 8)

    @transaction.atomic
    def _multi_site(self, ehpad, staff, scenario) -> int:
        """The EHPAD's organisation runs an exercise from its other EHPAD (FINESS: same legal entity), with the
        EHPAD de Luzenac as a participating site: its director sees it on "Mon établissement"."""
        if not ehpad.organisation_id:
            return 0
        owner = (
            Establishment.objects.filter(organisation_id=ehpad.organisation_id, region=ehpad.region)
            .exclude(pk=ehpad.pk)
            .order_by("finess")
            .first()
        )
        if owner is None or Exercise.objects.filter(establishment=owner, title=MULTI_SITE_TITLE).exists():
            return 0
        exercise = self._new(owner, staff, scenario, MULTI_SITE_TITLE, 45, location="Salle de réunion du siège")
        services.set_sites(exercise, staff, [ehpad])
        director = _user("directeur.ehpad")
        services.add_participant(exercise, staff, cell=Cell.ANIMATION, function=Function.OTHER, account=staff)
        services.add_participant(
            exercise,
            staff,
            cell=Cell.CRISIS,
            function=Function.DIRECTOR,
            name=f"Direction – {owner.name.title()}",
            email="direction@ehpad-siege.example",
        )
        if director is not None:
            services.add_participant(
                exercise, staff, cell=Cell.CRISIS, function=Function.DIRECTOR, account=director, site=ehpad
            )
        services.transition(exercise, staff, "plan")
        return 1

    def _region(self, ch, staff, scenarios) -> int:
        """Other exercises of the region, for the register: a mix of levels, sectors, states."""
        if Exercise.objects.filter(establishment__region=ch.region, title__startswith="Exercice régional").exists():
            return 0
        rng = random.Random(20261201)  # stable demo data
        targets = list(
            Establishment.objects.filter(region=ch.region, sector__in=[Sector.ES, Sector.ESMS])
            .exclude(finess__in=[CH_FINESS, EHPAD_FINESS])
            .order_by("finess")[:20]
        )
        count = 0
        for n, establishment in enumerate(targets):
            scenario = scenarios[n % len(scenarios)]
            with transaction.atomic():
                exercise = self._new(establishment, staff, scenario, f"Exercice régional – {scenario.title}", 10 + n)
                services.add_participant(
                    exercise,
                    staff,
                    cell=Cell.CRISIS,
                    function=Function.DIRECTOR,
                    name="Direction",
                    email=f"direction{n}@exemple.fr",
                )
                fate = rng.choice(["planned", "planned", "closed", "closed", "played", "cancelled"])
                if fate == "planned":
                    services.transition(exercise, staff, "plan")
                elif fate == "cancelled":
                    services.transition(exercise, staff, "cancel", reason="Report demandé par l'établissement")
                else:
                    exercise = self._play(exercise, staff, None)
                    if fate == "closed":
                        exercise = services.transition(exercise, staff, "debrief")
                        Exercise.objects.filter(pk=exercise.pk).update(reported_at=timezone.now())
                        exercise.refresh_from_db()
                        exercise = services.transition(exercise, staff, "close")
                    days = rng.randint(20, 300)
                    self._shift(exercise, days)
                    if fate == "closed":
                        Exercise.objects.filter(pk=exercise.pk).update(
                            reported_at=timezone.now() - timedelta(days=days) + timedelta(days=rng.randint(7, 40))
                        )
            count += 1
        return count
