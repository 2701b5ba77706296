"""The fixture world shared by the quality gates: two tenants in two regions, every tenant-owned model filled.

Establishment A (region A) is "ours"; establishment B (region B) is "the other tenant". Each role of the
isolation matrix is a user of A's side. Every model whose manager is a ``TenantQuerySet`` gets one row owned by A
and one owned by B, built by the app's own factory (``tests/<app_label>/factories.py``) when one exists, otherwise
by a small generic builder. B's rows are created after every sequence was moved far ahead, so that no B primary
key can collide with an A primary key: a 200 on B's pk can only mean B's object was served.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection, models, transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from crrc.tenancy import TenantQuerySet
from establishments.models import Establishment, Region
from establishments.roles import Role, StaffKind
from tests.establishments.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    MembershipFactory,
    RegionFactory,
    StaffAssignmentFactory,
    finess_with_key,
)

# Distinctive strings: if either shows up in a response to one of A's users, B leaked.
B_NAME = "Clinique Zephyrine Isolee"
A_NAME = "Centre hospitalier Aubepine"
B_PK_OFFSET = 5_000_000

ROLES = ("anonymous", "member_a", "director_a", "crrc_staff_a", "ars_reviewer_a")


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model scoped by ``TenantQuerySet`` (``EstablishmentOwned`` or a ``tenant_field``)."""
    found = []
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy or model.__name__.startswith("Historical"):
            continue
        if isinstance(model._default_manager.all(), TenantQuerySet):
            found.append(model)
    return found


# Apps whose region-linked rows are the tenancy itself (regions, departments, staff), not a module's rows.
CORE_APPS = {"establishments", "accounts", "auth", "admin", "contenttypes", "sessions", "account", "mfa",
             "socialaccount", "simple_history"}  # fmt: skip


def region_scoped_models() -> list[tuple[type[models.Model], str]]:
    """(model, lookup path to Region) for the modules' non-tenant models tied to a region, shortest path first."""
    from .urlwalk import _path_to

    found = []
    for model in apps.get_models():
        if model._meta.app_label in CORE_APPS or model.__name__.startswith("Historical"):
            continue
        if isinstance(model._default_manager.all(), TenantQuerySet):
            continue
        path = _path_to(model, Region)
        if path and "establishment" not in path:
            found.append((model, path))
    return sorted(found, key=lambda item: item[1].count("__"))


def tenant_field(model: type[models.Model]) -> str:
    return getattr(model, "tenant_field", "establishment")


# ---------------------------------------------------------------------------------------------------------------
# Building rows: the app's factory when there is one, otherwise a generic builder.
# ---------------------------------------------------------------------------------------------------------------


def factory_for(model: type[models.Model]) -> type[DjangoModelFactory] | None:
    """The factory declared for ``model`` in ``tests/<app_label>/factories.py`` (the most specific one)."""
    try:
        module = importlib.import_module(f"tests.{model._meta.app_label}.factories")
    except ModuleNotFoundError:
        return None
    candidates = [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, DjangoModelFactory) and obj._meta.model is model and not obj._meta.abstract
    ]
    # Prefer the plainest factory (fewest declarations), e.g. ``ActionItemFactory`` over a specialised one.
    candidates.sort(key=lambda f: (len(f._meta.declarations), f.__name__))
    return candidates[0] if candidates else None


def _dummy_value(f: models.Field, owner: Establishment, stamp: str):
    if f.choices:
        return f.choices[0][0]
    if isinstance(f, models.EmailField):
        return f"{stamp}@example.org"
    if isinstance(f, models.SlugField):
        return stamp
    if isinstance(f, models.CharField | models.TextField):
        return stamp[: f.max_length or 50]
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DecimalField):
        return Decimal("1")
    if isinstance(f, models.IntegerField | models.FloatField):
        return 1
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return date.today() + timedelta(days=30)
    if isinstance(f, models.JSONField):
        return {}
    if isinstance(f, models.FileField):
        # A real file, so that download views find it.
        from django.core.files.base import ContentFile

        return f.storage.save(f"gates/{stamp}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    if isinstance(f, models.UUIDField):
        import uuid

        return uuid.uuid4()
    raise LookupError(f"no generic value for {f.__class__.__name__}")


def is_tenant_owned(model: type[models.Model]) -> bool:
    return isinstance(model._default_manager.all(), TenantQuerySet)


def generic_build(model: type[models.Model], owner: Establishment, user, owned: dict, depth: int = 0) -> models.Model:
    """Fill required fields with plain values; foreign keys point at the owner's rows or reused reference rows."""
    if model is Establishment:
        return owner
    if model is Region:
        return owner.region
    if model is apps.get_model("accounts", "User"):
        return user
    if model in owned:
        return owned[model]
    if not is_tenant_owned(model):
        # Shared reference rows (a call, a grid…) are reused: building them blindly would break their invariants.
        existing = model._default_manager.order_by("pk").first()
        if existing is not None:
            return existing
    if depth > 4:
        raise LookupError(f"{model._meta.label}: dependency chain too deep for the generic builder")
    stamp = f"{model._meta.model_name}-{owner.finess}"
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.has_default() or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if f.null or (f.blank and not isinstance(f, models.ForeignKey)):
            continue
        if isinstance(f, models.ForeignKey):
            values[f.name] = generic_build(f.related_model, owner, user, owned, depth + 1)
        else:
            values[f.name] = _dummy_value(f, owner, stamp)
    obj = model.objects.create(**values)
    if is_tenant_owned(model):
        owned.setdefault(model, obj)
    return obj


def _regional_parents(model: type[models.Model], owner: Establishment, path: str) -> dict:
    """Foreign keys of ``model`` to region-scoped rows that exist in the owner's region (e.g. ``call``)."""
    parents = {}
    scoped = dict(region_scoped_models())
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.ForeignKey) or path.split("__")[0] == f.name or f.related_model not in scoped:
            continue
        row = f.related_model._default_manager.filter(**{scoped[f.related_model]: owner.region}).order_by("pk").first()
        if row is not None:
            parents[f.name] = row
    return parents


def build_owned(model: type[models.Model], owner: Establishment, user, owned: dict) -> tuple[models.Model | None, str]:
    """One row of ``model`` owned by ``owner``; returns (row, how it was built or why it could not be).

    ``owned`` holds the owner's rows built so far (parents are reused, e.g. an answer goes on the owner's
    application rather than on a new one).
    """
    factory = factory_for(model)
    path = tenant_field(model)
    if factory is not None:
        # factory_boy accepts the tenant path as is: ``assessment__establishment=owner``. Regional parents (the
        # call an application answers) are the owner's region's rows, so that reviewers' URLs are coherent.
        regional = _regional_parents(model, owner, path)
        attempts = [{path: owner, **regional}, {path: owner}] if regional else [{path: owner}]
        error = None
        for kwargs in attempts:
            try:
                with transaction.atomic():
                    return factory(**kwargs), f"factory {factory.__name__}"
            except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
                error = exc
        return None, f"factory {factory.__name__} failed: {error!r}"
    try:
        with transaction.atomic():
            obj = generic_build(model, owner, user, {k: v for k, v in owned.items() if k is not model})
            if model.objects.filter(pk=obj.pk).filter(**{path: owner}).exists():
                return obj, "generic builder"
            return None, "generic builder produced a row not owned by the establishment"
    except Exception as exc:  # noqa: BLE001
        return None, f"no factory in tests/{model._meta.app_label}/factories.py and generic builder failed: {exc!r}"


# ---------------------------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Side:
    establishment: Establishment
    director: object
    member: object
    owned: dict[type[models.Model], models.Model] = field(default_factory=dict)
    build_notes: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side
    users: dict[str, object]

    def needles(self) -> list[str]:
        """What must never appear in a page served to A's side."""
        return [self.b.establishment.name, self.b.establishment.finess]


def _bump_sequences(offset: int) -> None:
    """Move every sequence past ``offset`` so rows created next never share a pk with earlier rows."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        for schema, name in cursor.fetchall():
            qualified = f'"{schema}"."{name}"'
            cursor.execute(
                f"SELECT setval(%s::regclass, GREATEST(%s, last_value)) FROM {qualified}", [qualified, offset]
            )


def _staff(region: Region, kind: str, email: str):
    user = StaffAssignmentFactory(region=region, kind=kind, user__email=email).user
    # MFA is mandatory for staff: give them an authenticator so the pages themselves are reached.
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "gates"})
    if kind == StaffKind.CRRC_STAFF:
        # Worst case for the admin: every model permission. Scoping must come from querysets, not permissions.
        user.user_permissions.set(Permission.objects.all())
    return user


def _side(name: str, letter: str, region_code: str, dept_code: str, finess_prefix: str, seq: int, pk_base: int) -> Side:
    region = RegionFactory(code=region_code, name=f"Region {letter}")
    department = DepartmentFactory(code=dept_code, region=region, name=f"Departement {dept_code}")
    establishment = EstablishmentFactory(department=department, name=name, finess=finess_with_key(finess_prefix, seq))
    director = MembershipFactory(establishment=establishment, role=Role.DIRECTOR).user
    member = MembershipFactory(establishment=establishment, role=Role.MEMBER).user
    side = Side(establishment=establishment, director=director, member=member)
    # Regional rows of the modules (a call of the region, its required documents…), so that URLs naming them can
    # be built with the other region's rows.
    for model, path in region_scoped_models():
        factory = factory_for(model)
        if factory is None or model._default_manager.filter(**{path: region}).exists():
            continue
        # Attach to the region's existing parent rows (a required document of the region's call) when there are.
        parents = {
            f.name: row
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey)
            and f.related_model in dict(region_scoped_models())
            and (
                row := f.related_model._default_manager.filter(
                    **{dict(region_scoped_models())[f.related_model]: region}
                )
                .order_by("pk")
                .first()
            )
        }
        try:
            with transaction.atomic():
                factory(**(parents or {path: region}))
            side.build_notes[f"{model._meta.label} (regional)"] = f"factory {factory.__name__}"
        except Exception as exc:  # noqa: BLE001 - the matrix reports the URLs it then cannot build
            side.build_notes[f"{model._meta.label} (regional)"] = f"factory {factory.__name__} failed: {exc!r}"
    # Parents first: a model owned through ``application__establishment`` comes after Application.
    for index, model in enumerate(sorted(tenant_models(), key=lambda m: tenant_field(m).count("__"))):
        # Each model gets its own pk range: a pk then designates one model only (see urlwalk.probe_unresolved).
        _bump_sequences(pk_base + index * 10_000)
        obj, how = build_owned(model, establishment, director, side.owned)
        side.build_notes[model._meta.label] = how
        if obj is not None:
            side.owned[model] = obj
    return side


def build_world() -> World:
    a = _side(A_NAME, "A", "76", "31", "31", 101, pk_base=100_000)
    users = {
        "anonymous": None,
        "member_a": a.member,
        "director_a": a.director,
        "crrc_staff_a": _staff(a.establishment.region, StaffKind.CRRC_STAFF, "crrc.a@example.org"),
        "ars_reviewer_a": _staff(a.establishment.region, StaffKind.ARS_REVIEWER, "ars.a@example.org"),
    }
    _bump_sequences(B_PK_OFFSET)
    b = _side(B_NAME, "B", "11", "75", "75", 202, pk_base=B_PK_OFFSET + 100_000)
    world = World(a=a, b=b, users=users)
    _probe(world)
    return world


def _probe(world: World) -> None:
    from django.test import Client

    from .urlwalk import probe_unresolved

    clients = []
    for role in ("director_a", "crrc_staff_a"):
        client = Client(raise_request_exception=False)
        client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
        clients.append(client)
    probe_unresolved(world.a, clients)
