"""Enumerate the project's URL patterns and build each one with a given side's objects.

Every pattern of ``ROOT_URLCONF`` is found by walking the resolver, so a URL added by any app is covered by the
gates without editing them. A URL keyword argument is mapped to a model by, in order: the explicit
``KWARG_MODELS`` table below, the view's declared model (class-based views), the URL name and namespace, and the
``<model>_pk`` naming convention. When none applies the gate fails and says which line to add to ``KWARG_MODELS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.urls import URLPattern, URLResolver, get_resolver

from crrc.tenancy import TenantQuerySet

from .world import Side, tenant_field

# Routes the matrix does not request, each for a stated reason. Everything else is requested.
SKIPPED_PREFIXES = {
    "accounts/": "django-allauth's own views (log-in, sign-up, MFA): no tenant object in their URLs",
    "admin/": "the Django admin: checked separately through its changelists and change pages",
    "i18n/": "language switch (set_language): no tenant data",
    "static/": "static files",
    "__debug__/": "debug toolbar, never in production",
}
SKIPPED_NAMES = {
    "home": "public landing page (login_not_required): no tenant data",
    "healthz": "public health check: returns database/broker state only",
    "branding_css": "public per-region colours (a region is not a tenant secret)",
    "branding_logo": "public per-region logo",
    "exercises:retex_public": "public RETEX form behind a signed, expiring token (tests/exercises/test_views.py)",
}

# kwarg name -> "app_label.Model" (or "app_label.Model.field" when the kwarg is not the pk). A key can also be
# "<namespace:url_name>.<kwarg>" for one route only, e.g. "calls_review:act.pk": "calls.Application".
# Add one line here when the gate says a kwarg cannot be resolved.
KWARG_MODELS: dict[str, str] = {
    "establishment_pk": "establishments.Establishment",
    "establishment_id": "establishments.Establishment",
    "finess": "establishments.Establishment.finess",
    "region_code": "establishments.Region.code",
    "membership_pk": "establishments.Membership",
    "access_request_pk": "establishments.AccessRequest",
    "request_pk": "establishments.AccessRequest",
    "invitation_pk": "establishments.Invitation",
    "token": "establishments.Invitation.token",
    "report_pk": "reports.Report",
    "calls_review:act.pk": "calls.Application",
    "awareness:programme.pk": "awareness.Programme",
    "awareness:batch.campaign_pk": "awareness.Campaign",
    "awareness:batch_detail.pk": "awareness.ReportBatch",
    "awareness:batch_retry.pk": "awareness.ReportBatch",
    "awareness:decide_request.pk": "awareness.CampaignRequest",
    "awareness:schedule_request.pk": "awareness.CampaignRequest",
    # "document" alone would name community.Document: the calls' pieces are required documents.
    "calls:upload.document_pk": "calls.RequiredDocument",
    "calls:template.document_pk": "calls.RequiredDocument",
    "offers:detail.pk": "offers.Offer",
    "offers:document.pk": "offers.OfferDocument",
    "offers:withdraw.pk": "offers.Subscription",
    "offers:campaign.pk": "offers.Campaign",
    "offers:start_response.pk": "offers.Campaign",
    "offers:response.pk": "offers.Response",
    "offers:save_response.pk": "offers.Response",
    "offers:submit_response.pk": "offers.Response",
    "offers:new_order.agreement_pk": "offers.Agreement",
    "offers:order.pk": "offers.PurchaseOrder",
    "offers:order_act.pk": "offers.PurchaseOrder",
    "offers:order_notes.pk": "offers.PurchaseOrder",
    "offers:staff_answers.pk": "offers.Campaign",
    "offers:staff_remind.pk": "offers.Campaign",
    "offers:staff_export.pk": "offers.Campaign",
    "offers:staff_needs.pk": "offers.Campaign",
    "offers:staff_needs_export.pk": "offers.Campaign",
    "offers:agreement.pk": "offers.Agreement",
    "offers:consumption_export.pk": "offers.Agreement",
    "offers:amend.pk": "offers.Agreement",
}

PK_NAMES = {"pk", "id"}


def _first_action(route: Route) -> str:
    """A real action/transition name for the route's view, so it reaches its scoped lookup instead of refusing an
    unknown name first: the first key of ``ACTIONS``/``TRANSITIONS`` in the view's module, else of
    ``<app>.workflow.TRANSITIONS``, else the first transition of a kit ``Workflow`` declared in one of them."""
    import importlib
    import sys

    from crrc.workflow import Workflow

    module = sys.modules.get(getattr(route.callback, "__module__", ""), None)
    for holder in (module, *(f"{label}.workflow" for label in _app_labels(route))):
        if isinstance(holder, str):
            try:
                holder = importlib.import_module(holder)
            except ImportError:
                continue
        for attribute in ("ACTIONS", "TRANSITIONS"):
            table = getattr(holder, attribute, None)
            if table:
                return str(next(iter(table)))
        workflow = next((value for value in vars(holder).values() if isinstance(value, Workflow)), None)
        if workflow is not None and workflow.transitions:
            return next(iter(workflow.transitions))
    return "action"


# URL kwargs that designate no model: the value to put in the URL (a callable receives the route).
KWARG_VALUES: dict[str, object] = {
    "transition_name": _first_action,
    "transition": _first_action,
    "action": _first_action,
    "fmt": "csv",
    # community: the signed level-change link of a digest (a forged value must be refused).
    "signed": "lien-falsifie",
}

# Routes whose object is regional public information (not a tenant's): for them the matrix checks only that
# the body names no other tenant, not the status. Each entry says why.
BODY_CHECK_ONLY: dict[str, str] = {}

# (route, kwarg) → Target found by probing with A's own objects (see ``probe_unresolved``).
_PROBED: dict[tuple[str, str], Target] = {}
# (route, kwarg) the probe already tried without success in this process: not probed again for every world.
_PROBE_FAILED: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "plans/<int:plan_pk>/items/<int:pk>/"
    name: str | None  # qualified, e.g. "action_plans:item_edit"
    callback: object
    kwargs: tuple[str, ...]
    namespaces: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.route}"


_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _pattern_text(p) -> str:
    text = str(p.pattern)
    return text.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\/", "/")


def walk(resolver: URLResolver | None = None, prefix: str = "", namespaces: tuple[str, ...] = ()) -> list[Route]:
    resolver = resolver or get_resolver()
    routes = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            routes.extend(walk(p, prefix + _pattern_text(p), ns))
        elif isinstance(p, URLPattern):
            route = prefix + _pattern_text(p)
            name = ":".join((*namespaces, p.name)) if p.name else None
            kwargs = tuple(m.group("name") for m in _PARAM.finditer(route))
            routes.append(Route(route, name, p.callback, kwargs, namespaces))
    return routes


def skip_reason(route: Route) -> str | None:
    for prefix, reason in SKIPPED_PREFIXES.items():
        if route.route.startswith(prefix):
            return reason
    if route.name in SKIPPED_NAMES:
        return SKIPPED_NAMES[route.name]
    return None


def gated_routes() -> list[Route]:
    return [r for r in walk() if skip_reason(r) is None]


# ---------------------------------------------------------------------------------------------------------------
# kwarg -> model
# ---------------------------------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _view_model(callback) -> type[models.Model] | None:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return None
    model = getattr(view_class, "model", None)
    if model is None and getattr(view_class, "queryset", None) is not None:
        model = view_class.queryset.model
    if model is None and getattr(view_class, "form_class", None) is not None:
        model = getattr(getattr(view_class.form_class, "_meta", None), "model", None)
    return model


def _models_named(token: str, app_labels: tuple[str, ...]) -> list[type[models.Model]]:
    """Models whose snake name is ``token`` or ends with ``_token`` (``item`` → ``ActionItem``), own apps first."""
    token = token.lower()
    all_models = [m for m in apps.get_models() if not m.__name__.startswith("Historical")]
    exact = [m for m in all_models if _snake(m.__name__) == token or m._meta.model_name == token]
    suffix = [m for m in all_models if _snake(m.__name__).endswith("_" + token)]
    for group in (exact, suffix):
        local = [m for m in group if m._meta.app_label in app_labels]
        if len(local) == 1:
            return local
        if len(group) == 1:
            return group
    return []


def _app_labels(route: Route) -> tuple[str, ...]:
    labels = set(route.namespaces)
    module = getattr(route.callback, "__module__", "") or ""
    labels.add(module.split(".")[0])
    return tuple(labels)


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    field: str  # "pk" or a field name


def _name_guess(route: Route) -> Target | None:
    """The URL name often says what the page is about ("application_detail" → Application), but an action's name
    can mislead ("comment" on an item's page): the probe checks this guess first, it never trusts it blindly."""
    name = (route.name or "").split(":")[-1]
    tokens = name.split("_")
    for size in range(len(tokens), 0, -1):
        for start in range(0, len(tokens) - size + 1):
            found = _models_named("_".join(tokens[start : start + size]), _app_labels(route))
            if found:
                return Target(found[0], "pk")
    return None


def resolve_kwarg(route: Route, kwarg: str) -> Target | None:
    if (route.route, kwarg) in _PROBED:
        return _PROBED[(route.route, kwarg)]
    target = _declared_target(route, kwarg)
    if target is None and kwarg in PK_NAMES:
        return _name_guess(route)
    return target


def _declared_target(route: Route, kwarg: str) -> Target | None:
    """Explicit table, the view's declared model, or the ``<model>_pk`` convention."""
    for key in (f"{route.name}.{kwarg}", kwarg):
        if key in KWARG_MODELS:
            parts = KWARG_MODELS[key].split(".")
            return Target(apps.get_model(parts[0], parts[1]), parts[2] if len(parts) > 2 else "pk")
    labels = _app_labels(route)
    if kwarg in PK_NAMES:
        model = _view_model(route.callback)
        return Target(model, "pk") if model is not None else None
    match = re.fullmatch(r"(?P<token>.+?)_(?:pk|id)", kwarg)
    if match:
        found = _models_named(match.group("token"), labels)
        if found:
            return Target(found[0], "pk")
        return None
    # A kwarg named like a unique field of one of the route's models: ``slug`` → Call.slug.
    fields = [
        m
        for m in _app_models(labels)
        if any(f.name == kwarg and (f.unique or isinstance(f, models.SlugField)) for f in m._meta.concrete_fields)
    ]
    if len(fields) == 1:
        return Target(fields[0], kwarg)
    return None


# ---------------------------------------------------------------------------------------------------------------
# A side's object for a model, and the URL built from them
# ---------------------------------------------------------------------------------------------------------------


def _path_to(model: type[models.Model], target: type[models.Model], depth: int = 0) -> str | None:
    """Lookup path from ``model`` to ``target`` through forward foreign keys (shortest first)."""
    fks = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    for f in fks:
        if f.related_model is target:
            return f.name
    if depth >= 2:
        return None
    for f in fks:
        if f.related_model is model:
            continue
        sub = _path_to(f.related_model, target, depth + 1)
        if sub:
            return f"{f.name}__{sub}"
    return None


def object_of(side: Side, model: type[models.Model]) -> models.Model | None:
    """The side's row of ``model``: its tenant row, its establishment/region, or a row linked to them."""
    from establishments.models import Establishment, Region

    est = side.establishment
    if model is Establishment:
        return est
    if model is Region:
        return est.region
    if model is apps.get_model("accounts", "User"):
        return side.member
    if model in side.owned:
        return side.owned[model]
    if isinstance(model._default_manager.all(), TenantQuerySet):
        return model._default_manager.filter(**{tenant_field(model): est}).order_by("pk").first()
    path = _path_to(model, Establishment)
    if path:
        return model._default_manager.filter(**{path: est}).order_by("pk").first()
    path = _path_to(model, Region)
    if path:
        return model._default_manager.filter(**{path: est.region}).order_by("pk").first()
    # Shared reference rows (a grid's question…) belong to no tenant: any row will do.
    return model._default_manager.order_by("pk").first()


class Unresolvable(Exception):
    pass


def build_url(route: Route, side: Side) -> str:
    """The concrete URL of ``route`` pointing at ``side``'s objects; raises ``Unresolvable`` with the fix.

    Later kwargs are chosen coherent with earlier ones (``/dossier/<pk>/piece/<document_pk>/``: a document of
    that application's call), as the view expects of a genuine URL.
    """
    values = {}
    anchors: list[models.Model] = []
    for kwarg in route.kwargs:
        if kwarg in KWARG_VALUES:
            value = KWARG_VALUES[kwarg]
            values[kwarg] = value(route) if callable(value) else value
            continue
        target = resolve_kwarg(route, kwarg)
        if target is None:
            raise Unresolvable(
                f"{route.label}: cannot tell which model the URL kwarg {kwarg!r} designates. Add one line to "
                f'KWARG_MODELS in tests/gates/urlwalk.py, e.g. "{route.name}.{kwarg}": "app_label.Model".'
            )
        obj = _related_row(target.model, anchors, side) if anchors else None
        obj = obj or object_of(side, target.model)
        if obj is None:
            raise Unresolvable(
                f"{route.label}: no {target.model._meta.label} row for {side.establishment.name}. Give the model a "
                f"factory in tests/{target.model._meta.app_label}/factories.py (the gates build rows with it)."
            )
        values[kwarg] = getattr(obj, target.field)
        anchors.append(obj)
    url = "/" + _PARAM.sub(lambda m: str(values[m.group("name")]), route.route)
    return url


def _related_row(model: type[models.Model], anchors: list[models.Model], side: Side) -> models.Model | None:
    """A row of ``model`` tied to the objects already in the URL (directly, or through a shared parent);
    built with the model's factory when none exists yet."""
    from .world import factory_for

    for anchor in reversed(anchors):
        for f in model._meta.concrete_fields:
            if not isinstance(f, models.ForeignKey):
                continue
            if isinstance(anchor, f.related_model):
                lookup = {f.name: anchor}
            else:
                shared = next(
                    (
                        g
                        for g in anchor._meta.concrete_fields
                        if isinstance(g, models.ForeignKey) and g.related_model is f.related_model
                    ),
                    None,
                )
                if shared is None or getattr(anchor, shared.attname) is None:
                    continue
                lookup = {f.attname: getattr(anchor, shared.attname)}
            if type(anchor) is model:
                continue
            if isinstance(model._default_manager.all(), TenantQuerySet):
                # Never the other side's row: a tenant row in the URL is always the side's own.
                lookup[tenant_field(model)] = side.establishment
            row = model._default_manager.filter(**lookup).order_by("pk").first()
            if row is None and (factory := factory_for(model)) is not None:
                try:
                    with transaction.atomic():
                        row = factory(**lookup)
                except Exception:  # noqa: BLE001 - fall back to the side's generic row
                    row = None
            if row is not None:
                return row
    return None


def probe_unresolved(side: Side, clients: list) -> None:
    """Resolve the kwargs the rules above cannot, by trying each candidate model with ``side``'s own objects.

    The world gives every tenant model its own primary-key range, so only the model the view really reads
    answers something else than 404 to the side's own people; that model is remembered for the route.
    """
    for route in gated_routes():
        unresolved = [k for k in route.kwargs if k not in KWARG_VALUES and _declared_target(route, k) is None]
        if (
            len(unresolved) != 1
            or (route.route, unresolved[0]) in _PROBED
            or (route.route, unresolved[0]) in _PROBE_FAILED
        ):
            continue
        kwarg = unresolved[0]
        labels = _app_labels(route)
        guess = _name_guess(route) if kwarg in PK_NAMES else None
        candidates = sorted(
            (m for m in {*(m for m in side.owned if m._meta.app_label in labels), *_app_models(labels)}),
            key=lambda m: (m._meta.app_label not in labels, m._meta.label),
        )
        if guess is not None:
            candidates = [guess.model] + [m for m in candidates if m is not guess.model]
        # GET first; a POST-only view answers 405 to every candidate, so it is probed with an empty POST
        # (a form without data is refused by the view, after its scoped lookup).
        for method in ("get", "post"):
            found = None
            for model in candidates:
                _PROBED[(route.route, kwarg)] = Target(model, "pk")
                try:
                    url = build_url(route, side)
                except Unresolvable:
                    continue
                finally:
                    del _PROBED[(route.route, kwarg)]
                if any(getattr(c, method)(url).status_code not in (404, 405, 500) for c in clients):
                    found = model
                    break
            if found is not None:
                _PROBED[(route.route, kwarg)] = Target(found, "pk")
                break
        else:
            _PROBE_FAILED.add((route.route, kwarg))


def _app_models(labels: tuple[str, ...]) -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in labels and not m.__name__.startswith("Historical")]
