"""Digests: for each member at the weekly (medium) or monthly (low) level, exactly the items they may see and
have not read, created since their previous digest — each item at most once (``DigestItem`` is unique per member
and item, and the window starts where the previous digest ended).

The batch works space by space: the space's items of the longest window are read once, then each member costs
three small queries (their read marks, their groups, the digest rows written), whatever the size of the space.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from crrc.links import portal_url

from .models import Activity, Digest, DigestItem, Member, NotificationLevel, ReadMark, Space
from .selectors import Viewer

logger = logging.getLogger(__name__)

LEVEL_LINK_SALT = "community.level-link"
LEVEL_LINK_MAX_AGE = 60 * 60 * 24 * 90  # a digest's links work for three months


def level_token(member: Member, level: str) -> str:
    return signing.dumps({"m": member.pk, "l": level}, salt=LEVEL_LINK_SALT, compress=True)


def read_level_token(token: str) -> tuple[int, str]:
    """(member pk, level) from a signed link; ``signing.BadSignature`` for a tampered or expired one."""
    data = signing.loads(token, salt=LEVEL_LINK_SALT, max_age=LEVEL_LINK_MAX_AGE)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("m"), int)
        or data.get("l") not in NotificationLevel.values
    ):
        raise signing.BadSignature("malformed level link")
    return data["m"], data["l"]


def level_links(member: Member) -> list[tuple[str, str]]:
    return [
        (
            label,
            portal_url(
                reverse("community:level_link", kwargs={"signed": level_token(member, value)}), member.space.region
            ),
        )
        for value, label in NotificationLevel.choices
        if value != member.level
    ]


@dataclass
class PreparedDigest:
    member: Member
    items: list[Activity]
    period_end: object


def unread_items(member: Member, candidates: list[Activity], viewer: Viewer, now) -> list[Activity]:
    """The candidates inside the member's window, visible to them, unread and never sent to them."""
    window = [a for a in candidates if member.digest_cursor < a.created_at <= now and a.actor_id != member.user_id]
    if not window:
        return []
    ids = [a.pk for a in window]
    read = set(
        ReadMark.objects.filter(user_id=member.user_id, activity_id__in=ids).values_list("activity_id", flat=True)
    )
    sent = set(DigestItem.objects.filter(member=member, activity_id__in=ids).values_list("activity_id", flat=True))
    return [
        a
        for a in window
        if a.pk not in read
        and a.pk not in sent
        and (a.folder_id is None or viewer.can_see_folder(a.folder_id))
        and (a.group_id is None or viewer.can_see_group_item(a.group_id))
    ]


@dataclass
class DigestLine:
    """One line of the e-mail: an item, or a thread's new replies counted together (every item is accounted for)."""

    label: str
    title: str
    url: str
    count: int = 1


def digest_lines(items: list[Activity], region) -> list[DigestLine]:
    lines: list[DigestLine] = []
    replies: dict[int, DigestLine] = {}
    for item in items:
        if item.kind == Activity.Kind.REPLY:
            line = replies.get(item.thread_id)
            if line is None:
                line = replies[item.thread_id] = DigestLine(
                    str(Activity.Kind.REPLY.label),
                    item.title,
                    portal_url(item.get_absolute_url().split("#")[0], region),
                    0,
                )
                lines.append(line)
            line.count += 1
            continue
        lines.append(DigestLine(item.get_kind_display(), item.title, portal_url(item.get_absolute_url(), region)))
    return lines


def _send(member: Member, items: list[Activity], level: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "member": member,
            "space": member.space,
            "items": items,
            "weekly": level == NotificationLevel.MEDIUM,
            "space_url": portal_url(member.space.get_absolute_url(), member.space.region),
            "lines": digest_lines(items, member.space.region),
            "level_links": level_links(member),
        }
        subject, _sep, body = render_to_string("community/emails/digest.txt", context).strip().partition("\n")
    send_mail(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}", body.strip() + "\n", settings.DEFAULT_FROM_EMAIL,
        [member.user.email],
    )  # fmt: skip


def send_space_digests(space: Space, level: str, now=None) -> int:
    """One digest per member of ``space`` at ``level`` who has something unread; returns how many were sent."""
    now = now or timezone.now()
    members = list(
        Member.objects.filter(space=space, state=Member.State.ACTIVE, level=level, user__is_active=True)
        .select_related("user", "establishment", "space", "space__region")
        .order_by("pk")
    )
    if not members:
        return 0
    oldest = min(m.digest_cursor for m in members)
    candidates = list(
        Activity.objects.filter(space=space, is_hidden=False, created_at__gt=oldest, created_at__lte=now).order_by(
            "-created_at", "-pk"
        )
    )
    folder_rows = None
    sent = 0
    for member in members:
        viewer = Viewer(user=member.user, space=space, member=member, is_staff=False, _folder_rows=folder_rows)
        items = unread_items(member, candidates, viewer, now)
        folder_rows = viewer._folder_rows
        with transaction.atomic():
            # Claim the window first: a second run of the batch finds the cursor moved and sends nothing twice.
            claimed = Member.objects.filter(pk=member.pk, digest_cursor=member.digest_cursor, level=level).update(
                digest_cursor=now
            )
            if not claimed or not items:
                continue
            digest = Digest.objects.create(
                member=member, level=level, period_start=member.digest_cursor, period_end=now
            )
            DigestItem.objects.bulk_create([DigestItem(digest=digest, member=member, activity=a) for a in items])
            transaction.on_commit(lambda m=member, i=items: _send(m, i, level))
            sent += 1
    return sent


def send_digests(level: str, now=None) -> int:
    now = now or timezone.now()
    spaces = Space.objects.filter(
        is_archived=False, pk__in=Member.objects.filter(state=Member.State.ACTIVE, level=level).values("space_id")
    ).select_related("region")
    total = 0
    for space in spaces:
        total += send_space_digests(space, level, now)
    logger.info("community digests (%s): %d sent", level, total)
    return total


def oldest_cursor(level: str):
    return Member.objects.filter(state=Member.State.ACTIVE, level=level).aggregate(oldest=Min("digest_cursor"))[
        "oldest"
    ]
