from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from exercises.choices import Cell, Channel, Function, KitLevel, ObservationKind
from exercises.models import (
    Exercise,
    JournalEntry,
    LogisticsItem,
    Objective,
    Observation,
    Participant,
    RetexAnswer,
    RetexQuestion,
    RetexResponse,
    RetexTemplate,
    Stimulus,
)
from tests.establishments.factories import EstablishmentFactory


class ExerciseFactory(DjangoModelFactory):
    class Meta:
        model = Exercise

    establishment = factory.SubFactory(EstablishmentFactory)
    title = factory.Sequence(lambda n: f"Exercice rançongiciel {n}")
    kit_level = KitLevel.BEGINNER
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = Objective

    exercise = factory.SubFactory(ExerciseFactory)
    text = factory.Sequence(lambda n: f"Objectif {n} : déclencher la cellule de crise")


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    exercise = factory.SubFactory(ExerciseFactory)
    cell = Cell.CRISIS
    function = Function.OTHER
    name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@exemple.fr")


class StimulusFactory(DjangoModelFactory):
    class Meta:
        model = Stimulus

    exercise = factory.SubFactory(ExerciseFactory)
    offset_seconds = factory.Sequence(lambda n: 600 * n)
    channel = Channel.PHONE
    sender = "Journaliste"
    content = factory.Sequence(lambda n: f"Appel {n} d'un journaliste")
    expected_reaction = "Renvoyer vers le porte-parole"


class LogisticsItemFactory(DjangoModelFactory):
    class Meta:
        model = LogisticsItem

    exercise = factory.SubFactory(ExerciseFactory)
    label = "Salle de crise"


class JournalEntryFactory(DjangoModelFactory):
    class Meta:
        model = JournalEntry

    exercise = factory.SubFactory(ExerciseFactory)
    text = "Cellule de crise réunie"


class ObservationFactory(DjangoModelFactory):
    class Meta:
        model = Observation

    exercise = factory.SubFactory(ExerciseFactory)
    kind = ObservationKind.IMPROVEMENT
    text = factory.Sequence(lambda n: f"Annuaire de crise introuvable ({n})")


class RetexResponseFactory(DjangoModelFactory):
    class Meta:
        model = RetexResponse

    exercise = factory.SubFactory(ExerciseFactory)


class RetexTemplateFactory(DjangoModelFactory):
    class Meta:
        model = RetexTemplate
        django_get_or_create = ("slug",)

    slug = "retex-tests"
    title = "RETEX (tests)"


class RetexQuestionFactory(DjangoModelFactory):
    class Meta:
        model = RetexQuestion

    template = factory.SubFactory(RetexTemplateFactory)
    category = "Alerte"
    text = "L'alerte a été donnée rapidement"
    order = factory.Sequence(int)


class RetexAnswerFactory(DjangoModelFactory):
    class Meta:
        model = RetexAnswer

    response = factory.SubFactory(RetexResponseFactory)
    question = factory.SubFactory(RetexQuestionFactory)
    score = 70
