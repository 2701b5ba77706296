"""The reviewer's decision and labels forms (Instruction page) as a reviewer sees them in Chromium: every option
is readable, no two labels overlap, nothing spills out of its card — on a desktop screen and on a phone."""

import pytest
from django.test import Client

from calls.review.models import Label

from .factories import CallFactory
from .review_factories import reviewer_of, under_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOXES = """(selector) => [...document.querySelectorAll(selector)].map(el => {
  const r = el.getBoundingClientRect();
  return {text: el.textContent.trim(), x: r.x, y: r.y, w: r.width, h: r.height};
})"""


def _overlap(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["w"] - 1
        and b["x"] < a["x"] + a["w"] - 1
        and a["y"] < b["y"] + b["h"] - 1
        and b["y"] < a["y"] + a["h"] - 1
    )


def _login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def _layout_problems(page, form: str) -> list[str]:
    labels = page.evaluate(BOXES, f"{form} label, {form} legend, {form} .form-text")
    inputs = page.evaluate(BOXES, f"{form} input[type=radio], {form} input[type=checkbox], {form} textarea")
    problems = [f"« {label['text']} » is {label['w']:.0f}×{label['h']:.0f} px" for label in labels if label["w"] < 20]
    for i, first in enumerate(labels):
        problems += [f"« {first['text']} » overlaps « {o['text']} »" for o in labels[i + 1 :] if _overlap(first, o)]
    for control in inputs:
        problems += [f"a control overlaps « {label['text']} »" for label in labels if _overlap(control, label)
                     and not (label["x"] <= control["x"] and control["x"] + control["w"] <= label["x"] + label["w"]
                              and label["y"] <= control["y"] and control["y"] + control["h"] <= label["y"] + label["h"])]  # fmt: skip  # noqa: E501
    card = page.evaluate(BOXES, f"section:has({form})")[0]
    for label in labels:
        if label["x"] + label["w"] > card["x"] + card["w"] + 1 or label["y"] + label["h"] > card["y"] + card["h"] + 1:
            problems.append(f"« {label['text']} » spills out of its card")
    return problems


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_decision_and_labels_forms_have_no_overlapping_labels(browser, live_server, viewport):
    call = CallFactory()
    application = under_review(call, establishment__name="EHPAD Les Lilas")
    for name in ("Dossier complet", "À relancer", "Prioritaire – risque élevé", "Financement à confirmer"):
        Label.objects.create(region=call.region, call=call, name=name)
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    _login(context, live_server, reviewer_of(call.region))
    page = context.new_page()
    page.goto(f"{live_server.url}/instruction/dossier/{application.pk}/")
    decision = "form[action$='/decide/']"
    assert page.locator(decision).get_by_label("Refuser").is_visible()
    problems = _layout_problems(page, decision) + _layout_problems(page, "form[action$='/labels/']")
    context.close()
    assert problems == [], "\n".join(problems)
