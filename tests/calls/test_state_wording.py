"""What applicants and reviewers read about an application's state: one history line per step (never
"En construction → En construction"), Démarches Simplifiées' terms explained, priority components rounded."""

import re

import pytest
from django.urls import reverse

from calls.models import Application, ProjectKind, TransitionLog
from calls.review.models import ReviewScore
from calls.review.priority import refresh_priorities

from .conftest import fill
from .review_factories import reviewer_of, under_review

pytestmark = pytest.mark.django_db


def history(page: str) -> list[str]:
    section = page[page.index('id="history"') :]
    section = section[: section.index("</section>")]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_submitting_then_a_kind_attribution_read_as_two_steps_with_the_terms_explained(
    client, complete_call, establishment, editor
):
    client.force_login(editor)
    client.post(reverse("calls:start", args=[complete_call.slug]), {"establishment": establishment.pk})
    application = fill(Application.objects.get(), editor)
    page = client.post(reverse("calls:act", args=[application.pk, "submit"]), follow=True).content.decode()
    assert "En construction — déposé, modifiable jusqu&#x27;à l&#x27;instruction." in page
    # A reviewer attributes the kind of project right after the submission (no change of state).
    kind = ProjectKind.objects.create(call=complete_call, code="diagnostic", label="Diagnostic", order=1)
    from calls.review import services as review_services

    review_services.attribute_kind(application, reviewer_of(complete_call.region), kind)
    page = client.get(application.get_absolute_url()).content.decode()
    lines = history(page)
    assert len(lines) == 3, lines
    assert "Brouillon créé" in lines[0]
    assert "Déposer le dossier : Brouillon → En construction" in lines[1]
    assert "Type de projet attribué" in lines[2] and "Diagnostic" in lines[2]
    assert not any("En construction → En construction" in line for line in lines)
    listing = client.get(reverse("calls:list")).content.decode()
    assert "modifiable jusqu&#x27;à l&#x27;instruction" in listing


def test_reviewers_history_names_the_steps_and_priority_components_are_rounded(client, complete_call):
    application = under_review(complete_call, declared_risk_level="high")
    TransitionLog.objects.create(
        application=application, transition="create", from_state="brouillon", to_state="brouillon"
    )
    TransitionLog.objects.create(
        application=application, transition="submit", from_state="brouillon", to_state="en_construction"
    )
    reviewer = reviewer_of(complete_call.region)
    for rating in (3, 4, 3):
        ReviewScore.objects.create(
            application=application, reviewer=reviewer_of(complete_call.region), motivation=rating
        )
    refresh_priorities([application])
    client.force_login(reviewer)
    page = client.get(reverse("calls_review:application", args=[application.pk])).content.decode()
    assert "Brouillon → Brouillon" not in page and "(submit)" not in page
    assert "Brouillon créé" in page and "Déposer le dossier : Brouillon → En construction" in page
    priority = page[page.index("data-priority") :][:800]
    assert not re.search(r"\d,\d{3}", priority), priority
    assert "67\u00a0%" in priority  # declared risk « élevé » = 2/3, mean motivation 3.33 / 5 = 0.667
