"""English through the language switcher: the pages are translated and the catalogue is complete."""

import ast
import gettext
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def parse_po(path: Path) -> list[dict]:
    """Minimal .po reader: msgid, msgid_plural, msgstr / msgstr[n] (continuation lines joined), flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set(), "msgstr": {}}
    field: tuple | None = None

    def flush() -> None:
        nonlocal entry
        if "msgid" in entry and not entry.get("obsolete"):
            entries.append(entry)
        entry = {"flags": set(), "msgstr": {}}

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if "msgid" in entry and entry["msgstr"]:
                flush()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            value = ast.literal_eval(rest)
            if keyword in ("msgctxt", "msgid") and "msgid" in entry:
                flush()
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                field = ("msgstr", index)
                entry["msgstr"][index] = ""
            else:
                field = (keyword, None)
                entry[keyword] = ""
        if field[0] == "msgstr":
            entry["msgstr"][field[1]] += value
        else:
            entry[field[0]] += value
    flush()
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_home_page_in_english_with_the_language_cookie(english):
    body = english.get("/").content.decode()
    assert "health and medico-social establishments to protect themselves against cyberattacks" in body
    assert "How does it work?" in body
    assert "Skip to content" in body
    assert "se protéger des cyberattaques" not in body
    assert 'lang="en"' in body


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie(english):
    body = english.get("/accounts/login/").content.decode()
    assert "Skip to content" in body
    assert "Free software under the EUPL-1.2 licence" in body
    assert "Aller au contenu" not in body
    assert "Logiciel libre" not in body


@pytest.mark.django_db
def test_language_switcher_turns_the_portal_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    body = client.get(response["Location"]).content.decode()
    assert "Skip to content" in body


@pytest.mark.django_db
def test_french_stays_the_default_without_the_cookie(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Aller au contenu" in body
    assert "se protéger des cyberattaques" in body


def test_english_catalogue_has_no_untranslated_entry():
    entries = parse_po(PO)
    assert len(entries) > 1000
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert empty == [], f"{len(empty)} untranslated and {len(fuzzy)} fuzzy entries in {PO.name}: {empty[:10]}"


def test_english_placeholders_match_the_french():
    problems = []
    for e in parse_po(PO):
        sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for index, text in e["msgstr"].items():
            source = sources[min(index, 1)]
            # A singular form may drop the counter ("One action" / "%(counter)s actions").
            if sorted(set(PLACEHOLDER.findall(text)) - {"%(counter)s", "%(count)d"}) != sorted(
                set(PLACEHOLDER.findall(source)) - {"%(counter)s", "%(count)d"}
            ):
                problems.append((e["msgid"], text))
    assert problems == []


def test_compiled_catalogue_matches_the_po_file():
    """The .mo is committed so that the demo needs no gettext: it must not lag behind the .po."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in parse_po(PO):
        if "fuzzy" in e["flags"]:
            continue
        if "msgid_plural" in e:
            got = compiled.ngettext(e["msgid"], e["msgid_plural"], 1)
            expected = e["msgstr"][0]
        elif "msgctxt" in e:
            got = compiled.pgettext(e["msgctxt"], e["msgid"])
            expected = e["msgstr"][0]
        else:
            got = compiled.gettext(e["msgid"])
            expected = e["msgstr"][0]
        if got != expected:
            stale.append(e["msgid"])
    assert stale == [], f"{len(stale)} entries differ: run compilemessages -l en ({stale[:5]})"
    with translation.override("en"):
        assert translation.gettext("Brouillon") == "Draft"


# --- The catalogue follows the source -------------------------------------------------------------------------
# ``makemessages`` writes into the repository (the .po, a .pot, and a ``.html.py`` copy beside every template), so
# the source is extracted here the way it extracts it: same files, Django's own ``templatize`` for templates and
# text files, the same xgettext keywords, into a temporary folder. Every message found must have an English entry.

SOURCE_EXTENSIONS = {".py", ".html", ".txt"}
PRUNED_DIRS = {"node_modules", "locale", "staticfiles", "media", "__pycache__"}  # plus every ".*" folder (.venv, .git)
XGETTEXT_ARGS = [  # django/core/management/commands/makemessages.py, domain "django"
    "--language=Python",
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
    "--from-code=UTF-8",
    "--output=-",
]


def source_files() -> list[Path]:
    """The files ``makemessages --ignore=.venv --ignore=node_modules`` examines from the repository root."""
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in PRUNED_DIRS)
        for name in filenames:
            if Path(name).suffix in SOURCE_EXTENSIONS and not name.startswith(".") and not name.endswith("~"):
                found.append(Path(dirpath) / name)
    return sorted(found)


def extract_messages(workdir: Path) -> list[dict]:
    """Messages marked for translation in the source, as makemessages would put them in the .pot."""
    from django.utils.translation import templatize

    inputs = []
    for path in source_files():
        relative = path.relative_to(ROOT)
        if path.suffix == ".py":
            inputs.append(str(path))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # makemessages skips such files too
            continue
        target = workdir / "templatized" / f"{relative}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(templatize(text, origin=str(relative)), encoding="utf-8")
        inputs.append(str(target))
    files_from = workdir / "files.txt"
    files_from.write_text("\n".join(inputs), encoding="utf-8")
    result = subprocess.run(
        ["xgettext", *XGETTEXT_ARGS, f"--files-from={files_from}"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    pot = workdir / "django.pot"
    pot.write_text(result.stdout, encoding="utf-8")
    return parse_po(pot)


def entry_key(entry: dict) -> tuple:
    return entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_string_marked_in_the_source_has_an_english_entry(tmp_path):
    extracted = extract_messages(tmp_path)
    assert len(extracted) > 1000, "the extraction found almost nothing: check source_files()"
    translated = {entry_key(e) for e in parse_po(PO) if all(e["msgstr"].values()) and "fuzzy" not in e["flags"]}
    missing = sorted({entry_key(e) for e in extracted} - translated, key=str)
    assert missing == [], (
        f"{len(missing)} strings marked for translation have no English entry in {PO.name}: run `make messages`, "
        f"translate them and commit the .po and .mo. First ones: {[m[1] for m in missing[:10]]}"
    )


# --- Each module's pages in English ----------------------------------------------------------------------------

HEADING = re.compile(r"<(h[1-3]|title|legend|button|label|th)\b[^>]*>(.*?)</\1>", re.S)
TAG = re.compile(r"<[^>]+>")


def french_texts(workdir: Path) -> set[str]:
    """French source texts: one of them on an English page was not translated (or has no entry at all).

    Taken from the source when xgettext is there (so that a string missing from the catalogue counts too) and from
    the catalogue; texts the same in both languages ("Menu", "Documents") are left out.
    """
    entries = parse_po(PO)
    same = {e["msgid"] for e in entries if e["msgstr"].get(0) == e["msgid"]}
    sources = {e["msgid"] for e in entries}
    if shutil.which("xgettext"):
        sources |= {e["msgid"] for e in extract_messages(workdir)}
    return sources - same


def headings(body: str) -> list[str]:
    """Texts of the headings, buttons, labels and table headers, without the required-field star."""
    texts = (html.unescape(TAG.sub(" ", match[1])) for match in HEADING.findall(body))
    return [" ".join(text.split()).removesuffix(" *") for text in texts if text.strip()]


def module_pages() -> dict[str, tuple]:
    """One user, page and expected English heading per module of the second wave, with data to show its sections."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from establishments.roles import Role
    from exercises import services as exercise_services
    from exercises.models import Scenario
    from tests.awareness.factories import EnrolmentFactory
    from tests.community.factories import MemberFactory, SpaceFactory
    from tests.establishments.factories import EstablishmentFactory, MembershipFactory
    from tests.incidents.factories import declare, director_of, staff_of
    from tests.offers.factories import OfferFactory

    establishment = EstablishmentFactory(ehpad=True)
    region = establishment.region
    director = director_of(establishment)
    staff = staff_of(region)

    OfferFactory(region=region)
    call_command("load_exercise_scenarios", verbosity=0)
    exercise = exercise_services.create_exercise(
        establishment, staff, title="Exercice rançongiciel", scenario=Scenario.objects.get(slug="rancongiciel"),
        starts_at=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    EnrolmentFactory(establishment=establishment)
    space = SpaceFactory(region=region)
    member = MemberFactory(space=space, establishment=establishment, user=director)
    incident = declare(establishment, director)
    rssi = MembershipFactory(establishment=establishment, role=Role.RSSI).user
    return {
        "offers": (director, "/offres/", "Catalogue of CRRC offers"),
        "exercises": (staff, reverse("exercises:detail", kwargs={"exercise_pk": exercise.pk}), "Timeline"),
        "exercises-index": (director, "/exercices/", "Crisis exercises"),
        "awareness": (director, f"/sensibilisation/etablissement/{establishment.pk}/", "Simulated phishing campaigns"),
        "community": (member.user, f"/communaute/espace/{space.pk}/", "What's new?"),
        "community-index": (rssi, "/communaute/", "CISO community"),
        "dashboards": (staff, "/tableau-de-bord/", "Regional dashboard"),
        "incidents": (director, reverse("incidents:detail", args=[incident.pk]), "The steps to follow"),
        "incidents-index": (director, "/incidents/", "Cyber incidents"),
        "incidents-staff": (staff, "/incidents/", "Incidents in the region"),
        "offers-agreements": (staff, "/offres/equipe/accords-cadres/", "Framework agreements and campaigns"),
        "exercises-create": (staff, "/exercices/nouveau/", "Plan a crisis exercise"),
        "exercises-register": (staff, "/exercices/registre/", "Regional exercise register"),
        "awareness-requests": (staff, "/sensibilisation/demandes/", "On-demand campaigns"),
        "awareness-benchmark": (staff, "/sensibilisation/referentiel-regional/", "Regional awareness benchmark"),
        "community-members": (staff, f"/communaute/espace/{space.pk}/membres/", "Pending requests and invitations"),
        "community-profile": (member.user, f"/communaute/espace/{space.pk}/mon-profil/", "My directory entry"),
        "dashboards-summary": (staff, "/tableau-de-bord/bilan-annuel/", "Total for the year"),
        "incidents-declare": (
            director,
            f"/incidents/etablissement/{establishment.pk}/declarer/",
            "Report a cyber incident",
        ),
    }


@pytest.mark.django_db
def test_a_page_of_each_new_module_renders_in_english(client, tmp_path):
    french = french_texts(tmp_path)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    problems = {}
    for module, (user, url, expected) in module_pages().items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (module, url, response.status_code)
        body = response.content.decode()
        assert 'lang="en"' in body, module
        texts = headings(body)
        assert expected in texts, (module, texts)
        left = [text for text in texts if text in french or any(part in french for part in text.split(" – "))]
        if left:
            problems[module] = left
    assert problems == {}, f"French headings left on English pages: {problems}"
