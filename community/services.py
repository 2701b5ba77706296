"""Writes of the community, each in one transaction, refusing bad input with a French message per field.

Who may do what is checked here against a ``selectors.Viewer`` (the same object the pages read with), so a view
cannot skip a rule. E-mails are queued with ``transaction.on_commit``: nothing is sent for a write rolled back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crrc.uploads import validate_upload
from establishments.selectors import member_establishments

from .models import (
    Access,
    Activity,
    Ballot,
    Choice,
    Document,
    DocumentVersion,
    Event,
    Folder,
    Group,
    Like,
    Member,
    ModerationLog,
    NotificationLevel,
    Poll,
    PollOption,
    Post,
    ReadMark,
    Registration,
    Space,
    Thread,
)
from .selectors import Viewer

DEFAULT_FOLDERS = (
    "A classer",
    "Divers documents d'intérêt",
    "Guides bonnes pratiques",
    "Offre CERT Santé",
    "Outils et méthodes indispensables",
)
ACCEPTED_TYPES = ("pdf", "docx", "xlsx", "pptx", "odt", "ods", "csv", "png", "jpeg")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9.\-]*[a-z0-9])", re.IGNORECASE)


def _on_commit(task, *args) -> None:
    transaction.on_commit(lambda: task.delay(*args))


def _require_member(viewer: Viewer) -> None:
    if not viewer.can_read:
        raise ValidationError(_("Vous n'êtes pas membre de cet espace."))


def _require_staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise ValidationError(_("Seule l'équipe du CRRC de la région peut faire cela."))


def _log(space, action, actor, target: str, reason: str = "", **links) -> ModerationLog:
    return ModerationLog.objects.create(
        space=space, action=action, actor=actor, target=str(target)[:300], reason=reason, **links
    )


# --- spaces and membership ------------------------------------------------------------------------------


def create_space(region, name: str, kind: str = Space.Kind.REGIONAL, description: str = "") -> Space:
    """A space with the folder tree members know from the regional platform."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom à l'espace.")})
    with transaction.atomic():
        if Space.objects.filter(region=region, name=name).exists():
            raise ValidationError({"name": _("Un espace porte déjà ce nom dans la région.")})
        space = Space.objects.create(region=region, name=name, kind=kind, description=description)
        for order, folder_name in enumerate(DEFAULT_FOLDERS):
            Folder.objects.create(space=space, name=folder_name, access=Access.SPACE, order=order)
    return space


MODERATED = {
    "approve": ModerationLog.Action.APPROVE,
    "refuse": ModerationLog.Action.REFUSE,
    "invite": ModerationLog.Action.INVITE,
    "remove": ModerationLog.Action.REMOVE,
    "join_offer": ModerationLog.Action.JOIN_OFFER,
    "withdraw_offer": ModerationLog.Action.REMOVE,
}


def move_member(member: Member, name: str, user, reason: str = "", **fields) -> Member:
    """The one way a member's state changes: the kit applies the transition (lock, actor, log), the dates follow
    the new state, staff actions go to the moderation log; ``fields`` are set on the locked row."""
    from .workflow import MEMBER_WORKFLOW

    target = MEMBER_WORKFLOW[name].target

    def update(locked: Member) -> None:
        now = timezone.now()
        for field_name, value in fields.items():
            setattr(locked, field_name, value)
        if target == Member.State.ACTIVE:
            locked.joined_at, locked.removed_at, locked.digest_cursor = now, None, now
        elif target == Member.State.REMOVED:
            locked.removed_at = now
        elif target in (Member.State.REQUESTED, Member.State.INVITED):
            locked.created_at = now

    with transaction.atomic():
        locked = MEMBER_WORKFLOW.apply(member, name, user, reason=reason, update=update)
        if target == Member.State.REMOVED:
            locked.groups.clear()
        if name in MODERATED:
            actor = user if getattr(user, "is_authenticated", False) else None
            _log(locked.space, MODERATED[name], actor, locked.user, reason, member=locked)
    return locked


def _new_member(space: Space, user, name: str, actor, **fields) -> Member:
    from .workflow import MEMBER_WORKFLOW

    member = Member.objects.create(space=space, user=user, **fields)
    MEMBER_WORKFLOW.log_creation(member, actor, name=name)
    if name in MODERATED:
        _log(space, MODERATED[name], actor if getattr(actor, "is_authenticated", False) else None, user, member=member)
    return member


def _establishment_of(user, space: Space, establishment=None):
    candidates = member_establishments(user).filter(region=space.region_id)
    if establishment is not None:
        found = candidates.filter(pk=getattr(establishment, "pk", establishment)).first()
        if found is None:
            raise ValidationError({"establishment": _("Choisissez un de vos établissements de la région de l'espace.")})
        return found
    return candidates.order_by("name").first()


def request_join(space: Space, user, establishment=None, message: str = "") -> Member:
    """A member of an establishment of the space's region asks to join; CRRC staff decide."""
    if not space.accepts_requests or space.is_archived:
        raise ValidationError(_("Cet espace n'accepte pas de demandes d'adhésion."))
    with transaction.atomic():
        found = _establishment_of(user, space, establishment)
        if found is None:
            raise ValidationError(
                _("Seules les personnes rattachées à un établissement de la région peuvent demander à rejoindre.")
            )
        fields = {
            "establishment": found,
            "source": Member.Source.REQUEST,
            "request_message": (message or "").strip()[:2000],
        }
        member = Member.objects.filter(space=space, user=user).first()
        if member is None:
            member = _new_member(space, user, "request", user, state=Member.State.REQUESTED, **fields)
        else:
            member = move_member(member, "request", user, **fields)
    from . import tasks

    _on_commit(tasks.notify_staff_of_request, member.pk)
    return member


def decide_request(viewer: Viewer, member: Member, approve: bool, reason: str = "") -> Member:
    _require_staff(viewer)
    if member.space_id != viewer.space.pk:
        raise ValidationError(_("Cette demande ne concerne pas cet espace."))
    member = move_member(member, "approve" if approve else "refuse", viewer.user, reason)
    from . import tasks

    _on_commit(tasks.send_member_email, member.pk, "approved" if approve else "refused")
    return member


def invite(viewer: Viewer, email: str, establishment=None) -> Member:
    """Staff invite a person who has an account on the portal; they accept from their community page."""
    _require_staff(viewer)
    email = (email or "").strip().lower()
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None:
        raise ValidationError(
            {"email": _("Aucun compte du portail n'utilise cette adresse : la personne doit d'abord créer son compte.")}
        )
    fields = {
        "establishment": establishment or _establishment_of(user, viewer.space),
        "source": Member.Source.INVITATION,
        "invited_by": viewer.user,
    }
    with transaction.atomic():
        member = Member.objects.filter(space=viewer.space, user=user).first()
        if member is None:
            member = _new_member(viewer.space, user, "invite", viewer.user, state=Member.State.INVITED, **fields)
        else:
            try:
                member = move_member(member, "invite", viewer.user, **fields)
            except ValidationError as error:
                raise ValidationError({"email": error.messages}) from error
    from . import tasks

    _on_commit(tasks.send_member_email, member.pk, "invited")
    return member


def answer_invitation(member: Member, user, accept: bool) -> Member:
    return move_member(member, "accept" if accept else "decline", user)


def remove_member(viewer: Viewer, member: Member, reason: str = "") -> Member:
    """The member loses access at once: every page, file and digest checks the member's state."""
    _require_staff(viewer)
    if member.space_id != viewer.space.pk:
        raise ValidationError(_("Cette personne n'est pas membre de cet espace."))
    return move_member(member, "remove", viewer.user, reason)


def join_from_subscription(subscription) -> list[tuple[str, str]]:
    """The contacts of an establishment's positioning on the community offer become members of its region's
    community spaces (active subscription), or leave them (withdrawn). Returns (e-mail, outcome) per contact.

    Only contacts who have an account are joined: others are reported so the CRRC can invite them later.
    """
    establishment = subscription.establishment
    spaces = list(Space.objects.filter(region=establishment.region_id, kind=Space.Kind.REGIONAL, is_archived=False))
    outcomes: list[tuple[str, str]] = []
    User = get_user_model()
    with transaction.atomic():
        if subscription.state == "withdrawn":
            members = Member.objects.filter(
                space__in=spaces, establishment=establishment, source=Member.Source.OFFER, state=Member.State.ACTIVE
            ).select_related("user")
            for member in members:
                move_member(member, "withdraw_offer", None, _("Positionnement retiré"))
                outcomes.append((member.user.email, "removed"))
            return outcomes
        if subscription.state != "active":
            return outcomes
        for contact in subscription.contacts or []:
            email = str(contact.get("email", "")).strip().lower()
            user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
            if user is None:
                outcomes.append((email, "no_account"))
                continue
            function = str(contact.get("function", ""))[:150]
            for space in spaces:
                member = Member.objects.filter(space=space, user=user).first()
                if member is not None and member.state == Member.State.ACTIVE:
                    outcomes.append((email, "already_member"))
                    continue
                fields = {"establishment": establishment, "source": Member.Source.OFFER}
                if member is None:
                    now = timezone.now()
                    _new_member(space, user, "join_offer", None, state=Member.State.ACTIVE, function=function,
                                joined_at=now, digest_cursor=now, **fields)  # fmt: skip
                else:
                    move_member(member, "join_offer", None, function=member.function or function, **fields)
                outcomes.append((email, "joined"))
    return outcomes


def update_profile(member: Member, *, function: str, expertise: str, show_email: bool, show_phone: bool) -> Member:
    tags = [t.strip() for t in (expertise or "").split(",") if t.strip()]
    cleaned = ", ".join(dict.fromkeys(tags))
    if len(cleaned) > 300:
        raise ValidationError({"expertise": _("Trop de mots-clés : 300 caractères au plus.")})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        member.function = (function or "").strip()[:150]
        member.expertise = cleaned
        member.show_email = bool(show_email)
        member.show_phone = bool(show_phone)
        member.save(update_fields=["function", "expertise", "show_email", "show_phone"])
    return member


def set_level(member: Member, level: str) -> Member:
    """Change the member's level. Coming from "high" or "archived", the next digest starts now (the items before
    were e-mailed one by one, or the member asked for nothing); between weekly and monthly the window is kept."""
    if level not in NotificationLevel.values:
        raise ValidationError({"level": _("Choisissez un niveau de notification proposé.")})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.level in (NotificationLevel.HIGH, NotificationLevel.ARCHIVED) and level != member.level:
            member.digest_cursor = timezone.now()
        member.level = level
        member.save(update_fields=["level", "digest_cursor"])
    return member


# --- documents ------------------------------------------------------------------------------------------


def create_folder(viewer: Viewer, name: str, parent: Folder | None, access: str, group: Group | None = None) -> Folder:
    _require_staff(viewer)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Donnez un nom au dossier.")
    if access not in Access.values:
        errors["access"] = _("Choisissez des droits proposés.")
    elif access == Access.INHERIT and parent is None:
        errors["access"] = _("Un dossier à la racine doit avoir ses propres droits.")
    if access == Access.GROUP and group is None:
        errors["group"] = _("Choisissez le groupe qui aura accès à ce dossier.")
    if group is not None and group.space_id != viewer.space.pk:
        errors["group"] = _("Ce groupe n'appartient pas à cet espace.")
    if parent is not None and parent.space_id != viewer.space.pk:
        errors["parent"] = _("Ce dossier parent n'appartient pas à cet espace.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if Folder.objects.filter(space=viewer.space, parent=parent, name=name).exists():
            raise ValidationError({"name": _("Un dossier porte déjà ce nom à cet endroit.")})
        return Folder.objects.create(
            space=viewer.space, parent=parent, name=name, access=access, group=group if access == Access.GROUP else None
        )


def _checked_file(uploaded_file):
    checked = validate_upload(uploaded_file, ACCEPTED_TYPES, MAX_DOCUMENT_BYTES)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return checked, digest.hexdigest()


def _store_version(document: Document, uploaded_file, checked, sha256: str, user, note: str) -> DocumentVersion:
    version = DocumentVersion(
        document=document,
        number=document.version_count + 1,
        original_name=checked.display_name,
        file_type=checked.file_type,
        size=checked.size,
        sha256=sha256,
        note=(note or "").strip()[:300],
        uploaded_by=user,
    )
    version.file.save(checked.display_name, uploaded_file, save=False)
    name, storage = version.file.name, version.file.storage
    try:
        version.save()
    except Exception:
        storage.delete(name)
        raise
    Document.objects.filter(pk=document.pk).update(
        version_count=version.number, file_type=version.file_type, size=version.size, updated_at=version.uploaded_at
    )
    return version


def _may_write_folder(viewer: Viewer, folder: Folder) -> None:
    if folder.space_id != viewer.space.pk or not viewer.can_see_folder(folder.pk):
        raise ValidationError({"folder": _("Choisissez un dossier de cet espace auquel vous avez accès.")})


def upload_document(viewer: Viewer, folder: Folder, uploaded_file, title: str, description: str = "") -> Document:
    """A new document (version 1). A refused file raises ``ValidationError`` and nothing is written."""
    _require_member(viewer)
    errors = {}
    title = (title or "").strip()
    if not title and uploaded_file is not None:
        title = getattr(uploaded_file, "name", "")[:200]
    if uploaded_file is None:
        errors["file"] = _("Choisissez un fichier.")
    if not title:
        errors["title"] = _("Donnez un titre au document.")
    if folder is None:
        errors["folder"] = _("Choisissez un dossier.")
    if errors:
        raise ValidationError(errors)
    _may_write_folder(viewer, folder)
    try:
        checked, sha256 = _checked_file(uploaded_file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    with transaction.atomic():
        document = Document.objects.create(
            space=viewer.space,
            folder=folder,
            title=title[:200],
            description=(description or "").strip(),
            created_by=viewer.user,
        )
        version = _store_version(document, uploaded_file, checked, sha256, viewer.user, _("Première version"))
        document.refresh_from_db()
        record_activity(
            viewer.space, Activity.Kind.DOCUMENT, viewer.user, document.title, document=document, version=version,
            folder=folder,
        )  # fmt: skip
    return document


def add_version(viewer: Viewer, document: Document, uploaded_file, note: str = "") -> DocumentVersion:
    _require_member(viewer)
    if uploaded_file is None:
        raise ValidationError({"file": _("Choisissez un fichier.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Dites en une phrase ce qui a changé dans cette version.")})
    _may_write_folder(viewer, document.folder)
    try:
        checked, sha256 = _checked_file(uploaded_file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        version = _store_version(document, uploaded_file, checked, sha256, viewer.user, note)
        record_activity(
            viewer.space, Activity.Kind.VERSION, viewer.user, document.title, document=document, version=version,
            folder=document.folder,
        )  # fmt: skip
    return version


# --- activity and read marks ------------------------------------------------------------------------------


def record_activity(space: Space, kind: str, actor, title: str, **links) -> Activity:
    activity = Activity.objects.create(space=space, kind=kind, actor=actor, title=str(title)[:200], **links)
    from . import tasks

    _on_commit(tasks.notify_activity, activity.pk)
    return activity


def mark_read(user, activities: Iterable[Activity] | Iterable[int] | QuerySet) -> int:
    """Record that ``user`` read these items. Given a queryset (a page's items), only the unread ones are read
    back and inserted: reading a page again is one ``SELECT`` and no write (no commit on every view)."""
    if user is None or not user.is_authenticated:
        return 0
    if isinstance(activities, QuerySet):
        unread = ~Exists(ReadMark.objects.filter(user=user, activity_id=OuterRef("pk")))
        activities = activities.filter(unread).values_list("pk", flat=True)
    ids = [getattr(a, "pk", a) for a in activities]
    if not ids:
        return 0
    created = ReadMark.objects.bulk_create(
        [ReadMark(user=user, activity_id=pk) for pk in ids], ignore_conflicts=True, batch_size=500
    )
    return len(created)


# --- discussions ------------------------------------------------------------------------------------------


def mention_handle(user) -> str:
    """How a member is mentioned: @prenom.nom (accents and spaces removed)."""
    handle = ".".join(part for part in (slugify(user.first_name), slugify(user.last_name)) if part)
    return handle or slugify(user.email.split("@")[0])


def find_mentions(space: Space, body: str) -> list:
    """Active members of the space named in ``body`` with @prenom.nom."""
    wanted = {m.lower().rstrip(".") for m in MENTION.findall(body or "")}
    if not wanted:
        return []
    users = []
    for member in Member.objects.filter(space=space, state=Member.State.ACTIVE).select_related("user"):
        if mention_handle(member.user) in wanted:
            users.append(member.user)
    return users


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez un message.")})
    if len(body) > 20_000:
        raise ValidationError({"body": _("Le message est trop long (20 000 caractères au plus).")})
    return body


def _post(thread: Thread, author, body: str, is_opening: bool) -> Post:
    post = Post.objects.create(thread=thread, author=author, body=body, is_opening=is_opening)
    mentioned = [u for u in find_mentions(thread.space, body) if u.pk != getattr(author, "pk", None)]
    if mentioned:
        post.mentions.set(mentioned)
        from . import tasks

        _on_commit(tasks.notify_mentions, post.pk)
    return post


def start_thread(viewer: Viewer, title: str, body: str, document: Document | None = None) -> Thread:
    _require_member(viewer)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Donnez un sujet à la discussion.")
    try:
        body = _clean_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    if document is not None and (document.space_id != viewer.space.pk or not viewer.can_see_folder(document.folder_id)):
        errors["document"] = _("Choisissez un document de cet espace auquel vous avez accès.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        thread = Thread.objects.create(space=viewer.space, title=title[:200], author=viewer.user, document=document)
        post = _post(thread, viewer.user, body, is_opening=True)
        activity = record_activity(
            viewer.space, Activity.Kind.THREAD, viewer.user, thread.title, thread=thread, post=post
        )
        mark_read(viewer.user, [activity])
    return thread


def reply(viewer: Viewer, thread: Thread, body: str) -> Post:
    _require_member(viewer)
    body = _clean_body(body)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.is_locked:
            raise ValidationError(_("Cette discussion est verrouillée : on ne peut plus y répondre."))
        if thread.is_hidden:
            raise ValidationError(_("Cette discussion a été masquée par l'équipe du CRRC."))
        post = _post(thread, viewer.user, body, is_opening=False)
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_activity_at=post.created_at)
        activity = record_activity(
            viewer.space, Activity.Kind.REPLY, viewer.user, thread.title, thread=thread, post=post
        )
        mark_read(viewer.user, [activity])
    return post


def toggle_like(viewer: Viewer, post: Post) -> bool:
    """Like or unlike; returns whether the viewer now likes the post."""
    _require_member(viewer)
    if post.author_id == viewer.user.pk:
        raise ValidationError(_("Vous ne pouvez pas aimer votre propre message."))
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).first()
        deleted, _rows = Like.objects.filter(post=post, user=viewer.user).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") - 1)
            return False
        Like.objects.create(post=post, user=viewer.user)
        Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
        return True


def set_post_hidden(viewer: Viewer, post: Post, hidden: bool, reason: str = "") -> Post:
    _require_staff(viewer)
    if hidden and not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez le motif : il reste dans le journal de modération.")})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        post.is_hidden = hidden
        post.save(update_fields=["is_hidden"])
        Activity.objects.filter(post=post).update(is_hidden=hidden)
        if post.is_opening:
            Thread.objects.filter(pk=post.thread_id).update(is_hidden=hidden)
            Activity.objects.filter(thread_id=post.thread_id).update(is_hidden=hidden)
        action = ModerationLog.Action.HIDE_POST if hidden else ModerationLog.Action.SHOW_POST
        _log(viewer.space, action, viewer.user, post.thread.title, reason, post=post, thread=post.thread)
    return post


def set_thread_locked(viewer: Viewer, thread: Thread, locked: bool, reason: str = "") -> Thread:
    _require_staff(viewer)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        thread.is_locked = locked
        thread.save(update_fields=["is_locked"])
        action = ModerationLog.Action.LOCK if locked else ModerationLog.Action.UNLOCK
        _log(viewer.space, action, viewer.user, thread.title, reason, thread=thread)
    return thread


# --- events -----------------------------------------------------------------------------------------------


def _event_errors(viewer: Viewer, data: dict) -> dict:
    errors = {}
    if not (data.get("title") or "").strip():
        errors["title"] = _("Donnez un titre à l'événement.")
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is None:
        errors["starts_at"] = _("Indiquez la date et l'heure de début.")
    if ends is None:
        errors["ends_at"] = _("Indiquez la date et l'heure de fin.")
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("La fin doit être après le début.")
    capacity = data.get("capacity")
    if capacity is None or int(capacity) <= 0:
        errors["capacity"] = _("Le nombre de places doit être d'au moins 1.")
    mode = data.get("mode", Event.Mode.REMOTE)
    if mode == Event.Mode.REMOTE and not (data.get("link") or "").strip():
        errors["link"] = _("Donnez le lien de connexion d'un événement à distance.")
    if mode == Event.Mode.ON_SITE and not (data.get("location") or "").strip():
        errors["location"] = _("Donnez le lieu d'un événement sur place.")
    group = data.get("group")
    if group is not None and group.space_id != viewer.space.pk:
        errors["group"] = _("Ce groupe n'appartient pas à cet espace.")
    return errors


EVENT_FIELDS = ("title", "kind", "mode", "description", "location", "link", "starts_at", "ends_at", "capacity", "group")


def create_event(viewer: Viewer, **data) -> Event:
    _require_staff(viewer)
    errors = _event_errors(viewer, data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = Event.objects.create(
            space=viewer.space, created_by=viewer.user, **{k: data[k] for k in EVENT_FIELDS if k in data}
        )
        record_activity(viewer.space, Activity.Kind.EVENT, viewer.user, event.title, event=event, group=event.group)
    return event


def _confirmed(event: Event) -> int:
    return Registration.objects.filter(event=event, state=Registration.State.CONFIRMED).count()


def register(viewer: Viewer, event: Event) -> Registration:
    """A place if one is left, else the waiting list. The event row is locked: two people asking for the last
    place at the same moment are served one after the other."""
    _require_member(viewer)
    if not viewer.can_see_group_item(event.group_id):
        raise ValidationError(_("Cet événement est réservé à un groupe dont vous n'êtes pas membre."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.starts_at <= timezone.now():
            raise ValidationError(_("Cet événement a commencé : les inscriptions sont closes."))
        if (
            Registration.objects.filter(event=event, user=viewer.user)
            .exclude(state=Registration.State.CANCELLED)
            .exists()
        ):
            raise ValidationError(_("Vous êtes déjà inscrit à cet événement (ou sur sa liste d'attente)."))
        state = Registration.State.CONFIRMED if _confirmed(event) < event.capacity else Registration.State.WAITING
        registration = Registration.objects.create(event=event, user=viewer.user, state=state)
    from . import tasks

    _on_commit(tasks.send_registration_email, registration.pk, state)
    return registration


def cancel_registration(viewer: Viewer, event: Event) -> Registration | None:
    """Cancel; a freed place goes to the first on the waiting list (first come, first served), who is told."""
    from . import tasks

    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        registration = (
            Registration.objects.select_for_update()
            .filter(event=event, user=viewer.user)
            .exclude(state=Registration.State.CANCELLED)
            .first()
        )
        if registration is None:
            raise ValidationError(_("Vous n'êtes pas inscrit à cet événement."))
        was_confirmed = registration.state == Registration.State.CONFIRMED
        registration.state = Registration.State.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["state", "cancelled_at"])
        promoted = None
        if was_confirmed and _confirmed(event) < event.capacity:
            promoted = (
                Registration.objects.select_for_update()
                .filter(event=event, state=Registration.State.WAITING)
                .order_by("created_at", "pk")
                .first()
            )
            if promoted is not None:
                promoted.state = Registration.State.CONFIRMED
                promoted.promoted_at = timezone.now()
                promoted.save(update_fields=["state", "promoted_at"])
                _on_commit(tasks.send_registration_email, promoted.pk, "promoted")
    return promoted


# --- polls ------------------------------------------------------------------------------------------------


def create_poll(
    viewer: Viewer, *, question: str, options: list[str], multiple: bool, anonymous: bool, closes_at, results: str,
    group: Group | None = None,
) -> Poll:  # fmt: skip
    _require_member(viewer)
    errors = {}
    question = (question or "").strip()
    if not question:
        errors["question"] = _("Posez une question.")
    # Two answers differing only by case or spaces are the same answer.
    cleaned, seen = [], set()
    for option in options:
        text = (option or "").strip()
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            cleaned.append(text)
    if len(cleaned) < 2:
        errors["options"] = _("Proposez au moins deux réponses différentes.")
    if closes_at is None or closes_at <= timezone.now():
        errors["closes_at"] = _("La date de clôture doit être dans le futur.")
    if results not in Poll.Results.values:
        errors["results"] = _("Choisissez quand les résultats sont visibles.")
    if group is not None and group.space_id != viewer.space.pk:
        errors["group"] = _("Ce groupe n'appartient pas à cet espace.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        poll = Poll.objects.create(
            space=viewer.space, question=question[:300], multiple=multiple, anonymous=anonymous, closes_at=closes_at,
            results=results, group=group, author=viewer.user,
        )  # fmt: skip
        PollOption.objects.bulk_create([PollOption(poll=poll, label=o[:200], order=i) for i, o in enumerate(cleaned)])
        record_activity(viewer.space, Activity.Kind.POLL, viewer.user, poll.question, poll=poll, group=group)
    return poll


def vote(viewer: Viewer, poll: Poll, option_ids: list[int]) -> Ballot:
    _require_member(viewer)
    if not viewer.can_see_group_item(poll.group_id):
        raise ValidationError(_("Ce sondage est réservé à un groupe dont vous n'êtes pas membre."))
    if not poll.is_open():
        raise ValidationError(_("Ce sondage est clos."))
    ids = list(dict.fromkeys(int(i) for i in option_ids))
    if not ids:
        raise ValidationError({"options": _("Choisissez une réponse.")})
    if len(ids) > 1 and not poll.multiple:
        raise ValidationError({"options": _("Ce sondage n'accepte qu'une seule réponse.")})
    valid = set(poll.options.filter(pk__in=ids).values_list("pk", flat=True))
    if valid != set(ids):
        raise ValidationError({"options": _("Choisissez parmi les réponses proposées.")})
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(poll=poll, user=viewer.user)
            Choice.objects.bulk_create(
                [Choice(poll=poll, option_id=i, ballot=None if poll.anonymous else ballot) for i in ids]
            )
    except IntegrityError as error:
        raise ValidationError(_("Vous avez déjà répondu à ce sondage.")) from error
    return ballot
