"""Reviewers' demo data on top of ``demo_calls``, idempotently: region labels, the CRRC staff assigned to the
submitted applications of their region, a motivation score, a private note, a message to the applicant, a
notification setting, and the priorities computed. Run after ``demo_calls``.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from calls.models import Application, Call
from calls.review.models import Label, Message, NotificationPreference, ReviewerAssignment, ReviewNote, ReviewScore
from calls.review.priority import refresh_priorities
from calls.review.selectors import region_reviewers
from calls.workflow import State

LABELS = [
    ("Dossier complet", Label.Colour.GREEN),
    ("Pièce à vérifier", Label.Colour.ORANGE),
    ("Prioritaire", Label.Colour.RED),
    ("Premier dossier de l'établissement", Label.Colour.BLUE),
]


class Command(BaseCommand):
    help = "Ajoute les données d'instruction de démonstration (étiquettes, assignations, notes) aux appels de démo."

    def handle(self, *args, **options) -> None:
        calls = Call.objects.filter(applications__state__in=[State.EN_CONSTRUCTION, State.EN_INSTRUCTION]).distinct()
        with transaction.atomic():
            for call in calls.select_related("region"):
                self._call(call)
        self.stdout.write(f"Instruction de démonstration prête pour {calls.count()} appel(s).")

    def _call(self, call: Call) -> None:
        labels = {
            name: Label.objects.get_or_create(region=call.region, call=None, name=name, defaults={"colour": colour})[0]
            for name, colour in LABELS
        }
        reviewers = list(region_reviewers(call))
        if not reviewers:
            self.stdout.write(f"  {call.title} : aucun membre de l'équipe CRRC dans la région, rien à assigner.")
            return
        lead = reviewers[0]
        NotificationPreference.objects.get_or_create(
            user=lead, call=call, defaults={"frequency": NotificationPreference.Frequency.DAILY}
        )
        applications = list(
            Application.objects.filter(call=call)
            .exclude(state__in=[State.BROUILLON, State.ABANDONNE])
            .select_related("establishment")
            .order_by("submitted_at", "pk")
        )
        for index, application in enumerate(applications):
            ReviewerAssignment.objects.get_or_create(
                application=application, reviewer=reviewers[index % len(reviewers)], defaults={"assigned_by": lead}
            )
            labels["Dossier complet" if index % 2 == 0 else "Pièce à vérifier"].applications.add(application)
            if index == 0:
                ReviewScore.objects.get_or_create(
                    application=application,
                    reviewer=lead,
                    defaults={"motivation": 4, "comment": "Motivation claire, calendrier réaliste."},
                )
                if not application.review_notes.exists():
                    ReviewNote.objects.create(
                        application=application,
                        author=lead,
                        text="Prestataire déjà référencé par l'ARS ; vérifier le montant du bon de commande.",
                    )
                if not application.messages.exists():
                    Message.objects.create(
                        application=application,
                        author=lead,
                        from_staff=True,
                        body="Bonjour, pourriez-vous nous confirmer la date prévue de l'exercice ? Merci.",
                    )
        refresh_priorities(applications)
        self.stdout.write(f"  {call.title} : {len(applications)} dossier(s) assigné(s) et étiquetés.")
