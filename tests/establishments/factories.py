from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from establishments.models import (
    AccessRequest,
    Department,
    Establishment,
    EstablishmentCategory,
    Invitation,
    Membership,
    Organisation,
    Region,
    StaffAssignment,
    VerifiedDomain,
)
from establishments.roles import Role, Sector, StaffKind
from establishments.validators import luhn_ok


def finess_with_key(prefix: str, sequence: int) -> str:
    """A FINESS number with a correct check key: ``prefix`` (2 chars) + 6 digits + Luhn key."""
    body = f"{prefix}{sequence % 1_000_000:06d}"
    digits = body.replace("2A", "21").replace("2B", "22")
    for key in range(10):
        if luhn_ok(f"{digits}{key}"):
            return f"{body}{key}"
    raise AssertionError("unreachable")


# Regions and departments are got-or-created by code, and tests name real ones ("11" Île-de-France, "76" Occitanie,
# department "75"…) to mean *another* region than the generated one. A generated code must therefore never be one
# of those, or a test's other region is, in some test orders, the very region an earlier factory generated (the
# organisation-domain test passed or failed with the order of the run for that reason alone).
REAL_REGION_CODES = frozenset(
    {"01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"}
)
GENERATED_REGION_CODES = tuple(code for code in (f"{n:02d}" for n in range(10, 100)) if code not in REAL_REGION_CODES)
# Departments that tests, the gates' world and the demo name explicitly (every two-digit code is a real department).
NAMED_DEPARTMENT_CODES = frozenset(
    {"01", "03", "09", "11", "12", "13", "30", "31", "32", "33", "34", "42", "59", "66", "69", "75", "77", "78", "81",
     "82", "91", "92", "93", "94", "95"}
)  # fmt: skip
GENERATED_DEPARTMENT_CODES = tuple(
    code for code in (f"{n:02d}" for n in range(10, 99)) if code not in NAMED_DEPARTMENT_CODES
)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: GENERATED_REGION_CODES[n % len(GENERATED_REGION_CODES)])
    name = factory.Sequence(lambda n: f"Région {n}")
    grades_name = factory.LazyAttribute(lambda o: f"GRADeS {o.name}")
    crrc_name = factory.LazyAttribute(lambda o: f"CRRC {o.name}")
    contact_email = "crrc@example.org"


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: GENERATED_DEPARTMENT_CODES[n % len(GENERATED_DEPARTMENT_CODES)])
    name = factory.Sequence(lambda n: f"Département {n}")
    region = factory.SubFactory(RegionFactory)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = EstablishmentCategory
        django_get_or_create = ("code",)

    code = "355"
    label = "Centre Hospitalier (C.H.)"
    aggregate_code = "1102"
    aggregate_label = "Centres Hospitaliers"
    sector = Sector.ES

    class Params:
        ehpad = factory.Trait(
            code="500",
            label="Etablissement d'hébergement pour personnes âgées dépendantes",
            aggregate_code="4401",
            aggregate_label="Etablissements d'Hébergement pour Personnes Âgées",
            sector=Sector.ESMS,
        )


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    finess = factory.Sequence(lambda n: finess_with_key("99", 500_000 + n))
    name = factory.Sequence(lambda n: f"Organisme gestionnaire {n}")
    siren = "260100045"


class EstablishmentFactory(DjangoModelFactory):
    class Meta:
        model = Establishment
        skip_postgeneration_save = True

    department = factory.SubFactory(DepartmentFactory)
    region = factory.SelfAttribute("department.region")
    finess = factory.LazyAttributeSequence(lambda o, n: finess_with_key(o.department.code[:2], n))
    name = factory.Sequence(lambda n: f"Centre hospitalier {n}")
    category = factory.SubFactory(CategoryFactory)
    sector = factory.SelfAttribute("category.sector")
    address = "1 rue de l'Hôpital"
    postal_code = factory.LazyAttribute(lambda o: f"{o.department.code[:2]}000")
    city = "Ville"

    class Params:
        ehpad = factory.Trait(
            category=factory.SubFactory(CategoryFactory, ehpad=True),
            name=factory.Sequence(lambda n: f"EHPAD {n}"),
        )

    @factory.post_generation
    def with_director(obj, create, extracted, **kwargs):
        if create and extracted:
            MembershipFactory(establishment=obj, role=Role.DIRECTOR)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("motdepasse-solide-123")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Mark the e-mail verified, as allauth requires before login (default: yes)."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    role = Role.MEMBER

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        """An organisation membership covers the given regions; by default those of the organisation's
        establishments existing at that point (pass ``regions=[...]`` to grant fewer)."""
        if not create or obj.organisation_id is None:
            return
        if extracted is None:
            extracted = Region.objects.filter(establishments__organisation=obj.organisation).distinct()
        obj.regions.set(extracted)


class VerifiedDomainFactory(DjangoModelFactory):
    """A domain the CRRC verified for an establishment (its region)."""

    class Meta:
        model = VerifiedDomain

    establishment = factory.SubFactory(EstablishmentFactory)
    region = factory.SelfAttribute("establishment.region")
    domain = "chu-exemple.fr"


class StaffAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = StaffAssignment

    user = factory.SubFactory(UserFactory, is_staff=True)
    region = factory.SubFactory(RegionFactory)
    kind = StaffKind.CRRC_STAFF


class AccessRequestFactory(DjangoModelFactory):
    """A pending claim by a verified user on an establishment that already has a director."""

    class Meta:
        model = AccessRequest

    user = factory.SubFactory(UserFactory)
    establishment = factory.SubFactory(EstablishmentFactory, with_director=True)
    role = Role.MEMBER
    message = "Je suis le nouvel infirmier coordinateur."


class InvitationFactory(DjangoModelFactory):
    """A usable invitation (14 days) sent by a director of the establishment."""

    class Meta:
        model = Invitation

    establishment = factory.SubFactory(EstablishmentFactory)
    email = factory.Sequence(lambda n: f"invite{n}@example.org")
    role = Role.MEMBER
    token = factory.Sequence(lambda n: f"jeton-invitation-{n:06d}")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=14))
