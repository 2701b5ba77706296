"""Sections of "Mon établissement": what the establishment takes part in, one section per app.

An app shows its section on the establishment's home page by registering a provider in its ``AppConfig.ready()``::

    from establishments.participation import Section, register

    register(Section(key="calls", title=_("Appels à projets et candidatures"), order=20,
                     template="calls/participation.html#section",
                     context=lambda request, establishment: {"applications": ...}))

``template`` is a template or, with Django 6 template partials, ``"file.html#partial"``. The partial is included
with ``section`` (the ``Section``) and ``data`` (what ``context`` returned) in its context. A provider registered by
an app replaces the built-in empty state with the same key; until then the home page shows that empty state,
which says what to do next. ``context`` must use the scoped selectors and stay cheap (one or two queries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Establishment

ContextProvider = Callable[[HttpRequest, Establishment], dict]


def _no_context(request: HttpRequest, establishment: Establishment) -> dict:
    return {}


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    template: str
    order: int = 100
    context: ContextProvider = _no_context
    builtin: bool = False


@dataclass(frozen=True)
class RenderedSection:
    section: Section
    data: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str | Promise:
        return self.section.title

    @property
    def template(self) -> str:
        return self.section.template


def awareness_relay_context(establishment: Establishment) -> dict:
    """The establishment's awareness relays and their names (one query): the built-in card and the awareness module's
    section both read them, so that a hospital that has a relay is never asked to name one."""
    from .selectors import awareness_relays

    relays = awareness_relays(establishment)
    return {
        "relays": relays,
        "relay_names": ", ".join(u.get_full_name() or u.email for u in relays),
        "establishment_pk": establishment.pk,
    }


_registry: dict[str, Section] = {}

EMPTY_STATES = "establishments/participation_empty.html"

# Built-in empty states, replaced as each app ships its own section.
BUILTIN_SECTIONS = (
    Section("offers", _("Offres de service du CRRC"), f"{EMPTY_STATES}#offers", order=10, builtin=True),
    Section("calls", _("Appels à projets et candidatures"), f"{EMPTY_STATES}#calls", order=20, builtin=True),
    Section("assessments", _("Évaluations de maturité cyber"), f"{EMPTY_STATES}#assessments", order=30, builtin=True),
    Section("action_plan", _("Plan d'action"), f"{EMPTY_STATES}#action_plan", order=40, builtin=True),
    Section("exercises", _("Exercices de crise"), f"{EMPTY_STATES}#exercises", order=50, builtin=True),
    Section(
        "awareness",
        _("Sensibilisation"),
        f"{EMPTY_STATES}#awareness",
        order=60,
        builtin=True,
        context=lambda request, establishment: awareness_relay_context(establishment),
    ),
    Section("documents", _("Documents"), f"{EMPTY_STATES}#documents", order=70, builtin=True),
)


def register(section: Section) -> None:
    """Add or replace a section. An app's section always wins over the built-in empty state of the same key."""
    current = _registry.get(section.key)
    if current is not None and not current.builtin and section.builtin:
        return
    _registry[section.key] = section


def unregister(key: str) -> None:
    _registry.pop(key, None)


@contextmanager
def replaced(section: Section) -> Iterator[Section]:
    """Show ``section`` in place of the one registered under its key for the duration of the block, then put back
    exactly what was there (the app's own section, not the built-in empty state). For tests and previews: the
    registry is process-wide, so a replacement that is not undone changes every later page."""
    previous = _registry.get(section.key)
    _registry[section.key] = section
    try:
        yield section
    finally:
        if previous is None:
            _registry.pop(section.key, None)
        else:
            _registry[section.key] = previous


def registered_sections() -> list[Section]:
    return sorted(_registry.values(), key=lambda s: (s.order, s.key))


def sections_for(request: HttpRequest, establishment: Establishment) -> list[RenderedSection]:
    """The sections of ``establishment``'s home page, each with the data its provider computed."""
    return [
        RenderedSection(section, section.context(request, establishment) or {}) for section in registered_sections()
    ]


def register_builtin_sections() -> None:
    for section in BUILTIN_SECTIONS:
        register(section)
