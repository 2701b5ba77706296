"""Every read of the community goes through here: spaces, folders, documents, feed, threads, events, polls, digests.

A space is region-owned: its active members and its region's CRRC staff see it; nobody else (another region's
staff included) learns it exists (404). Inside a space, folder rights decide which documents a member sees, and
groups restrict events and polls. The rules are computed from the database on every request — a removed member
loses access at once, a folder whose rights change hides its documents at once — and every path (listing,
search, feed, digests, thread links, download) asks the same ``Viewer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from establishments.models import Region
from establishments.roles import Sector
from establishments.selectors import crrc_staff_regions, member_establishments

from .models import (
    Access,
    Activity,
    Document,
    DocumentVersion,
    Event,
    Folder,
    Member,
    Poll,
    Post,
    ReadMark,
    Registration,
    Space,
    Thread,
)


def _anonymous(user) -> bool:
    return user is None or not user.is_authenticated or not user.is_active


def staffed_spaces(user) -> QuerySet[Space]:
    """Spaces of the regions the user serves as CRRC staff (every space for a superuser)."""
    if _anonymous(user):
        return Space.objects.none()
    if user.is_superuser:
        return Space.objects.all()
    return Space.objects.filter(region__in=crrc_staff_regions(user))


def member_spaces(user) -> QuerySet[Space]:
    if _anonymous(user):
        return Space.objects.none()
    return Space.objects.filter(
        pk__in=Member.objects.filter(user=user, state=Member.State.ACTIVE).values("space_id"), is_archived=False
    )


def visible_spaces(user) -> QuerySet[Space]:
    if _anonymous(user):
        return Space.objects.none()
    return Space.objects.filter(
        Q(pk__in=member_spaces(user).values("pk")) | Q(pk__in=staffed_spaces(user).values("pk"))
    )


def joinable_spaces(user) -> QuerySet[Space]:
    """Spaces of the regions of the user's establishments open to requests, where the user is not yet involved."""
    if _anonymous(user):
        return Space.objects.none()
    regions = Region.objects.filter(pk__in=member_establishments(user).values("region_id"))
    involved = Member.objects.filter(user=user).exclude(state__in=[Member.State.REFUSED, Member.State.REMOVED])
    return (
        Space.objects.filter(region__in=regions, accepts_requests=True, is_archived=False)
        .exclude(pk__in=involved.values("space_id"))
        .select_related("region")
    )


def pending_for(user) -> QuerySet[Member]:
    """The user's invitations and requests awaiting an answer."""
    if _anonymous(user):
        return Member.objects.none()
    return Member.objects.filter(user=user, state__in=[Member.State.INVITED, Member.State.REQUESTED]).select_related(
        "space", "space__region"
    )


def establishments_for_joining(user, space: Space):
    return member_establishments(user).filter(region=space.region_id).select_related("department").order_by("name")


@dataclass
class Viewer:
    """Who is looking at a space, and what they may see in it."""

    user: object
    space: Space
    member: Member | None
    is_staff: bool
    _folder_rows: list | None = field(default=None, repr=False)

    @property
    def can_read(self) -> bool:
        return self.is_staff or (self.member is not None and self.member.is_active)

    @cached_property
    def group_ids(self) -> frozenset[int]:
        if self.member is None or not self.member.is_active:
            return frozenset()
        return frozenset(self.member.groups.values_list("pk", flat=True))

    @cached_property
    def sector(self) -> str | None:
        return self.member.sector if self.member is not None else None

    def _allowed(self, access: str, group_id: int | None) -> bool:
        if self.is_staff:
            return True
        if not self.can_read:
            return False
        if access == Access.SPACE:
            return True
        if access == Access.ES:
            return self.sector == Sector.ES
        if access == Access.ESMS:
            return self.sector == Sector.ESMS
        if access == Access.GROUP:
            return group_id in self.group_ids
        return False  # Access.STAFF

    @cached_property
    def effective_rights(self) -> dict[int, tuple[str, int | None]]:
        """Each folder's rights after inheritance: a folder "as its parent" takes the nearest explicit ancestor's."""
        rows = {pk: (parent, access, group) for pk, parent, access, group in self._folders()}
        resolved: dict[int, tuple[str, int | None]] = {}

        def resolve(pk: int, depth: int = 0) -> tuple[str, int | None]:
            if pk in resolved:
                return resolved[pk]
            parent, access, group = rows[pk]
            if access != Access.INHERIT or parent is None or parent not in rows or depth > 50:
                # A root "as its parent" is refused by the database; should one appear, it is staff-only.
                result = (access, group) if access != Access.INHERIT else (Access.STAFF, None)
            else:
                result = resolve(parent, depth + 1)
            resolved[pk] = result
            return result

        for pk in rows:
            resolve(pk)
        return resolved

    def _folders(self) -> list:
        if self._folder_rows is None:
            self._folder_rows = list(
                Folder.objects.filter(space=self.space).values_list("pk", "parent_id", "access", "group_id")
            )
        return self._folder_rows

    @cached_property
    def visible_folder_ids(self) -> frozenset[int]:
        if not self.can_read:
            return frozenset()
        return frozenset(pk for pk, (access, group) in self.effective_rights.items() if self._allowed(access, group))

    def can_see_folder(self, folder_id: int | None) -> bool:
        return folder_id in self.visible_folder_ids

    def can_see_group_item(self, group_id: int | None) -> bool:
        return self.can_read and (group_id is None or self.is_staff or group_id in self.group_ids)

    # --- scoped querysets ---------------------------------------------------------------------------------

    def folders(self) -> QuerySet[Folder]:
        return Folder.objects.filter(space=self.space, pk__in=self.visible_folder_ids)

    def documents(self) -> QuerySet[Document]:
        return Document.objects.filter(space=self.space, folder_id__in=self.visible_folder_ids, version_count__gt=0)

    def threads(self) -> QuerySet[Thread]:
        if not self.can_read:
            return Thread.objects.none()
        threads = Thread.objects.filter(space=self.space)
        return threads if self.is_staff else threads.filter(is_hidden=False)

    def _group_condition(self) -> Q:
        if self.is_staff:
            return Q()
        return Q(group__isnull=True) | Q(group_id__in=self.group_ids)

    def events(self) -> QuerySet[Event]:
        if not self.can_read:
            return Event.objects.none()
        return Event.objects.filter(self._group_condition(), space=self.space)

    def polls(self) -> QuerySet[Poll]:
        if not self.can_read:
            return Poll.objects.none()
        return Poll.objects.filter(self._group_condition(), space=self.space)

    def activities(self) -> QuerySet[Activity]:
        """The "what's new" items the viewer may see: folder rights for documents, groups for events and polls."""
        if not self.can_read:
            return Activity.objects.none()
        scoped = Activity.objects.filter(space=self.space, is_hidden=False)
        if self.is_staff:
            return scoped
        return scoped.filter(
            Q(folder__isnull=True) | Q(folder_id__in=self.visible_folder_ids),
            Q(group__isnull=True) | Q(group_id__in=self.group_ids),
        )


def viewer_for(user, space: Space) -> Viewer:
    member = None
    if not _anonymous(user):
        member = Member.objects.select_related("establishment").filter(space=space, user=user).first()
        is_staff = user.is_superuser or crrc_staff_regions(user).filter(pk=space.region_id).exists()
    else:
        is_staff = False
    return Viewer(user=user, space=space, member=member, is_staff=is_staff)


def space_viewer_or_404(user, space_pk) -> Viewer:
    """The space if the user reads it (active member or its region's staff), else 404."""
    space = Space.objects.select_related("region").filter(pk=space_pk).first()
    if space is None:
        raise Http404
    viewer = viewer_for(user, space)
    if not viewer.can_read:
        raise Http404
    return viewer


def staff_viewer_or_404(user, space_pk) -> Viewer:
    viewer = space_viewer_or_404(user, space_pk)
    if not viewer.is_staff:
        raise Http404
    return viewer


def _object_viewer(user, model, pk, space_path: str = "space"):
    obj = model.objects.filter(pk=pk).select_related(f"{space_path}__region").first() if str(pk).isdigit() else None
    if obj is None:
        raise Http404
    space = obj
    for part in space_path.split("__"):
        space = getattr(space, part)
    viewer = viewer_for(user, space)
    if not viewer.can_read:
        raise Http404
    return obj, viewer


def folder_or_404(user, space_pk, folder_pk) -> tuple[Folder, Viewer]:
    viewer = space_viewer_or_404(user, space_pk)
    folder = viewer.folders().filter(pk=folder_pk).first()
    if folder is None:
        raise Http404
    return folder, viewer


def document_or_404(user, document_pk) -> tuple[Document, Viewer]:
    document, viewer = _object_viewer(user, Document, document_pk)
    if not viewer.can_see_folder(document.folder_id) or document.version_count == 0:
        raise Http404
    return document, viewer


def version_or_404(user, document_pk, version_pk) -> tuple[DocumentVersion, Viewer]:
    document, viewer = document_or_404(user, document_pk)
    version = DocumentVersion.objects.filter(document=document, pk=version_pk).first()
    if version is None:
        raise Http404
    return version, viewer


def thread_or_404(user, thread_pk) -> tuple[Thread, Viewer]:
    thread, viewer = _object_viewer(user, Thread, thread_pk)
    if thread.is_hidden and not viewer.is_staff:
        raise Http404
    return thread, viewer


def post_or_404(user, post_pk) -> tuple[Post, Viewer]:
    post, viewer = _object_viewer(user, Post, post_pk, "thread__space")
    if (post.is_hidden or post.thread.is_hidden) and not viewer.is_staff:
        raise Http404
    return post, viewer


def event_or_404(user, event_pk) -> tuple[Event, Viewer]:
    event, viewer = _object_viewer(user, Event, event_pk)
    if not viewer.can_see_group_item(event.group_id):
        raise Http404
    return event, viewer


def poll_or_404(user, poll_pk) -> tuple[Poll, Viewer]:
    poll, viewer = _object_viewer(user, Poll, poll_pk)
    if not viewer.can_see_group_item(poll.group_id):
        raise Http404
    return poll, viewer


def member_for_staff_or_404(user, member_pk) -> tuple[Member, Viewer]:
    member, viewer = _object_viewer(user, Member, member_pk)
    if not viewer.is_staff:
        raise Http404
    return member, viewer


# --- pages ------------------------------------------------------------------------------------------------


def feed(viewer: Viewer, limit: int = 30) -> list[Activity]:
    """Newest first, with each document's size and type, and whether the viewer read it."""
    items = list(
        viewer.activities()
        # Only what an item shows (its author, a document's size and type; links use the ids): every further
        # join cost PostgreSQL ~15 ms of planning per request on the national feed (7 joined tables).
        .select_related("actor", "version")
        .order_by("-created_at", "-pk")[:limit]
    )
    read = set(
        ReadMark.objects.filter(user=viewer.user, activity__in=[a.pk for a in items]).values_list(
            "activity_id", flat=True
        )
    )
    for item in items:
        item.is_read = item.pk in read
    return items


def search_documents(viewer: Viewer, query: str) -> QuerySet[Document]:
    documents = viewer.documents().select_related("folder", "created_by")
    query = (query or "").strip()
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return documents.order_by("-updated_at")


def thread_document(viewer: Viewer, thread: Thread) -> Document | None:
    """The document a thread points at, only when the viewer may see it (thread links obey folder rights)."""
    if thread.document_id is None:
        return None
    return viewer.documents().filter(pk=thread.document_id).first()


def thread_posts(viewer: Viewer, thread: Thread) -> QuerySet[Post]:
    posts = thread.posts.select_related("author").order_by("created_at", "pk")
    if not viewer.is_staff:
        posts = posts.filter(is_hidden=False)
    return posts


def thread_read_count(thread: Thread) -> int:
    return ReadMark.objects.filter(activity__thread=thread, activity__kind=Activity.Kind.THREAD).count()


def thread_list(viewer: Viewer) -> QuerySet[Thread]:
    return viewer.threads().select_related("author").order_by("-last_activity_at")


def directory(viewer: Viewer, query: str = "", department: str = "", sector: str = "", tag: str = ""):
    members = (
        Member.objects.filter(space=viewer.space, state=Member.State.ACTIVE)
        .select_related("user", "establishment", "establishment__department")
        .order_by("user__last_name", "user__first_name")
    )
    query = (query or "").strip()
    if query:
        members = members.filter(
            Q(user__last_name__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(function__icontains=query)
            | Q(expertise__icontains=query)
            | Q(establishment__name__icontains=query)
        )
    if department:
        members = members.filter(establishment__department__code=department)
    if sector:
        members = members.filter(establishment__sector=sector)
    if tag:
        members = members.filter(expertise__icontains=tag.strip())
    return members


def upcoming_events(viewer: Viewer, now):
    return viewer.events().filter(ends_at__gte=now).order_by("starts_at")


def event_registration(event: Event, user) -> Registration | None:
    return event.registrations.filter(user=user).exclude(state=Registration.State.CANCELLED).first()


def waiting_position(registration: Registration) -> int | None:
    if registration is None or registration.state != Registration.State.WAITING:
        return None
    earlier = Registration.objects.filter(event_id=registration.event_id, state=Registration.State.WAITING).filter(
        Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, pk__lt=registration.pk)
    )
    return earlier.count() + 1


def poll_with_options(poll: Poll):
    return Poll.objects.filter(pk=poll.pk).prefetch_related(Prefetch("options")).get()


def requests_and_invitations(viewer: Viewer) -> QuerySet[Member]:
    return (
        Member.objects.filter(space=viewer.space, state__in=[Member.State.REQUESTED, Member.State.INVITED])
        .select_related("user", "establishment")
        .order_by("created_at")
    )
