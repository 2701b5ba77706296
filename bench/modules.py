"""The hook through which each module seeds its own data and names its key pages: ``bench/<app>.py``.

A module ``<app>`` (an installed app) that wants to be in the benchmark adds ``bench/<app>.py`` with either or both:

    def bench_seed(ctx: Context) -> dict[str, object]:
        '''Rows made, by name (e.g. {"Exercise": 20000}); bulk_create or COPY only, never row by row.'''

    def bench_pages(ctx: Context) -> list[tuple[str, str, object]]:
        '''(label, url, user) of the module's key pages, each signed in as the user who uses it.'''

``ctx`` gives the common national seed: the establishment ids (``ctx.establishments``, FINESS order), the onboarded
ones (``ctx.onboarded``, those with four members), ``ctx.establishment`` with its ``ctx.director``, the region's
staff ``ctx.reviewer`` (ARS) and ``ctx.crrc`` (CRRC staff), a ``random.Random`` (``ctx.rng``) and ``ctx.log``.
Seeding time is taken per module by the caller and reported; a module that fails is reported as failed and the
benchmark goes on. Nothing else to register: the file's presence is the registration.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps

HERE = Path(__file__).resolve().parent


@dataclass
class Context:
    establishments: list[int]
    onboarded: list[int]
    establishment: object
    director: object
    reviewer: object
    crrc: object
    rng: random.Random
    log: Callable[[str], None]


def _module_files() -> list[tuple[str, object]]:
    found = []
    for config in apps.get_app_configs():
        if (HERE / f"{config.label}.py").exists():
            found.append((config.label, importlib.import_module(f"bench.{config.label}")))
    return found


def seed_all(ctx: Context) -> tuple[dict[str, object], dict[str, float]]:
    """Run every module's ``bench_seed``: (rows by module, seconds by module)."""
    rows: dict[str, object] = {}
    timings: dict[str, float] = {}
    for label, module in _module_files():
        hook = getattr(module, "bench_seed", None)
        if hook is None:
            continue
        started = time.perf_counter()
        try:
            made = hook(ctx)
            rows.update({f"{label}: {name}": value for name, value in made.items()})
        except Exception as exc:  # noqa: BLE001 - reported in the results, the bench goes on
            rows[label] = f"failed: {exc.__class__.__name__}: {exc}"[:300]
        timings[f"{label}_s"] = round(time.perf_counter() - started, 2)
        ctx.log(f"  module {label}: {rows.get(label) or 'seeded'} ({timings[f'{label}_s']} s)")
    return rows, timings


def pages_all(ctx: Context) -> list[tuple[str, str, object]]:
    """Every module's ``bench_pages``: (label, url, user)."""
    pages = []
    for label, module in _module_files():
        hook = getattr(module, "bench_pages", None)
        if hook is None:
            continue
        try:
            pages += [(f"{label}: {name}", url, user) for name, url, user in hook(ctx)]
        except Exception as exc:  # noqa: BLE001 - a module whose pages cannot be named is reported, not measured
            ctx.log(f"  module {label}: no pages ({exc.__class__.__name__}: {exc})")
    return pages
