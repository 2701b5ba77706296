"""National-scale data, reproducible from a seed, built with bulk inserts.

Establishments come from the national-size FINESS file (the reference extracts, then replicated with new valid
FINESS numbers: ``national_finess_file``), loaded through the project's own bulk FINESS import. People are generated
(four memberships per onboarded establishment: 40,000 for 10,000 establishments), and each module's
tenant-owned rows are cloned in bulk from one row built by the module's own factory (``tests/<app>/factories.py``),
so a module that arrives is seeded without editing this file: add its target count to ``TARGETS``.
"""

from __future__ import annotations

import csv
import io
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import IntegrityError, models, transaction

# Row counts at regional scale, by model name; models absent from the registry are reported as absent.
TARGETS = {"Application": 20_000, "ActionItem": 200_000, "Assessment": 50_000}
USERS_PER_ESTABLISHMENT = 4  # director, RSSI, awareness relay, member → 40,000 users for 10,000 establishments
USERS = 40_000
BATCH = 2_000
PASSWORD = "motdepasse-bench-123"


@dataclass
class Seeded:
    establishments: int = 0
    users: int = 0
    memberships: int = 0
    modules: dict[str, object] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    first_establishment_id: int | None = None
    establishment_ids: list[int] = field(default_factory=list)


def _timed(seeded: Seeded, label: str):
    class _T:
        def __enter__(self):
            self.start = time.perf_counter()

        def __exit__(self, *exc):
            seeded.timings[label] = round(time.perf_counter() - self.start, 2)

    return _T()


def seed(
    establishments: int, seed_value: int, workdir: Path, log, users_total: int = USERS, scale: float = 1.0
) -> Seeded:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from accounts.models import User
    from establishments.models import Establishment, Membership, StaffAssignment
    from establishments.roles import Role, StaffKind

    rng = random.Random(seed_value)
    seeded = Seeded()
    with _timed(seeded, "reference_data_s"):
        call_command("load_geo", verbosity=0)
        call_command("load_finess_categories", verbosity=0)
    with _timed(seeded, "establishments_s"):
        source, _info = national_finess_file(establishments, workdir)
        call_command("import_finess", str(source), verbosity=0)
    ests = list(Establishment.objects.order_by("finess").values_list("pk", flat=True))
    seeded.establishments = len(ests)
    seeded.first_establishment_id = ests[0]
    seeded.establishment_ids = ests
    log(f"  {len(ests)} establishments ({seeded.timings['establishments_s']} s)")

    with _timed(seeded, "people_s"):
        password = make_password(PASSWORD)
        roles = [Role.DIRECTOR, Role.RSSI, Role.AWARENESS_RELAY, Role.MEMBER][:USERS_PER_ESTABLISHMENT]
        first_names = ["Camille", "Dominique", "Claude", "Alix", "Sacha", "Yannick", "Morgan", "Lou"]
        users = [
            User(
                email=f"u{e:05d}-{r}@bench.example.org",
                first_name=rng.choice(first_names),
                last_name=f"Bench{e:05d}",
                password=password,
            )
            for e in range(min(len(ests), users_total // len(roles)))
            for r in range(len(roles))
        ]
        User.objects.bulk_create(users, batch_size=BATCH)
        users = list(User.objects.filter(email__endswith="@bench.example.org").order_by("email"))
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=BATCH
        )
        Membership.objects.bulk_create(
            [
                Membership(user=users[e * len(roles) + r], establishment_id=est, role=roles[r])
                for e, est in enumerate(ests[: len(users) // len(roles)])
                for r in range(len(roles))
            ],
            batch_size=BATCH,
        )
        region = Establishment.objects.get(pk=ests[0]).region
        for kind in (StaffKind.ARS_REVIEWER, StaffKind.CRRC_STAFF):
            staff = User.objects.create(email=f"{kind}@bench.example.org", password=password, is_staff=True)
            EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
            StaffAssignment.objects.create(user=staff, region=region, kind=kind)
            Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "bench"})
    seeded.users = len(users) + 2
    seeded.memberships = len(users)
    log(f"  {seeded.users} users and {seeded.memberships} memberships ({seeded.timings['people_s']} s)")

    for model_name, count in TARGETS.items():
        model = _model_named(model_name)
        if model is None:
            seeded.modules[model_name] = "absent (module not built yet)"
            continue
        with _timed(seeded, f"{model_name}_s"):
            try:
                seeded.modules[model_name] = _seed_model(model, max(2, int(count * scale)), ests, rng)
            except Exception as exc:  # noqa: BLE001 - reported in the results, the bench goes on
                seeded.modules[model_name] = f"failed: {exc.__class__.__name__}: {exc}"[:300]
        log(f"  {model_name}: {seeded.modules[model_name]} ({seeded.timings[f'{model_name}_s']} s)")
    from bench import community as community_bench  # national-scale community (its own bulk seeding)

    with _timed(seeded, "community_s"):
        seeded.modules["community"] = community_bench.seed(ests, rng, log)
    from bench import offers as offers_bench  # every establishment answers the AMI; 20,000 purchase orders

    with _timed(seeded, "offers_s"):
        seeded.modules["offers"] = offers_bench.seed(ests, rng)
    log(f"  offers: {seeded.modules['offers']} ({seeded.timings['offers_s']} s)")
    with _timed(seeded, "Exercise_s"):  # issue 11: 10,000 exercises, 200,000 stimuli
        from bench import exercises as exercise_bench

        seeded.modules["Exercise"] = exercise_bench.seed(ests, rng)
    seeded.timings["total_s"] = round(sum(v for k, v in seeded.timings.items() if k != "total_s"), 2)
    return seeded


def _model_named(name: str) -> type[models.Model] | None:
    for model in apps.get_models():
        if model.__name__ == name and not model._meta.abstract:
            return model
    return None


def _template(model: type[models.Model], establishment_id: int) -> models.Model:
    """One row built by the module's factory for the first establishment (its related rows come with it).

    Regional parents (the call an application answers) are rows of the establishment's region, so that the
    region's reviewers see the seeded applications in their lists."""
    from establishments.models import Establishment
    from tests.gates.world import _regional_parents, factory_for, region_scoped_models, tenant_field

    establishment = Establishment.objects.select_related("region").get(pk=establishment_id)
    for scoped, path in region_scoped_models():
        scoped_factory = factory_for(scoped)
        if scoped_factory is None or scoped._default_manager.filter(**{path: establishment.region}).exists():
            continue
        try:
            with transaction.atomic():
                scoped_factory(**{path: establishment.region})
        except Exception:  # noqa: BLE001, S112 - a regional row the factory cannot build is simply not seeded
            continue
    factory = factory_for(model)
    if factory is None:
        raise LookupError(f"no factory for {model._meta.label} in tests/{model._meta.app_label}/factories.py")
    path = tenant_field(model)
    regional = _regional_parents(model, establishment, path)
    try:
        with transaction.atomic():
            template = factory(**{path: establishment, **regional})
    except Exception:  # noqa: BLE001 - retried without the regional parents
        template = factory(**{path: establishment})
    # The factory may have built its own regional parent elsewhere (e.g. the call): move it into the region.
    for f in model._meta.concrete_fields:
        parent_model = getattr(f, "related_model", None)
        if (
            parent_model is not None
            and parent_model is not Establishment
            and any(g.name == "region" for g in parent_model._meta.concrete_fields)
            and getattr(template, f.attname) is not None
        ):
            parent_model._default_manager.filter(pk=getattr(template, f.attname)).update(region=establishment.region)
    return template


def _clone(template: models.Model, assignments: list[dict]) -> int:
    """Insert one copy of ``template`` per assignment (field overrides), in batches."""
    model = type(template)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    base = {f.attname: getattr(template, f.attname) for f in fields}
    unique_text = [f for f in fields if f.unique and isinstance(f, models.CharField)]
    rows = []
    for i, overrides in enumerate(assignments):
        values = {**base, **overrides}
        for f in unique_text:
            if f.attname not in overrides:
                values[f.attname] = f"{base[f.attname]}-{i}"[: f.max_length]
        rows.append(model(**values))
    with transaction.atomic():
        model.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _seed_model(model: type[models.Model], count: int, ests: list[int], rng: random.Random) -> str:
    from tests.gates.world import tenant_field

    path = tenant_field(model)
    template = _template(model, ests[0])
    if path == "establishment":
        owners = [ests[i % len(ests)] for i in range(1, count)]
        try:
            made = _clone(template, [{"establishment_id": e} for e in owners])
        except IntegrityError:
            # One per establishment (a uniqueness constraint says so).
            made = _clone(template, [{"establishment_id": e} for e in ests[1:count]])
        return f"{made + 1} rows"
    # Owned through a parent (e.g. plan__establishment): one parent per establishment, children spread over them.
    parent_field = path.split("__")[0]
    parent_model = model._meta.get_field(parent_field).related_model
    parent_template = getattr(template, parent_field)
    existing = set(parent_model.objects.values_list("establishment_id", flat=True))
    _clone(parent_template, [{"establishment_id": e} for e in ests if e not in existing])
    parents = list(parent_model.objects.order_by("pk").values_list("pk", flat=True))
    spread = [{f"{parent_field}_id": parents[rng.randrange(len(parents))]} for _ in range(count - 1)]
    made = _clone(template, spread)
    return f"{made + 1} rows over {len(parents)} {parent_model.__name__} rows"


def national_finess_file(target_rows: int, workdir: Path) -> tuple[Path, dict]:
    """~95,000 FINESS rows: the reference extracts de-duplicated, then replicated with new valid numbers."""
    from establishments.validators import luhn_ok

    folder = Path(settings.REFERENCE_DATA_DIR) / "finess"
    sources = [
        "finess_et_20210108_occitanie.csv",
        "finess_et_20210108_ile-de-france.csv",
        "finess_et_20210108_echantillon_national.csv",
    ]
    header, rows, seen = None, [], set()
    for name in sources:
        with (folder / name).open(encoding="utf-8") as f:
            reader = csv.reader(f, delimiter=";")
            file_header = next(reader)
            header = header or file_header
            if file_header != header:
                raise ValueError(f"{name}: columns differ from the other extracts")
            for row in reader:
                if row and row[0] not in seen:
                    seen.add(row[0])
                    rows.append(row)
    unique_rows = len(rows)
    out = list(rows)
    sequence = 0
    while len(out) < target_rows:
        for row in rows:
            if len(out) >= target_rows:
                break
            while True:
                sequence += 1
                body = f"{row[0][:2]}{900_000 + sequence % 100_000:06d}"[:8]
                digits = body.replace("2A", "21").replace("2B", "22")
                key = next(k for k in range(10) if luhn_ok(f"{digits}{k}"))
                number = f"{body}{key}"
                if number not in seen:
                    break
            seen.add(number)
            out.append([number, *row[1:]])
    target = workdir / "finess_national.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(out)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target, {"rows": len(out), "unique_reference_rows": unique_rows, "columns": len(header)}
