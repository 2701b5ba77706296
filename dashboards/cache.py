"""A short-lived cache of the dashboard's panels, as the page draws them (figures, charts and drill-down links).

Why: at national scale the panels are about thirty aggregates over the regions' calls, assessments, action plans,
offers, awareness results and community (40 queries, 0.3–0.8 s of PostgreSQL under load), for figures that move
a few times a day. Computed at most once every ``DASHBOARD_CACHE_SECONDS`` (5 minutes by default; 0 turns the
cache off) for each combination of what changes them:

- the regions in scope (the user's regions, or the one chosen among them),
- the filters (department, sector, category, period) as validated by the form, never the raw query string,
- the audience (CRRC staff, ARS reviewer, superuser): the two audiences never share an entry, even if the figures
  they are shown are the same today,
- the language the page is drawn in.

Invalidation is by age only, so the page says when its figures were computed ("Chiffres calculés le … à …") and
offers a button that recomputes them at once (``refresh``). No user's data is in an entry: the figures are
aggregates of the scope, and the drill-down links carry only the filters. The XLSX and PDF exports are computed
live (a document states the figures at the moment it is asked for).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from establishments.roles import StaffKind
from establishments.selectors import staff_region_ids

from .registry import Scope
from .scope import FILTER_NAMES, ScopeForm

KEY_VERSION = 1
LOCK_SECONDS = 60  # longer than any computation of the panels measured on the national data (≈ 1–5 s)
WAIT_SECONDS = 10
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    html: str
    computed_at: datetime


def seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 300))


def audience(user, region_ids: list[int]) -> str:
    """Who looks: ``superuser``, or the staff kinds (CRRC staff, ARS reviewer) the user holds in these regions."""
    if user.is_superuser:
        return "superuser"
    kinds = (kind for kind in StaffKind.values if set(staff_region_ids(user, (kind,))) & set(region_ids))
    return "+".join(sorted(kinds)) or "none"


def _filters(form: ScopeForm) -> dict[str, str]:
    """The validated filters, by code (an invalid filter is ignored by the scope, so it is by the key)."""
    if not (form.is_bound and form.is_valid()):
        return {}
    chosen = {}
    for name in FILTER_NAMES:
        value = form.cleaned_data.get(name)
        if value:
            chosen[name] = str(getattr(value, "code", value))
    return chosen


def key_for(scope: Scope, form: ScopeForm, user) -> str:
    region_ids = sorted(scope.regions.values_list("pk", flat=True)) if scope.region_ids is None else scope.region_ids
    parts = {
        "regions": region_ids,
        "filters": _filters(form),
        "audience": audience(user, region_ids),
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return f"dashboards:region:v{KEY_VERSION}:{digest}"


def _get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 — Redis down: compute live rather than fail the page
        logger.warning("Dashboard cache unreachable, panels computed live", exc_info=True)
        return None


def _lock(key: str) -> bool:
    """Take the right to compute ``key`` (``True`` also when the cache cannot be reached: compute live)."""
    try:
        return bool(cache.add(f"{key}:calcul", 1, LOCK_SECONDS))
    except Exception:  # noqa: BLE001
        return True


def _release(key: str) -> None:
    try:
        cache.delete(f"{key}:calcul")
    except Exception:  # noqa: BLE001
        logger.warning("Dashboard cache unreachable, lock left to expire", exc_info=True)


def panels_entry(key: str, render: Callable[[], str], *, refresh: bool = False) -> Entry:
    """The cached panels under ``key``, or ``render()`` now (and kept) when absent, expired or ``refresh``.

    When an entry expires while many people look at the same dashboard, one request computes it; the others wait
    for it (up to ``WAIT_SECONDS``, then compute it themselves) instead of running the same aggregates all at once.
    A cache that cannot be reached is not an error: the panels are then computed for this request.
    """
    ttl = seconds()
    if ttl <= 0:
        return Entry(html=render(), computed_at=timezone.now())
    if not refresh:
        entry = _get(key)
        if isinstance(entry, Entry):
            return entry
        if not _lock(key):
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.05)
                entry = _get(key)
                if isinstance(entry, Entry):
                    return entry
    try:
        entry = Entry(html=render(), computed_at=timezone.now())
        try:
            cache.set(key, entry, ttl)
        except Exception:  # noqa: BLE001 — the page is already computed: show it uncached
            logger.warning("Dashboard cache unreachable, panels not kept", exc_info=True)
    finally:
        if not refresh:
            _release(key)
    return entry
