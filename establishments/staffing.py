"""Regional staff: assignments of CRRC staff and ARS reviewers, and the "Équipe CRRC" permission group.

Django's admin checks model permissions before ``crrc.admin.RegionScopedAdminMixin`` narrows rows to a region, so
CRRC staff (who are not superusers) need permissions: they get them from one group, "Équipe CRRC", which this module
creates with the permissions listed in ``CRRC_STAFF_PERMISSIONS`` and keeps in sync with staff assignments: a user
is in the group exactly while they hold an active ``crrc_staff`` assignment. ARS reviewers never join it: they
have no write access in the admin.

Other apps add what their CRRC staff may do in the admin with ``register_crrc_staff_permissions`` (called from
their ``AppConfig.ready``); the group is refreshed after every ``migrate``.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Membership, Region, StaffAssignment
from .roles import StaffKind

CRRC_STAFF_GROUP = "Équipe CRRC"

# "app_label.model" → actions. No delete anywhere: memberships are deactivated, establishments come from FINESS.
# Staff assignments and users are read-only for CRRC staff: granting regional access is a superuser's decision.
CRRC_STAFF_PERMISSIONS: dict[str, set[str]] = {
    "establishments.region": {"view", "change"},
    "establishments.department": {"view"},
    "establishments.establishmentcategory": {"view"},
    "establishments.organisation": {"view", "add", "change"},
    "establishments.establishment": {"view", "add", "change"},
    "establishments.membership": {"view", "add", "change"},
    "establishments.accessrequest": {"view", "change"},
    "establishments.invitation": {"view"},
    "establishments.staffassignment": {"view"},
    "accounts.user": {"view"},
}


def register_crrc_staff_permissions(model_label: str, actions: Iterable[str]) -> None:
    """Let another app grant CRRC staff admin permissions on its models (e.g. ``("calls.call", {"view"})``)."""
    CRRC_STAFF_PERMISSIONS.setdefault(model_label.lower(), set()).update(actions)


def _permission_filter() -> Q:
    condition = Q(pk__in=[])
    for label, actions in CRRC_STAFF_PERMISSIONS.items():
        app_label, model = label.split(".")
        condition |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return condition


def ensure_crrc_staff_group() -> Group:
    """Create or refresh the "Équipe CRRC" group with exactly the declared permissions. Idempotent."""
    group, _created = Group.objects.get_or_create(name=CRRC_STAFF_GROUP)
    group.permissions.set(Permission.objects.filter(_permission_filter()))
    return group


def sync_staff_access(user) -> None:
    """Put the user in the CRRC group (and let them into the admin) exactly while a crrc_staff assignment is active."""
    group = ensure_crrc_staff_group()
    is_crrc_staff = StaffAssignment.objects.filter(user=user, kind=StaffKind.CRRC_STAFF, is_active=True).exists()
    if is_crrc_staff:
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    else:
        user.groups.remove(group)
        if user.is_staff and not user.is_superuser and not user.groups.exists():
            user.is_staff = False
            user.save(update_fields=["is_staff"])


@transaction.atomic
def assign_staff(user, region: Region, kind: str) -> StaffAssignment:
    """Make ``user`` CRRC staff or ARS reviewer of ``region`` (idempotent)."""
    assignment = StaffAssignment.objects.filter(user=user, region=region, kind=kind, is_active=True).first()
    if assignment is None:
        assignment = StaffAssignment.objects.create(user=user, region=region, kind=kind)
    sync_staff_access(user)
    return assignment


@transaction.atomic
def end_staff_assignment(assignment: StaffAssignment) -> StaffAssignment:
    """End a staff assignment (kept for the record, like memberships) and withdraw the access it gave."""
    if assignment.is_active:
        assignment.is_active = False
        assignment.save(update_fields=["is_active"])
    sync_staff_access(assignment.user)
    return assignment


@transaction.atomic
def deactivate_membership_as_staff(membership: Membership, staff_user) -> bool:
    """CRRC staff remove someone from an establishment of their region from the admin. Never deletes.

    Returns False when the membership was already inactive. Unlike a director, CRRC staff may deactivate the last
    director (a director who left is the typical case the CRRC is called for).
    """
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if not locked.is_active:
        return False
    locked.is_active = False
    locked.deactivated_at = timezone.now()
    locked.deactivated_by = staff_user
    locked.save(update_fields=["is_active", "deactivated_at", "deactivated_by"])
    return True


def refresh_group_after_migrate(sender, **kwargs) -> None:
    """post_migrate hook: permissions exist only after migrate, so the group is (re)built then."""
    ensure_crrc_staff_group()
