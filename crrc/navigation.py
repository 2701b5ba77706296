"""The main menu, declared by each app and shown to each kind of user for what it can do.

Each app registers its entries from ``AppConfig.ready()``::

    register(NavItem("assessments", _("Évaluations"), "assessments:index", audiences={"establishment"}, order=30))

Audiences: ``establishment`` (an active member of an establishment or organisation), ``staff`` (CRRC staff of a
region; a superuser counts as staff), ``ars`` (ARS reviewer of a region) and ``newcomer`` (signed in but none of
these yet: they can attach their establishment). A user can belong to several of the first three; an entry
is shown when one of them matches and, if it has one, its ``visible(request)`` also accepts. The audiences are read
in one query per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

AUDIENCES = frozenset({"establishment", "staff", "ars", "newcomer"})


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    audiences: frozenset[str] | set[str] = field(default_factory=lambda: set(AUDIENCES))
    order: int = 50
    visible: Callable[[HttpRequest], bool] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.audiences) - AUDIENCES
        if unknown:
            raise ValueError(f"Unknown navigation audiences {sorted(unknown)} for {self.key!r}")
        object.__setattr__(self, "audiences", frozenset(self.audiences))


@dataclass(frozen=True)
class Entry:
    """A menu entry resolved for one request."""

    key: str
    label: str
    url: str
    current: bool


_registry: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    """Add or replace (same key) an entry; apps call it from ``AppConfig.ready()``."""
    _registry[item.key] = item
    return item


def registered() -> list[NavItem]:
    return sorted(_registry.values(), key=lambda item: (item.order, item.key))


def audiences_of(request: HttpRequest) -> frozenset[str]:
    """The kinds of user the request's user is (empty for anonymous), cached on the request."""
    cached = getattr(request, "_crrc_audiences", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    result: set[str] = set()
    from establishments.selectors import scope_facts

    facts = scope_facts(user) if user is not None and user.is_authenticated and user.is_active else None
    if facts is not None:  # the request's scope, read once (establishments.selectors): no query of its own
        from establishments.roles import StaffKind

        kinds = {kind for _, kind in facts.staff}
        result = {
            name
            for name, present in (
                ("establishment", facts.has_membership),
                ("staff", StaffKind.CRRC_STAFF in kinds or user.is_superuser),
                ("ars", StaffKind.ARS_REVIEWER in kinds),
            )
            if present
        } or {"newcomer"}
    elif user is not None and user.is_authenticated and user.is_active:
        from django.contrib.auth import get_user_model
        from django.db.models import Exists, OuterRef

        from establishments.models import Membership, StaffAssignment
        from establishments.roles import StaffKind

        assignments = StaffAssignment.objects.filter(user=OuterRef("pk"), is_active=True)
        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                member=Exists(Membership.objects.filter(user=OuterRef("pk"), is_active=True)),
                crrc=Exists(assignments.filter(kind=StaffKind.CRRC_STAFF)),
                ars=Exists(assignments.filter(kind=StaffKind.ARS_REVIEWER)),
            )
            .values("member", "crrc", "ars")
            .first()
        ) or {}
        if row.get("member"):
            result.add("establishment")
        if row.get("crrc") or user.is_superuser:
            result.add("staff")
        if row.get("ars"):
            result.add("ars")
        if not result:
            result.add("newcomer")
    request._crrc_audiences = frozenset(result)
    return request._crrc_audiences


def is_kind(request: HttpRequest, audience: str) -> bool:
    return audience in audiences_of(request)


def items_for(request: HttpRequest) -> list[Entry]:
    """The entries this request's user may use, in menu order, the current page's entry marked.

    The current entry is the one naming the page's view, else the first of the page's URL namespace.
    """
    audiences = audiences_of(request)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    visible = [
        item for item in registered() if item.audiences & audiences and (item.visible is None or item.visible(request))
    ]
    current = next((item for item in visible if item.url_name == view_name), None)
    if current is None and match is not None and match.namespace:
        current = next((item for item in visible if item.url_name.rpartition(":")[0] == match.namespace), None)
    entries = []
    for item in visible:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append(Entry(item.key, str(item.label), url, item is current))
    return entries


def admin_accepts(request: HttpRequest) -> bool:
    """Whether the Django admin lets this user in (active and ``is_staff``)."""
    from django.contrib import admin

    return admin.site.has_permission(request)
