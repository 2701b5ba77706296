"""demo_exercises: every demo account has something to do, and a second run adds nothing."""

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from action_plans.models import ActionItem
from action_plans.workflow import SourceKind
from establishments.finess import parse_text
from establishments.finess_import import import_files
from establishments.nomenclature import load_categories, load_geo
from exercises.choices import State
from exercises.models import Exercise
from tests.establishments.reference import OCCITANIE, as_header_csv, finess_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def occitanie():
    load_geo()
    load_categories()
    import_files([parse_text(as_header_csv(list(finess_rows(OCCITANIE))[:40]))])
    rows = [row for row in finess_rows(OCCITANIE) if row["nofinesset"] in {"110000023", "090000597", "090001439"}]
    import_files([parse_text(as_header_csv(rows))])
    call_command("demo_accounts", stdout=StringIO())


def test_demo_exercises_once_with_something_for_everyone(occitanie, client):
    call_command("demo_exercises", stdout=StringIO())
    count = Exercise.objects.count()
    call_command("demo_exercises", stdout=StringIO())
    assert Exercise.objects.count() == count > 3
    states = set(Exercise.objects.values_list("state", flat=True))
    assert {State.CLOSED, State.READY, State.PLAYED} <= states
    closed = Exercise.objects.get(establishment__finess="110000023", state=State.CLOSED)
    assert closed.reported_at and closed.retex_responses.count() == 5
    assert closed.starts_at < closed.reported_at
    assert ActionItem.objects.filter(source_kind=SourceKind.EXERCISE_DEBRIEF).count() >= 3
    from accounts.models import User

    for email, page in (
        ("equipe.crrc@demo.crrc.example", "/exercices/registre/"),
        ("referent.ars@demo.crrc.example", "/exercices/registre/"),
        ("directeur.ehpad@demo.crrc.example", "/exercices/"),
        ("membre.ehpad@demo.crrc.example", "/exercices/"),
        ("directrice.ch@demo.crrc.example", "/exercices/"),
    ):
        user = User.objects.get(email=email)
        if "crrc" in email or "ars" in email:
            Authenticator.objects.get_or_create(
                user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "t"}}
            )
        client.force_login(user)
        response = client.get(page)
        assert response.status_code == 200 and "Exercice" in response.text, email
    # The EHPAD de Luzenac takes part in its organisation's exercise run from the EHPAD Sauzeil (same FINESS EJ).
    multi = Exercise.objects.get(sites__site__finess="090000597")
    assert multi.establishment.finess == "090001439" and multi.state == State.PLANNED
    assert multi.participants.filter(site__finess="090000597", function="director").exists()
    client.force_login(User.objects.get(email="directeur.ehpad@demo.crrc.example"))
    home = client.get(f"/etablissements/{multi.sites.get().site_id}/").text
    assert multi.title.replace("'", "&#x27;") in home and "votre site y participe" in home
    played = Exercise.objects.get(establishment__finess="090000597")
    client.force_login(User.objects.get(email="membre.ehpad@demo.crrc.example"))
    assert "Répondre au RETEX" in client.get(f"/exercices/{played.pk}/debriefing/").text
