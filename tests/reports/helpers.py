"""Test helpers for documents: the text of a PDF as a reader sees it (poppler's pdftotext)."""

import shutil
import subprocess

import pytest


def pdf_text(pdf: bytes) -> str:
    """Extract the text with ``pdftotext`` (poppler-utils, installed on the machine and in CI)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) est requis pour lire le texte des PDF dans les tests")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def pdf_pages(pdf: bytes) -> int:
    result = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    for line in result.stdout.decode().splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo gave no page count")
