"""Every admin page of the demo opens, for the superuser and for CRRC staff, with production's media settings.

Production has ``MEDIA_URL = None`` (files are served by access-checking views): the stock file widget's link
(``file.url``) answered 500 on the change page of every demo call with a document template. The walk loads the
demo itself (the data people meet first), then opens each registered admin's changelist, add page, and the change
and history pages of a few of its objects, and finally saves a demo call unchanged.
"""

from html.parser import HTMLParser
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from calls.models import Call
from establishments.models import Department

pytestmark = pytest.mark.django_db

OBJECTS_PER_ADMIN = 3


def admin_client(user) -> Client:
    """A client logged in as ``user`` as if through the TOTP step (authenticator + the session's MFA record)."""
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0, "email": user.email},
        {"method": "mfa", "at": 0, "id": 1, "type": "totp"},
    ]
    session.save()
    return client


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def walk_admin(client: Client, user: User) -> list[str]:
    """Status problems (5xx, or 4xx other than permission refusals) of every admin page the user can open."""
    problems = []
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [_url(f"{info}_changelist"), _url(f"{info}_add")]
        for obj in model._default_manager.order_by("pk")[:OBJECTS_PER_ADMIN]:
            urls += [_url(f"{info}_change", obj.pk), _url(f"{info}_history", obj.pk)]
        for url in filter(None, urls):
            response = client.get(url)
            # 403: no permission on that model (staff); 302/404: another region's object, hidden by the scoping.
            if response.status_code >= 500 or response.status_code not in (200, 302, 403, 404):
                problems.append(f"{user.email} {url} → {response.status_code}")
    return problems


class FormData(HTMLParser):
    """The values a browser would send back from the admin's change form, unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self._text = ""
        self._in_form = False

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            elif kind not in ("submit", "file", "button"):
                self._add(name, attrs.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            self._add(self._textarea, self._text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


@pytest.fixture
def demo(settings):
    settings.MEDIA_URL = None  # as in production
    call_command("demo", stdout=StringIO())
    if connection.vendor == "postgresql":
        # 25,000 rows just loaded in one transaction: without statistics the planner nests the admin's filter
        # subqueries over them (minutes); production's autovacuum has analysed its tables long before.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def test_the_demo_admin_opens_saves_and_filters_within_the_region(demo):
    """One demo load (25 s) for the three checks: every page opens, a call saves, filters stay in the region."""
    every_admin_page_opens()
    crrc_staff_save_a_demo_call_unchanged()
    list_filters_offer_only_the_officers_regions()


def every_admin_page_opens():
    assert Call.objects.filter(documents__template__gt="").exists(), "the demo has a call with a document template"
    problems = []
    for email in (
        "admin@demo.crrc.example",
        "equipe.crrc@demo.crrc.example",
        "crrc.idf@demo.crrc.example",
        "crrc.ara@demo.crrc.example",
    ):
        user = User.objects.get(email=email)
        problems += walk_admin(admin_client(user), user)
    assert problems == []


def crrc_staff_save_a_demo_call_unchanged():
    call = Call.objects.filter(documents__template__gt="").first()
    user = User.objects.filter(staff_assignments__region=call.region, email__endswith="@demo.crrc.example").first()
    client = admin_client(user)
    url = reverse("admin:calls_call_change", args=[call.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert call.documents.filter(template__gt="").first().template.name in page.content.decode()
    form = FormData()
    form.feed(page.content.decode())
    response = client.post(url, form.data)
    assert response.status_code == 302, response.content.decode()[:2000]


def list_filters_offer_only_the_officers_regions():
    user = User.objects.get(email="equipe.crrc@demo.crrc.example")  # Occitanie
    client = admin_client(user)
    occitanie = set(Department.objects.filter(region__code="76").values_list("name", flat=True))
    elsewhere = Department.objects.exclude(region__code="76").values_list("name", flat=True)
    for url in (
        reverse("admin:calls_application_changelist"),
        reverse("admin:action_plans_actionplan_changelist"),
    ):
        page = client.get(url).content.decode()
        filters = page[page.find('id="changelist-filter"') :]
        assert any(name in filters for name in occitanie), url
        leaked = [name for name in elsewhere if f">{name}</a>" in filters and name not in occitanie]
        assert leaked == [], url
    calls_page = client.get(reverse("admin:calls_application_changelist")).content.decode()
    calls_filter = calls_page[calls_page.find('id="changelist-filter"') :]
    for call in Call.objects.exclude(region__code="76"):
        assert call.title not in calls_filter
