"""English through the language switcher: the pages are translated and the catalogue is complete."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
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
    assert "Free software under the EUPL-1.2 license" in body
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
