"""Render a Django template to PDF bytes with WeasyPrint.

Templates extend ``reports/base_print.html`` (A4, CRRC branding, page X / Y, optional cover and table of
contents) and link static files with ``{% static %}`` as web pages do. WeasyPrint resolves every URL against
``PRINT_BASE_URL`` and asks ``LocalOnlyFetcher``, which serves static files and the region's logo from disk and
refuses everything else: a document never makes a network request, whatever ends up in its HTML.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Documents are rendered outside any request: their relative URLs resolve against this fixed origin, which
# ``LocalOnlyFetcher`` maps to files. ``.invalid`` can never resolve on a network (RFC 2606).
PRINT_BASE_URL = "https://crrc-print.invalid/"
_LOGO_PATH = re.compile(r"^/branding/(?P<code>[0-9A-Za-z]{1,3})/logo$")


class LocalOnlyFetcher(URLFetcher):
    """Static files and region logos from disk, ``data:`` URLs inline; any other URL is refused."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != PRINT_BASE_URL:
            raise ValueError(f"Ressource externe refusée dans un document : {url}")
        path = unquote(parts.path)
        static_prefix = urlsplit(settings.STATIC_URL).path
        if path.startswith(static_prefix):
            return self._file_response(url, _static_file(path.removeprefix(static_prefix)))
        if match := _LOGO_PATH.match(path):
            from establishments.models import Region

            region = Region.objects.filter(code=match["code"]).exclude(logo="").first()
            if region is None:
                raise ValueError(f"Pas de logo pour la région {match['code']}")
            with region.logo.open("rb") as logo:
                body = logo.read()
            content_type = mimetypes.guess_type(region.logo.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        raise ValueError(f"Ressource inconnue dans un document : {url}")

    @staticmethod
    def _file_response(url: str, file_path: Path) -> URLFetcherResponse:
        content_type = mimetypes.guess_type(file_path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, file_path.read_bytes(), {"Content-Type": content_type})


def _static_file(relative: str) -> Path:
    """A static file from STATIC_ROOT (collected, hashed names in production) or the finders (development)."""
    if ".." in Path(relative).parts:
        raise FileNotFoundError(f"Chemin statique refusé : {relative}")
    root = Path(settings.STATIC_ROOT).resolve() if settings.STATIC_ROOT else None
    if root is not None:
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    found = finders.find(relative)
    if found:
        return Path(found)
    raise FileNotFoundError(f"Fichier statique introuvable : {relative}")


def print_context(region=None) -> dict:
    """Branding shared by every printed document: the CRRC of the establishment's region."""
    return {
        "print_region": region,
        "print_crrc_name": region.portal_name if region else "Portail CRRC",
        "print_grades_name": region.grades_name if region else "",
        "print_primary_colour": region.primary_colour if region else "#1f4e79",
        "print_secondary_colour": region.secondary_colour if region else "#0f7b6c",
        "print_has_logo": bool(region and region.logo),
        "print_generated_at": timezone.localtime(),
    }


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=PRINT_BASE_URL, url_fetcher=LocalOnlyFetcher(timeout=5)).write_pdf()


def render_pdf(
    template_name: str,
    context: dict,
    *,
    region=None,
    title: str = "",
    cover: bool = False,
    toc_entries: list[tuple[str, str]] | None = None,
) -> bytes:
    """Render ``template_name`` (extending reports/base_print.html) with the region's branding to PDF bytes."""
    started = time.perf_counter()
    full_context = {
        **print_context(region),
        "document_title": title,
        "show_cover": cover,
        "toc_entries": toc_entries or [],
        **context,
    }
    html = render_to_string(template_name, full_context)
    pdf = html_to_pdf(html)
    logger.info("PDF %s rendered: %d bytes in %.0f ms", template_name, len(pdf), (time.perf_counter() - started) * 1000)
    return pdf
