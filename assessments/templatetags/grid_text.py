"""Grid texts (recommendations' « Pourquoi ? Comment ? », questions' help) are Markdown in the frameworks' files.

Rendered with markdown-it-py (already installed, CommonMark) with raw HTML disabled: any HTML in a grid file is
shown as text, link targets are checked by markdown-it (no ``javascript:``), images are not rendered. Headings
become bold paragraphs so that a grid's ``## Titre`` cannot break the page's heading outline.
"""

from django import template
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

register = template.Library()

_md = MarkdownIt("commonmark", {"html": False}).disable("image")
_md.renderer.rules["heading_open"] = lambda tokens, idx, options, env: '<p class="fw-semibold mb-1">'
_md.renderer.rules["heading_close"] = lambda tokens, idx, options, env: "</p>\n"


@register.filter
def grid_markdown(text: str) -> str:
    """A grid text as safe HTML (see the module docstring for what is kept)."""
    if not text:
        return ""
    return mark_safe(_md.render(str(text)))  # noqa: S308 - markdown-it escapes all raw HTML (html=False)
