"""Security gate: deploy checks, CSP on every main page, no vulnerable dependency, uploads checked by content."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from .pages import anonymous_pages, logged_in_client, member_pages
from .world import build_world

ROOT = Path(settings.BASE_DIR)


# ---------------------------------------------------------------------------------------------------------------
# check --deploy
# ---------------------------------------------------------------------------------------------------------------


def test_production_settings_pass_check_deploy_without_warning():
    # The test process sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment never does.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "crrc.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "crrc.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


# ---------------------------------------------------------------------------------------------------------------
# pip-audit
# ---------------------------------------------------------------------------------------------------------------


def test_no_locked_dependency_has_a_known_vulnerability(tmp_path):
    """pip-audit on the locked set (``uv.lock``, every group, with hashes): what every install gets, not
    whatever one machine happens to have installed."""
    bin_dir = Path(sys.executable).parent
    pip_audit, uv = bin_dir / "pip-audit", bin_dir / "uv"
    if not pip_audit.exists() or not uv.exists():
        pytest.fail("pip-audit and uv must be installed in the virtualenv (dev dependency group)")
    requirements = tmp_path / "requirements.txt"
    subprocess.run(
        [
            str(uv),
            "export",
            "--frozen",
            "--all-groups",
            "--no-emit-project",
            "--format",
            "requirements-txt",
            "--quiet",
            "--output-file",
            str(requirements),
        ],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    locked = re.findall(r"^([A-Za-z0-9_.-]+)==", requirements.read_text(), flags=re.M)
    assert len(locked) > 50, "uv export gave too few locked packages"
    result = subprocess.run(
        [
            str(pip_audit),
            "--requirement",
            str(requirements),
            "--require-hashes",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        unreachable = re.search(r"(ConnectionError|Max retries|Name or service not known|timed out)", result.stderr)
        if unreachable:
            pytest.skip(f"pip-audit cannot reach the package index: {unreachable.group(0)}")
        pytest.fail(f"pip-audit failed (exit {result.returncode}): {result.stderr[-2000:]}")
    vulnerable = [
        f"{dep['name']} {dep['version']}: "
        + ", ".join(f"{v['id']} (fixed in {v.get('fix_versions')})" for v in dep["vulns"])
        for dep in report["dependencies"]
        if dep.get("vulns")
    ]
    assert not vulnerable, "Vulnerable dependencies:\n" + "\n".join(vulnerable)
    audited = [dep for dep in report["dependencies"] if not dep.get("skip_reason")]
    if not audited:
        # Offline index mirrors serve packages but not PyPI's vulnerability data: say so rather than pass.
        pytest.skip(f"pip-audit could not read vulnerability data for any of the {len(locked)} locked packages")


# ---------------------------------------------------------------------------------------------------------------
# CSP and inline code on the rendered pages
# ---------------------------------------------------------------------------------------------------------------


class _InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.inline_script_nonces: list[str | None] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _value in attrs:
            if name == "style":
                self.problems.append(f"style= attribute on <{tag}>")
            elif name.startswith("on"):
                self.problems.append(f"inline event handler {name}= on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        script_type = (attributes.get("type") or "text/javascript").lower()
        executable = script_type in {"text/javascript", "application/javascript", "module"}
        # Data blocks (type="application/json") are never executed, so the CSP does not apply to them.
        if tag == "script" and "src" not in attributes and executable:
            self.inline_script_nonces.append(attributes.get("nonce"))
        for name in ("href", "src", "action"):
            if (attributes.get(name) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name}= on <{tag}>")


def _csp_problems(response) -> list[str]:
    header = response.get("Content-Security-Policy", "")
    if not header:
        return ["no enforced Content-Security-Policy header"]
    directives = {d.strip().split(" ")[0]: d.strip() for d in header.split(";") if d.strip()}
    problems = []
    script_src = directives.get("script-src") or directives.get("default-src", "")
    if "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"script-src allows inline code: {script_src}")
    style_src = directives.get("style-src") or directives.get("default-src", "")
    if "'unsafe-inline'" in style_src:
        problems.append(f"style-src allows inline styles: {style_src}")
    finder = _InlineCodeFinder()
    finder.feed(response.content.decode(errors="replace"))
    problems += finder.problems
    nonce = re.search(r"'nonce-([^']+)'", script_src)
    for script_nonce in finder.inline_script_nonces:
        if not script_nonce or not nonce or script_nonce != nonce.group(1):
            problems.append("inline <script> without the response's nonce")
    return problems


@pytest.mark.django_db
def test_pages_enforce_csp_and_carry_no_inline_script_or_style():
    world = build_world()
    checked: dict[str, list[str]] = {}
    anonymous = Client()
    for url in anonymous_pages():
        checked[f"anonymous {url}"] = _csp_problems(anonymous.get(url))
    director = logged_in_client(world.a.director)
    for url in member_pages(world):
        checked[f"director {url}"] = _csp_problems(director.get(url))
    assert len(checked) >= 5, checked.keys()
    findings = [f"{page}: {problem}" for page, problems in checked.items() for problem in problems]
    assert not findings, "\n".join(findings)


# ---------------------------------------------------------------------------------------------------------------
# Uploads: every upload form found on the pages refuses a file whose content does not match its type
# ---------------------------------------------------------------------------------------------------------------

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
MINIMAL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
DISGUISED_EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode.\r\n" * 4
)


def _office(kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.active.append(["titre", "description"])
        workbook.active.append(["Sauvegardes hors ligne", "Test"])
        workbook.save(buffer)
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "w") as archive:
        if kind in {"odt", "ods"}:
            archive.writestr(
                "mimetype", f"application/vnd.oasis.opendocument.{'text' if kind == 'odt' else 'spreadsheet'}"
            )
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml" if kind == "docx" else "content.xml", "<document/>")
    return buffer.getvalue()


MINIMAL_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
MINIMAL_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"

# A plain genuine file of each type (``crrc.uploads.FILE_TYPES``), for fields whose content does not matter (an
# attachment). A field whose content matters (an import reading rows) declares its own sample in its upload spec.
GENERIC_SAMPLES = {
    "pdf": MINIMAL_PDF,
    "png": MINIMAL_PNG,
    "jpeg": MINIMAL_JPEG,
    "webp": MINIMAL_WEBP,
    "docx": _office("docx"),
    "odt": _office("odt"),
    "xlsx": _office("xlsx"),
    "ods": _office("ods"),
    "pptx": None,  # built below (its root is ppt/)
    "csv": b"finess;nom\n310000000;Test\n",
}


def _pptx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return buffer.getvalue()


GENERIC_SAMPLES["pptx"] = _pptx()


class _FormFinder(HTMLParser):
    """The forms of a page as a browser would submit them: fields with their first value, file inputs with their
    ``accept``, and the submit buttons (name, value) — an import may store only when its « Importer » is pressed."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": {},
                "files": {},
                "buttons": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            if a.get("name"):
                self._form["buttons"].append((a["name"], a.get("value") or ""))
        elif tag == "input":
            kind, name = (a.get("type") or "text").lower(), a.get("name")
            if not name or kind in {"button", "reset", "image"}:
                return
            if kind == "submit":
                self._form["buttons"].append((name, a.get("value") or ""))
            elif kind == "file":
                self._form["files"][name] = a.get("accept") or ""
            elif kind in {"checkbox", "radio"}:
                if "checked" in a or name not in self._form["fields"]:
                    self._form["fields"][name] = a.get("value", "on")
            else:
                self._form["fields"][name] = a.get("value") or _filler(kind)
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and a.get("value"):
            self._form["fields"].setdefault(self._select, a["value"])
        elif tag == "textarea":
            self._textarea = a.get("name")
            if self._textarea:
                self._form["fields"][self._textarea] = "Texte de test"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _filler(kind: str) -> str:
    return {"email": "test@example.org", "number": "1", "date": "2030-01-15", "url": "https://example.org"}.get(
        kind, "Texte de test"
    )


def _context_forms(response) -> list:
    """The Django forms the page was rendered with (the test client records every template's context)."""
    from django import forms

    found = []
    for context in response.context or []:
        for layer in getattr(context, "dicts", [context]):
            for value in layer.values() if isinstance(layer, dict) else ():
                if isinstance(value, forms.BaseForm) and all(value is not f for f in found):
                    found.append(value)
    return found


def _types_from_accept(accept: str) -> tuple[str, ...]:
    from crrc.uploads import FILE_TYPES

    types = []
    for token in (t.strip().lower() for t in accept.split(",") if t.strip()):
        for kind, file_type in FILE_TYPES.items():
            if (token in file_type.extensions or token == file_type.mime) and kind not in types:
                types.append(kind)
    return tuple(types)


def _spec_for(page_forms: list, name: str, accept: str):
    """The upload spec of the file input ``name``: the form field's own (``crrc.uploads.upload_spec``), else the
    types a hand-written input declares in ``accept`` (a call's document states its types); None when neither."""
    from django import forms

    from crrc.uploads import UploadSpec, upload_spec

    for form in page_forms:
        for field_name, field in form.fields.items():
            if form.add_prefix(field_name) != name or not isinstance(field, forms.FileField):
                continue
            model = getattr(getattr(form, "_meta", None), "model", None)
            model_field = None
            if model is not None:
                try:
                    model_field = model._meta.get_field(field_name)
                except Exception:  # noqa: BLE001 - a form field that edits no model field
                    model_field = None
            spec = upload_spec(field, model_field)
            if spec is not None:
                return spec
    types = _types_from_accept(accept)
    return UploadSpec(types, 0) if types else None


def _genuine(spec) -> tuple[str, bytes, str]:
    from crrc.uploads import FILE_TYPES

    if spec.sample is not None:
        filename, content = spec.sample()
        kind = next((k for k in spec.types if filename.lower().endswith(FILE_TYPES[k].extensions)), spec.types[0])
        return filename, content, FILE_TYPES[kind].mime
    kind = next(k for k in spec.types if GENERIC_SAMPLES.get(k))
    return f"document{FILE_TYPES[kind].extensions[0]}", GENERIC_SAMPLES[kind], FILE_TYPES[kind].mime


def _stored_files() -> set:
    """Files under MEDIA_ROOT plus the row count and highest pk of every tenant model: an upload that is kept leaves
    a trace in one or the other (a stored attachment, rows created by an import — even one that replaces as many
    rows as it deletes, like a chronogram)."""
    from django.db.models import Count, Max

    from .world import tenant_models

    root = Path(settings.MEDIA_ROOT)
    files = {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    counts = set()
    for model in tenant_models():
        figures = model._default_manager.aggregate(count=Count("pk"), last=Max("pk"))
        counts.add(f"{model._meta.label}={figures['count']}/{figures['last']}")
    return files | counts


def _upload(client, url, form, name, filename, content, mime, button=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**form["fields"], **{other: "" for other in form["files"] if other != name}}
    if button is not None:
        data[button[0]] = button[1]
    data[name] = SimpleUploadedFile(filename, content, content_type=mime)
    return client.post(form["action"] or url, data)


def _refusal(response) -> str:
    """What the page said when it did not keep the genuine file (to make the finding actionable)."""
    messages = []
    for form in _context_forms(response) if response.context else []:
        messages += [f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()]
    return "; ".join(messages)[:300] or f"status {response.status_code}"


@pytest.mark.django_db
def test_every_upload_form_refuses_a_file_whose_content_does_not_match_its_type():
    """Every file input of every page A's director and CRRC officer see: a disguised executable under the accepted
    extension is refused and nothing is kept; the same form with a genuine file (the field's upload spec's sample,
    or a plain file of its first type) *is* kept — otherwise the refusal proved nothing. The accepted types and the
    sample come from the form field's ``crrc.uploads`` spec (or the ``accept`` a hand-written input declares); the
    submit buttons are tried in turn (a dry run stores nothing, « Importer » does). Nothing is skipped: an input
    without a spec, or a genuine file that is not kept, is a finding."""
    from crrc.uploads import FILE_TYPES

    world = build_world()
    exercised, findings, genuine_checked = [], [], set()
    for user in (world.a.director, world.users["crrc_staff_a"]):
        client = logged_in_client(user)
        for url in member_pages(world, user=user):
            page = client.get(url)
            finder = _FormFinder()
            finder.feed(page.content.decode(errors="replace"))
            page_forms = _context_forms(page)
            for form in (f for f in finder.forms if f["files"] and f["method"] == "post"):
                for name, accept in form["files"].items():
                    where = f"{url} field {name!r}"
                    spec = _spec_for(page_forms, name, accept)
                    if spec is None:
                        findings.append(
                            f"{where}: no upload spec (declare it with crrc.uploads.UploadField, an UploadValidator, "
                            "or the accept attribute of a hand-written input)"
                        )
                        continue
                    ext = FILE_TYPES[spec.types[0]].extensions[0]
                    before = _stored_files()
                    response = _upload(
                        client, url, form, name, f"document{ext}", DISGUISED_EXECUTABLE, FILE_TYPES[spec.types[0]].mime
                    )
                    stored = _stored_files() - before
                    if response.status_code >= 500 or stored:
                        findings.append(f"{where}: disguised executable accepted ({response.status_code}, {stored})")
                        continue
                    if (url, name) in genuine_checked:
                        continue  # the same form was proved with the other account
                    # The same form with a genuine file must be kept, or the refusal proved nothing.
                    filename, content, mime = _genuine(spec)
                    kept, refusal = False, ""
                    for button in [None, *form["buttons"]]:
                        before = _stored_files()
                        response = _upload(client, url, form, name, filename, content, mime, button)
                        if _stored_files() - before:
                            kept = True
                            break
                        refusal = _refusal(response)
                    if kept:
                        genuine_checked.add((url, name))
                        exercised.append(f"{where} ({filename})")
                    else:
                        findings.append(f"{where}: the genuine {filename} was not kept either ({refusal})")
    print(f"upload gate: exercised {exercised}")
    assert exercised, "the upload gate found no upload form: the walk is broken"
    assert not findings, "\n".join(findings)
