"""Who may do what on an exercise, read by the views, the workflow (``may_act``) and the templates.

- planning (edit, participants, logistics, chronogram, transitions): CRRC staff of the establishment's region, and
  the establishment's members whose role manages the action plan (director, RSSI);
- animating (console: play stimuli, journal, scores): the planners plus participants of the animation cell who
  have an account;
- observing (observations): animators plus participants of the observers' cell with an account;
- reading: whoever sees the establishment (members, the region's CRRC staff and ARS reviewers).
"""

from __future__ import annotations

import contextlib

from establishments.roles import Capability
from establishments.selectors import can, crrc_staff_regions

from .choices import Cell


def _cache(user) -> dict:
    cache = getattr(user, "_exercise_perm_cache", None)
    if cache is None:
        cache = {}
        with contextlib.suppress(AttributeError):  # an object that refuses attributes just gets no cache
            user._exercise_perm_cache = cache
    return cache


def is_region_staff(user, exercise) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    key = ("staff", exercise.establishment.region_id)
    cache = _cache(user)
    if key not in cache:
        cache[key] = crrc_staff_regions(user).filter(pk=exercise.establishment.region_id).exists()
    return cache[key]


def can_plan(user, exercise) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_region_staff(user, exercise):
        return True
    key = ("plan", exercise.establishment_id)
    cache = _cache(user)
    if key not in cache:
        cache[key] = can(user, exercise.establishment, Capability.MANAGE_ACTION_PLAN)
    return cache[key]


def _cell_of(user, exercise) -> set[str]:
    key = ("cells", exercise.pk)
    cache = _cache(user)
    if key not in cache:
        cache[key] = set(exercise.participants.filter(user=user).values_list("cell", flat=True))
    return cache[key]


def can_animate(user, exercise) -> bool:
    return can_plan(user, exercise) or (
        getattr(user, "is_authenticated", False) and Cell.ANIMATION in _cell_of(user, exercise)
    )


def can_observe(user, exercise) -> bool:
    return can_animate(user, exercise) or (
        getattr(user, "is_authenticated", False) and Cell.OBSERVERS in _cell_of(user, exercise)
    )
