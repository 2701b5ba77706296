import factory
from factory.django import DjangoModelFactory

from assessments.gridformat import parse_grid_text
from assessments.loader import load_grid_data
from assessments.models import Answer, Assessment, AssessmentTransition, Grid
from tests.establishments.factories import EstablishmentFactory

SMALL_GRID = """\
format: crrc-grid/1
slug: grille-essai
version: "1"
title: Grille d'essai
licence: CC-BY-4.0
attribution: CRRC (essai)
levels:
- {code: bas, label: Niveau bas, max: 5, max_inclusive: false}
- {code: haut, label: Niveau haut, min: 5}
measures:
- code: m1
  rank: 1
  levels: [{level: 1, title: Faire la mesure 1, priority: P1}]
sections:
- code: s1
  title: Thème unique
  questions:
  - code: q1
    text: La mesure 1 est-elle appliquée ?
    options:
    - {code: q1-oui, label: Oui, points: 10}
    - {code: q1-non, label: Non, points: 0, recommendations: [{measure: m1, level: 1}]}
"""


def small_grid() -> Grid:
    grid = Grid.objects.filter(slug="grille-essai", version="1").first()
    return grid or load_grid_data(parse_grid_text(SMALL_GRID)).grid


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    establishment = factory.SubFactory(EstablishmentFactory)
    grid = factory.LazyFunction(small_grid)


class AnswerFactory(DjangoModelFactory):
    class Meta:
        model = Answer
        skip_postgeneration_save = True

    assessment = factory.SubFactory(AssessmentFactory)
    question = factory.LazyAttribute(lambda o: o.assessment.grid.questions.order_by("order").first())

    @factory.post_generation
    def options(obj, create, extracted, **kwargs):
        if create:
            obj.selected.set([obj.question.options.order_by("order").first()])


class AssessmentTransitionFactory(DjangoModelFactory):
    class Meta:
        model = AssessmentTransition

    assessment = factory.SubFactory(AssessmentFactory)
    transition = "start"
    from_state = ""
    to_state = "draft"
