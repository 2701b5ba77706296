"""MonAideCyber's context questions: what FINESS knows is pre-filled, long option lists are a select, and the grid's
Markdown is rendered (safely) instead of shown raw."""

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Answer
from assessments.templatetags.grid_text import grid_markdown
from establishments.roles import Role
from tests.establishments.factories import DepartmentFactory, EstablishmentFactory, MembershipFactory

from .conftest import MAC

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital():
    return EstablishmentFactory(
        department=DepartmentFactory(code="11", name="Aude"), legal_status="Etablissement public de santé"
    )


def _answer_label(assessment, code):
    answer = Answer.objects.filter(assessment=assessment, question__code=code).first()
    return [o.label for o in answer.selected.all()] if answer else []


def test_sector_department_and_nature_come_from_finess(grids, hospital):
    director = MembershipFactory(establishment=hospital, role=Role.DIRECTOR).user
    assessment = services.start_assessment(hospital, grids[MAC], director)
    assert hospital.sector == "ES"
    assert _answer_label(assessment, "contexte-secteur-activite") == ["Santé"]
    assert _answer_label(assessment, "contexte-departement-tom-siege-social") == ["Aude"]
    assert _answer_label(assessment, "contexte-nature-entite")[0].startswith("Entité publique")
    assert _answer_label(assessment, "contexte-nombre-personnes-dans-entite") == []  # unknown to FINESS


def test_a_medico_social_establishment_gets_its_sector_and_loire_is_not_loire_atlantique(grids):
    ehpad = EstablishmentFactory(ehpad=True, department=DepartmentFactory(code="42", name="Loire"))
    director = MembershipFactory(establishment=ehpad, role=Role.DIRECTOR).user
    assessment = services.start_assessment(ehpad, grids[MAC], director)
    assert _answer_label(assessment, "contexte-secteur-activite") == ["Médico-sociale"]
    assert _answer_label(assessment, "contexte-departement-tom-siege-social") == ["Loire"]
    assert _answer_label(assessment, "contexte-nature-entite") == []


def test_the_fill_page_uses_a_select_for_departments_and_says_what_was_prefilled(client, grids, hospital):
    director = MembershipFactory(establishment=hospital, role=Role.DIRECTOR).user
    assessment = services.start_assessment(hospital, grids[MAC], director)
    client.force_login(director, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    department = assessment.grid.questions.get(code="contexte-departement-tom-siege-social")
    assert f'<select class="form-select w-auto mw-100" name="option" id="sel-{department.pk}">' in page
    assert "Pré-rempli d'après FINESS" in page and "sont pré-remplies" in page
    assert "**" not in page  # the grid's Markdown is rendered, not shown raw
    aude = department.options.get(label="Aude")
    assert f'<option value="{aude.pk}" selected>Aude</option>' in page
    assert f'id="o-{aude.pk}"' not in page  # no radio button per department


def test_grid_markdown_renders_the_subset_and_escapes_html():
    html = grid_markdown("## **SYSTÈME**\n\n- un\n- deux\n\n<script>alert(1)</script> [x](javascript:alert(1))")
    assert '<p class="fw-semibold mb-1"><strong>SYSTÈME</strong></p>' in html
    assert "<li>un</li>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
