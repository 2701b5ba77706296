"""Pages of the community. Thin: every read goes through ``selectors`` (a ``Viewer`` per space), every write
through ``services``; another region's space, a folder one may not see, a removed member's request: 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crrc.ids import parse_id
from crrc.uploads import FILE_TYPES
from establishments.models import Department

from . import selectors, services
from .digests import read_level_token
from .forms import (
    DirectoryFilterForm,
    EventForm,
    FolderForm,
    InviteForm,
    JoinForm,
    LevelForm,
    PollForm,
    ProfileForm,
    ReasonForm,
    ReplyForm,
    ThreadForm,
    UploadForm,
    VersionForm,
    VoteForm,
    add_service_errors,
)
from .models import Access, Activity, Choice, Folder, Like, Member, ModerationLog, NotificationLevel, Poll, Registration

PAGE_SIZE = 25
POSTS_PER_PAGE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _render(request, template: str, viewer: selectors.Viewer, section: str, **context) -> HttpResponse:
    return render(
        request,
        template,
        {"space": viewer.space, "viewer": viewer, "member": viewer.member, "section": section, **context},
    )


# --- spaces ------------------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "community/index.html",
        {
            "spaces": selectors.visible_spaces(user).select_related("region").annotate(member_count=Count("members")),
            "pending": selectors.pending_for(user),
            "joinable": selectors.joinable_spaces(user),
        },
    )


@require_GET
def space(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    now = timezone.now()
    return _render(
        request, "community/space.html", viewer, "feed",
        feed=selectors.feed(viewer),
        events=selectors.upcoming_events(viewer, now)[:3],
        threads=selectors.thread_list(viewer)[:5],
    )  # fmt: skip


def join(request: HttpRequest, space_pk: int) -> HttpResponse:
    space_obj = get_object_or_404(selectors.joinable_spaces(request.user), pk=space_pk)
    form = JoinForm(request.POST or None, establishments=selectors.establishments_for_joining(request.user, space_obj))
    if request.method == "POST" and form.is_valid():
        try:
            services.request_join(
                space_obj, request.user, form.cleaned_data["establishment"], form.cleaned_data["message"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Votre demande est envoyée à l'équipe du CRRC, qui vous répondra par e-mail."))
            return redirect("community:index")
    return render(request, "community/join.html", {"space": space_obj, "form": form})


@require_POST
def answer_invitation(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_object_or_404(selectors.pending_for(request.user).filter(state=Member.State.INVITED), pk=member_pk)
    accept = request.POST.get("answer") == "accept"
    try:
        services.answer_invitation(member, request.user, accept)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("community:index")
    if accept:
        messages.success(request, _("Bienvenue dans l'espace « %(space)s ».") % {"space": member.space.name})
        return redirect(member.space)
    messages.info(request, _("Invitation déclinée."))
    return redirect("community:index")


# --- documents ---------------------------------------------------------------------------------------------


def _folder_tree(viewer: selectors.Viewer, parent: Folder | None):
    folders = (
        viewer.folders().filter(parent=parent).annotate(document_count=Count("documents")).order_by("order", "name")
    )
    rights = viewer.effective_rights
    for folder in folders:
        folder.effective_access = Access(rights[folder.pk][0]).label
    return folders


@require_GET
def documents(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    query = request.GET.get("q", "").strip()
    results = _page(request, selectors.search_documents(viewer, query)) if query else None
    return _render(
        request, "community/documents.html", viewer, "documents",
        folders=_folder_tree(viewer, None), query=query, results=results,
        recent=selectors.search_documents(viewer, "").select_related("folder")[:10],
    )  # fmt: skip


@require_GET
def folder(request: HttpRequest, space_pk: int, folder_pk: int) -> HttpResponse:
    folder_obj, viewer = selectors.folder_or_404(request.user, space_pk, folder_pk)
    ancestors = []
    current = folder_obj.parent
    while current is not None:
        ancestors.insert(0, current)
        current = current.parent
    docs = viewer.documents().filter(folder=folder_obj).select_related("created_by").order_by("-updated_at")
    return _render(
        request, "community/folder.html", viewer, "documents",
        folder=folder_obj, ancestors=ancestors, folders=_folder_tree(viewer, folder_obj),
        documents=_page(request, docs),
        rights=Access(viewer.effective_rights[folder_obj.pk][0]).label,
    )  # fmt: skip


def upload(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    folders = viewer.folders().order_by("parent_id", "order", "name")
    initial = {"folder": request.GET.get("dossier")} if request.GET.get("dossier", "").isdigit() else {}
    form = UploadForm(request.POST or None, request.FILES or None, folders=folders, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.upload_document(
                viewer, data["folder"], data["file"], data["title"], data["description"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Document déposé."))
            return redirect(document)
    return _render(request, "community/upload.html", viewer, "documents", form=form)


def folder_create(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.staff_viewer_or_404(request.user, space_pk)
    parent = None
    parent_pk = request.POST.get("parent") or request.GET.get("parent")
    if parent_pk:
        parent = get_object_or_404(Folder.objects.filter(space=viewer.space), pk=parse_id(parent_pk) or 0)
    form = FolderForm(request.POST or None, groups=viewer.space.groups.all())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_folder(viewer, data["name"], parent, data["access"], data["group"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Dossier créé."))
            return redirect(created)
    return _render(request, "community/folder_form.html", viewer, "documents", form=form, parent=parent)


def document(request: HttpRequest, document_pk: int) -> HttpResponse:
    document_obj, viewer = selectors.document_or_404(request.user, document_pk)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_version(viewer, document_obj, form.cleaned_data["file"], form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Nouvelle version déposée."))
            return redirect(document_obj)
    services.mark_read(request.user, Activity.objects.filter(document=document_obj).values_list("pk", flat=True))
    return _render(
        request, "community/document.html", viewer, "documents",
        document=document_obj, versions=document_obj.versions.select_related("uploaded_by"), form=form,
        threads=viewer.threads().filter(document=document_obj),
        type_label=FILE_TYPES[document_obj.file_type].label if document_obj.file_type in FILE_TYPES else "",
    )  # fmt: skip


@require_GET
def download(request: HttpRequest, document_pk: int, version_pk: int) -> FileResponse:
    version, _viewer = selectors.version_or_404(request.user, document_pk, version_pk)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=version.original_name,
        content_type=FILE_TYPES[version.file_type].mime if version.file_type in FILE_TYPES else None,
    )  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response


# --- discussions -------------------------------------------------------------------------------------------


@require_GET
def threads(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    return _render(
        request, "community/threads.html", viewer, "threads", threads=_page(request, selectors.thread_list(viewer))
    )


def thread_create(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    documents_qs = viewer.documents().order_by("title")
    initial = {"document": request.GET.get("document")} if request.GET.get("document", "").isdigit() else {}
    form = ThreadForm(request.POST or None, documents=documents_qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.start_thread(viewer, data["title"], data["body"], data["document"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Discussion publiée."))
            return redirect(created)
    return _render(request, "community/thread_form.html", viewer, "threads", form=form)


def thread(request: HttpRequest, thread_pk: int) -> HttpResponse:
    thread_obj, viewer = selectors.thread_or_404(request.user, thread_pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.reply(viewer, thread_obj, form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Réponse publiée."))
            last = Paginator(selectors.thread_posts(viewer, thread_obj), POSTS_PER_PAGE).num_pages
            return redirect(f"{thread_obj.get_absolute_url()}?page={last}#message-{post.pk}")
    services.mark_read(request.user, Activity.objects.filter(thread=thread_obj).values_list("pk", flat=True))
    posts = Paginator(selectors.thread_posts(viewer, thread_obj), POSTS_PER_PAGE).get_page(request.GET.get("page"))
    liked = set(Like.objects.filter(user=request.user, post__in=list(posts)).values_list("post_id", flat=True))
    for post in posts:
        post.liked = post.pk in liked
    return _render(
        request, "community/thread.html", viewer, "threads",
        thread=thread_obj, posts=posts, form=form, linked_document=selectors.thread_document(viewer, thread_obj),
        read_count=selectors.thread_read_count(thread_obj), reason_form=ReasonForm(),
        handle=services.mention_handle(request.user),
    )  # fmt: skip


@require_POST
def like(request: HttpRequest, post_pk: int) -> HttpResponse:
    post, viewer = selectors.post_or_404(request.user, post_pk)
    try:
        post.liked = services.toggle_like(viewer, post)
    except ValidationError as error:
        if request.htmx:
            return HttpResponse(" ".join(error.messages), status=400)
        messages.error(request, " ".join(error.messages))
        return redirect(post.thread)
    post.refresh_from_db(fields=["like_count"])
    if request.htmx:
        return render(request, "community/thread.html#like", {"post": post})
    return redirect(f"{post.thread.get_absolute_url()}#message-{post.pk}")


@require_POST
def thread_lock(request: HttpRequest, thread_pk: int) -> HttpResponse:
    thread_obj, viewer = selectors.thread_or_404(request.user, thread_pk)
    if not viewer.is_staff:
        raise Http404
    locked = not thread_obj.is_locked
    services.set_thread_locked(viewer, thread_obj, locked, request.POST.get("reason", ""))
    messages.success(request, _("Discussion verrouillée.") if locked else _("Discussion déverrouillée."))
    return redirect(thread_obj)


@require_POST
def post_moderate(request: HttpRequest, post_pk: int) -> HttpResponse:
    post, viewer = selectors.post_or_404(request.user, post_pk)
    if not viewer.is_staff:
        raise Http404
    hide = not post.is_hidden
    try:
        services.set_post_hidden(viewer, post, hide, request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Message masqué.") if hide else _("Message rétabli."))
    return redirect(post.thread)


# --- events ------------------------------------------------------------------------------------------------


@require_GET
def events(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    now = timezone.now()
    upcoming = selectors.upcoming_events(viewer, now).annotate(
        confirmed=Count("registrations", filter=~_cancelled() & _confirmed_q())
    )
    past = viewer.events().filter(ends_at__lt=now).order_by("-starts_at")[:10]
    return _render(request, "community/events.html", viewer, "events", upcoming=upcoming, past=past)


def _cancelled():
    from django.db.models import Q

    return Q(registrations__state=Registration.State.CANCELLED)


def _confirmed_q():
    from django.db.models import Q

    return Q(registrations__state=Registration.State.CONFIRMED)


def event_create(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.staff_viewer_or_404(request.user, space_pk)
    form = EventForm(request.POST or None, groups=viewer.space.groups.all())
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_event(viewer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Événement publié."))
            return redirect(created)
    return _render(request, "community/event_form.html", viewer, "events", form=form)


@require_GET
def event(request: HttpRequest, event_pk: int) -> HttpResponse:
    event_obj, viewer = selectors.event_or_404(request.user, event_pk)
    services.mark_read(request.user, Activity.objects.filter(event=event_obj).values_list("pk", flat=True))
    registration = selectors.event_registration(event_obj, request.user)
    confirmed = event_obj.registrations.filter(state=Registration.State.CONFIRMED).count()
    waiting = event_obj.registrations.filter(state=Registration.State.WAITING).count()
    attendees = None
    if viewer.is_staff:
        attendees = event_obj.registrations.exclude(state=Registration.State.CANCELLED).select_related("user")
    return _render(
        request, "community/event.html", viewer, "events",
        event=event_obj, registration=registration, position=selectors.waiting_position(registration),
        confirmed=confirmed, waiting=waiting, remaining=max(0, event_obj.capacity - confirmed), attendees=attendees,
        has_started=event_obj.starts_at <= timezone.now(),
    )  # fmt: skip


@require_POST
def event_register(request: HttpRequest, event_pk: int) -> HttpResponse:
    event_obj, viewer = selectors.event_or_404(request.user, event_pk)
    try:
        registration = services.register(viewer, event_obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if registration.state == Registration.State.CONFIRMED:
            messages.success(request, _("Vous êtes inscrit : une confirmation vous est envoyée par e-mail."))
        else:
            messages.info(
                request,
                _(
                    "L'événement est complet : vous êtes sur la liste d'attente ; "
                    "nous vous écrirons si une place se libère."
                ),
            )
    return redirect(event_obj)


@require_POST
def event_cancel(request: HttpRequest, event_pk: int) -> HttpResponse:
    event_obj, viewer = selectors.event_or_404(request.user, event_pk)
    try:
        services.cancel_registration(viewer, event_obj)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Votre inscription est annulée."))
    return redirect(event_obj)


# --- polls -------------------------------------------------------------------------------------------------


@require_GET
def polls(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    polls_qs = viewer.polls().select_related("author").annotate(ballot_count=Count("ballots")).order_by("-created_at")
    return _render(request, "community/polls.html", viewer, "polls", polls=_page(request, polls_qs), now=timezone.now())


def poll_create(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.create_poll(
                viewer, question=data["question"], options=form.option_list(), multiple=data["multiple"],
                anonymous=data["anonymous"], closes_at=data["closes_at"], results=data["results"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Sondage publié."))
            return redirect(created)
    return _render(request, "community/poll_form.html", viewer, "polls", form=form)


def poll(request: HttpRequest, poll_pk: int) -> HttpResponse:
    poll_obj, viewer = selectors.poll_or_404(request.user, poll_pk)
    form = VoteForm(request.POST or None, poll=poll_obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.vote(viewer, poll_obj, form.selected())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Votre réponse est enregistrée."))
            return redirect(poll_obj)
    services.mark_read(request.user, Activity.objects.filter(poll=poll_obj).values_list("pk", flat=True))
    voted = poll_obj.ballots.filter(user=request.user).exists()
    is_open = poll_obj.is_open()
    show_results = (not is_open) or (poll_obj.results == Poll.Results.AFTER_VOTE and voted) or viewer.is_staff
    results = []
    if show_results:
        counts = dict(
            Choice.objects.filter(poll=poll_obj)
            .values_list("option_id")
            .annotate(n=Count("pk"))
            .values_list("option_id", "n")
        )
        total = poll_obj.ballots.count()
        for option in poll_obj.options.all():
            n = counts.get(option.pk, 0)
            voters = []
            if not poll_obj.anonymous:
                voters = [c.ballot.user for c in option.choices.select_related("ballot__user") if c.ballot_id]
            results.append(
                {"option": option, "count": n, "percent": round(100 * n / total) if total else 0, "voters": voters}
            )
    return _render(
        request, "community/poll.html", viewer, "polls",
        poll=poll_obj, form=form, voted=voted, is_open=is_open, show_results=show_results, results=results,
        ballot_count=poll_obj.ballots.count(),
    )  # fmt: skip


# --- directory, profile, notification level ---------------------------------------------------------------


@require_GET
def directory(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    departments = Department.objects.filter(region=viewer.space.region_id).order_by("code")
    form = DirectoryFilterForm(request.GET or None, departments=departments)
    filters = form.cleaned_data if form.is_valid() else {}
    members = selectors.directory(
        viewer, filters.get("q", ""), filters.get("department", ""), filters.get("sector", ""), filters.get("tag", "")
    )
    page = _page(request, members)
    for entry in page:
        entry.handle = services.mention_handle(entry.user)
    return _render(request, "community/directory.html", viewer, "directory", form=form, members=page)


def profile(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.space_viewer_or_404(request.user, space_pk)
    member = viewer.member
    if member is None or not member.is_active:
        # CRRC staff moderate without being members: no directory entry nor level of their own.
        return _render(request, "community/profile.html", viewer, "profile", profile_form=None, level_form=None)
    profile_form = ProfileForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={f: getattr(member, f) for f in ("function", "expertise", "show_email", "show_phone")},
    )
    level_form = LevelForm(
        request.POST if request.POST.get("form") == "level" else None, initial={"level": member.level}
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "profile" and profile_form.is_valid():
                services.update_profile(member, **profile_form.cleaned_data)
                messages.success(request, _("Votre fiche d'annuaire est enregistrée."))
                return redirect("community:profile", space_pk=viewer.space.pk)
            if request.POST.get("form") == "level" and level_form.is_valid():
                services.set_level(member, level_form.cleaned_data["level"])
                messages.success(request, _("Votre niveau de notification est enregistré."))
                return redirect("community:profile", space_pk=viewer.space.pk)
        except ValidationError as error:
            add_service_errors(profile_form if request.POST.get("form") == "profile" else level_form, error)
    return _render(
        request, "community/profile.html", viewer, "profile",
        profile_form=profile_form, level_form=level_form, handle=services.mention_handle(request.user),
    )  # fmt: skip


@login_not_required
def level_link(request: HttpRequest, signed: str) -> HttpResponse:
    """The one-click link of a digest: the signature carries the member and the level, nothing else is needed."""
    try:
        member_pk, level = read_level_token(signed)
        member = Member.objects.select_related("space").get(pk=member_pk, state=Member.State.ACTIVE)
    except (signing.BadSignature, Member.DoesNotExist):
        return render(request, "community/level_refused.html", status=403)
    services.set_level(member, level)
    return render(
        request, "community/level_changed.html",
        {"space": member.space, "level_label": NotificationLevel(level).label},
    )  # fmt: skip


# --- staff: members and moderation -------------------------------------------------------------------------


def members(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.staff_viewer_or_404(request.user, space_pk)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(viewer, form.cleaned_data["email"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invitation envoyée."))
            return redirect("community:members", space_pk=viewer.space.pk)
    active = (
        Member.objects.filter(space=viewer.space, state=Member.State.ACTIVE)
        .select_related("user", "establishment")
        .order_by("user__last_name", "user__first_name")
    )
    return _render(
        request, "community/members.html", viewer, "members",
        form=form, pending=selectors.requests_and_invitations(viewer), active=_page(request, active),
        reason_form=ReasonForm(),
    )  # fmt: skip


@require_POST
def member_decide(request: HttpRequest, member_pk: int) -> HttpResponse:
    member, viewer = selectors.member_for_staff_or_404(request.user, member_pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_request(viewer, member, approve, request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Demande approuvée.") if approve else _("Demande refusée."))
    return redirect("community:members", space_pk=viewer.space.pk)


@require_POST
def member_remove(request: HttpRequest, member_pk: int) -> HttpResponse:
    member, viewer = selectors.member_for_staff_or_404(request.user, member_pk)
    try:
        services.remove_member(viewer, member, request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s n'a plus accès à l'espace.") % {"name": member.user})
    return redirect("community:members", space_pk=viewer.space.pk)


@require_GET
def moderation(request: HttpRequest, space_pk: int) -> HttpResponse:
    viewer = selectors.staff_viewer_or_404(request.user, space_pk)
    log = ModerationLog.objects.filter(space=viewer.space).select_related("actor")
    return _render(request, "community/moderation.html", viewer, "moderation", log=_page(request, log))


def reverse_space(space_pk: int) -> str:
    return reverse("community:space", kwargs={"space_pk": space_pk})
