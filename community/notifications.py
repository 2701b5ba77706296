"""E-mails of the community: each new item for members at the high level, mentions, membership decisions,
registrations (with the ICS invitation when it is available) and reminders."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils import translation

from crrc.links import portal_url

from .digests import level_links
from .models import Activity, Member, NotificationLevel, Post, Registration
from .selectors import Viewer


def _render(template: str, context: dict) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject, _sep, body = render_to_string(f"community/emails/{template}.txt", context).strip().partition("\n")
    return f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}", body.strip() + "\n"


def _mail(template: str, context: dict, recipients: list[str]) -> int:
    if not recipients:
        return 0
    subject, body = _render(template, context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def notify_activity(activity: Activity) -> int:
    """Members at the high level who may see the item get one e-mail each (folder rights and groups apply)."""
    if activity.is_hidden:
        return 0
    space = activity.space
    members = (
        Member.objects.filter(
            space=space, state=Member.State.ACTIVE, level=NotificationLevel.HIGH, user__is_active=True
        )
        .exclude(user_id=activity.actor_id)
        .select_related("user", "establishment")
    )
    url = portal_url(activity.get_absolute_url(), space.region)
    sent = 0
    folder_rows = None
    for member in members:
        viewer = Viewer(user=member.user, space=space, member=member, is_staff=False, _folder_rows=folder_rows)
        visible = (activity.folder_id is None or viewer.can_see_folder(activity.folder_id)) and (
            activity.group_id is None or viewer.can_see_group_item(activity.group_id)
        )
        folder_rows = viewer._folder_rows
        if visible:
            context = {
                "activity": activity,
                "space": space,
                "url": url,
                "member": member,
                "level_links": level_links(member),
            }
            sent += _mail("activity", context, [member.user.email])
    return sent


def notify_mentions(post: Post) -> int:
    thread = post.thread
    url = portal_url(f"{thread.get_absolute_url()}#message-{post.pk}", thread.space.region)
    sent = 0
    members = (
        Member.objects.filter(space=thread.space, state=Member.State.ACTIVE, user__in=post.mentions.all())
        .exclude(level=NotificationLevel.ARCHIVED)
        .select_related("user")
    )
    for member in members:
        sent += _mail("mention", {"post": post, "thread": thread, "url": url, "member": member}, [member.user.email])
    return sent


def notify_staff_of_request(member: Member) -> int:
    from establishments.models import StaffAssignment

    emails = list(
        StaffAssignment.objects.filter(
            region=member.space.region_id, kind="crrc_staff", is_active=True, user__is_active=True
        )
        .values_list("user__email", flat=True)
        .distinct()
    )
    from django.urls import reverse

    url = portal_url(reverse("community:members", kwargs={"space_pk": member.space_id}), member.space.region)
    return _mail("request", {"member": member, "space": member.space, "url": url}, emails)


def send_member_email(member: Member, kind: str) -> int:
    from django.urls import reverse

    url = portal_url(
        member.space.get_absolute_url() if kind == "approved" else reverse("community:index"), member.space.region
    )
    return _mail(f"member_{kind}", {"member": member, "space": member.space, "url": url}, [member.user.email])


def registration_ics(registration: Registration, method: str = "REQUEST") -> str | None:
    """The calendar invitation, when the shared ICS writer is installed (``crrc/ics.py``)."""
    try:
        from crrc import ics
    except ImportError:
        return None
    event = registration.event
    location = event.link if event.mode == event.Mode.REMOTE else event.location
    return ics.build_event(
        uid=f"community-event-{event.pk}@crrc",
        sequence=event.sequence,
        start=event.starts_at,
        end=event.ends_at,
        summary=event.title,
        description=event.description,
        location=location,
        organizer_email=event.space.region.contact_email or settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">"),
        attendees=[(str(registration.user), registration.user.email)],
        method=method,
    )


def send_registration_email(registration: Registration, kind: str) -> int:
    event = registration.event
    url = portal_url(event.get_absolute_url(), event.space.region)
    subject, body = _render(f"registration_{kind}", {"registration": registration, "event": event, "url": url})
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.user.email])
    if kind in ("confirmed", "promoted", "reminder"):
        calendar = registration_ics(registration)
        if calendar:
            message.attach("evenement.ics", calendar, "text/calendar; method=REQUEST; charset=utf-8")
    return message.send()
