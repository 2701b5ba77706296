"""The establishment sheet in headless Chromium: request, the status polled by htmx, download (CSP enforced)."""

import threading
import time

import pytest
from playwright.sync_api import Page, expect

from establishments.roles import Role
from reports.models import Report
from tests.establishments.factories import EstablishmentFactory, MembershipFactory

from .factories import ReportFactory
from .helpers import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill("motdepasse-solide-123")
    page.get_by_role("button", name="Connexion").click()


def test_request_the_sheet_and_download_it(page: Page, live_server):
    membership = MembershipFactory(establishment=EstablishmentFactory(name="Clinique des Cèdres"), role=Role.DIRECTOR)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    _log_in(page, live_server.url, membership.user.email)
    page.goto(f"{live_server.url}/documents/etablissement/{membership.establishment.pk}/")

    page.get_by_role("button", name="Fiche établissement").click()
    link = page.get_by_role("link", name="Télécharger : Fiche établissement (PDF)")
    expect(link).to_be_visible(timeout=30000)  # eager mode (demo): built during the request, cold fonts included
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"fiche-etablissement-{membership.establishment.finess}.pdf"
    with open(download.path(), "rb") as handle:
        assert "Clinique des Cèdres" in pdf_text(handle.read())
    assert not [e for e in errors if "favicon" not in e], errors  # no CSP violation, no failed request


def test_the_status_follows_the_build_without_reloading(page: Page, live_server):
    establishment = EstablishmentFactory(name="EHPAD du Vieux Moulin")
    membership = MembershipFactory(establishment=establishment)
    report = ReportFactory(establishment=establishment, pending=True, enqueued_at=None)
    _log_in(page, live_server.url, membership.user.email)
    page.goto(f"{live_server.url}/documents/{report.pk}/")
    live_region = page.locator("[aria-live=polite]").first
    expect(live_region).to_contain_text("momentanément indisponible")

    # A worker picks it up, then finishes: the page shows each step within a poll or two.
    def progress():
        time.sleep(1)
        Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)
        time.sleep(3)
        done = ReportFactory.build(establishment=establishment)
        done.file.save(done.filename, done.file.file, save=False)
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.DONE, file=done.file.name, filename=done.filename, finished_at=done.finished_at
        )

    worker = threading.Thread(target=progress)
    worker.start()
    expect(live_region).to_contain_text("Génération du document en cours", timeout=8000)
    expect(live_region.get_by_role("link", name="Télécharger : Fiche établissement (PDF)")).to_be_visible(timeout=10000)
    worker.join()
    # Polling stopped with the final state.
    expect(page.locator("[hx-trigger]")).to_have_count(0)
