"""Action plan pages. Thin: tenancy through ``establishments_for`` / ``get_for_user_or_404`` (another tenant → 404),
edits only with ``Capability.MANAGE_ACTION_PLAN`` (readers of the same establishment get a 403 that says why),
every write through ``services`` whose French message is shown as is.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crrc.tenancy import get_for_user_or_404
from establishments.models import Establishment
from establishments.roles import Capability
from establishments.selectors import can, establishments_for, member_establishments, staff_regions

from . import selectors, services, xlsx
from .forms import AbandonForm, ActionItemForm, CommentForm, ImportForm, ItemFilterForm
from .models import ActionItem
from .workflow import ACTION_ITEM_WORKFLOW


def _establishment(request: HttpRequest, establishment_pk: int) -> Establishment:
    return get_object_or_404(
        establishments_for(request.user).select_related("region", "organisation"), pk=establishment_pk
    )


def _item(request: HttpRequest, pk: int) -> ActionItem:
    return get_for_user_or_404(
        ActionItem.objects.select_related("plan__establishment__region", "owner", "created_by"), request.user, pk=pk
    )


def _can_edit(request: HttpRequest, establishment: Establishment) -> bool:
    return can(request.user, establishment, Capability.MANAGE_ACTION_PLAN)


def _require_edit(request: HttpRequest, establishment: Establishment) -> None:
    if not _can_edit(request, establishment):
        raise PermissionDenied(_("Vous pouvez consulter ce plan d'action mais pas le modifier."))


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def index(request: HttpRequest) -> HttpResponse:
    """The "Plan d'action" menu: straight to the plan for a single-establishment member, else a list."""
    members_of = list(member_establishments(request.user).order_by("name")[:2])
    is_staff = staff_regions(request.user).exists()
    if len(members_of) == 1 and not is_staff:
        return redirect("action_plans:plan", establishment_pk=members_of[0].pk)
    plans = {plan.establishment_id: plan for plan in selectors.visible_plans(request.user)}
    own = list(member_establishments(request.user).order_by("name"))
    return render(
        request,
        "action_plans/index.html",
        {
            "own": [(establishment, plans.get(establishment.pk)) for establishment in own],
            "region_plans": [plan for pk, plan in plans.items() if pk not in {e.pk for e in own}],
            "is_staff": is_staff,
        },
    )


PLAN_PAGE_SIZE = 100  # rows per page of the plan (a large tracker still reads on one page; longer ones are paged)


def plan(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    owners = list(selectors.owner_choices(establishment))
    filters = ItemFilterForm(request.GET or None, owners=owners)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    items = selectors.filter_items(selectors.plan_items(request.user, establishment), cleaned)
    # A plan can grow with every assessment and exercise: one page of rows at a time, the filters kept in the links.
    page = Paginator(items, PLAN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "establishment": establishment,
        "items": page.object_list,
        "page": page,
        "query": query.urlencode(),
        "filters": filters,
        "is_filtered": any(cleaned.get(k) for k in ("status", "priority", "owner", "overdue")),
        "summary": selectors.plan_summary(request.user, establishment),
        "can_edit": _can_edit(request, establishment),
    }
    if request.htmx and request.htmx.target == "plan-items":
        return render(request, "action_plans/plan.html#items", context)
    return render(request, "action_plans/plan.html", context)


def create(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_edit(request, establishment)
    form = ActionItemForm(request.POST or None, owners=selectors.owner_choices(establishment))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            item = services.create_item(establishment, request.user, **data)
        except services.ActionPlanError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("L'action « %(title)s » a été ajoutée au plan.") % {"title": item.title})
            return redirect("action_plans:detail", pk=item.pk)
    return render(request, "action_plans/item_form.html", {"establishment": establishment, "form": form})


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    establishment = item.plan.establishment
    _require_edit(request, establishment)
    initial = {f: getattr(item, f) for f in services.EDITABLE_FIELDS} | {"version": item.version}
    form = ActionItemForm(request.POST or None, initial=initial, owners=selectors.owner_choices(establishment))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        if item.is_closed:
            data.pop("progress")
        try:
            services.update_item(item, request.user, expected_version=form.cleaned_data["version"], **data)
        except services.ActionPlanError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Les modifications ont été enregistrées."))
            return redirect("action_plans:detail", pk=item.pk)
    return render(request, "action_plans/item_form.html", {"establishment": establishment, "form": form, "item": item})


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _history(item: ActionItem) -> list[dict]:
    """Each saved version with what changed, newest first, computed without one query per version."""
    records = list(item.history.select_related("history_user").order_by("history_date", "history_id"))
    owners = {u.pk: u for u in selectors.owner_choices(item.plan.establishment)}
    labels = {f.name: f.verbose_name for f in ActionItem._meta.fields}
    choices = {f.name: dict(f.flatchoices) for f in ActionItem._meta.fields if f.choices}
    hidden = {"version", "completed_at"}
    entries = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                if change.field in hidden:
                    continue
                old, new = change.old, change.new
                if change.field == "owner":
                    old, new = owners.get(old, old), owners.get(new, new)
                elif change.field in choices:
                    old, new = choices[change.field].get(old, old), choices[change.field].get(new, new)
                changes.append(
                    {"field": labels.get(change.field, change.field), "old": _shown(old), "new": _shown(new)}
                )
        entries.append({"record": record, "changes": changes, "created": previous is None})
    return list(reversed(entries))


def _detail_context(request: HttpRequest, item: ActionItem, **extra) -> dict:
    return {
        "item": item,
        "establishment": item.plan.establishment,
        "can_edit": _can_edit(request, item.plan.establishment),
        "transitions": ACTION_ITEM_WORKFLOW.allowed(item, request.user),
        "abandon_form": AbandonForm(initial={"version": item.version}),
        "comment_form": CommentForm(),
        "comments": list(item.comments.select_related("author")),
        "transition_log": list(item.transitions.select_related("by")),
        "history": _history(item),
        "status_error": "",
        **extra,
    }


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return render(request, "action_plans/item_detail.html", _detail_context(request, item))


@require_POST
def change_status(request: HttpRequest, pk: int, transition_name: str) -> HttpResponse:
    item = _item(request, pk)
    if transition_name not in ACTION_ITEM_WORKFLOW.transitions:
        raise Http404
    _require_edit(request, item.plan.establishment)
    error = ""
    try:
        item = services.transition(
            item,
            request.user,
            transition_name,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except services.ActionPlanError as exc:
        error = exc.messages[0]
        item = _item(request, pk)
    if request.htmx:
        if request.POST.get("from") == "row":
            row = selectors.plan_items(request.user, item.plan.establishment).get(pk=item.pk)
            context = {"item": row, "can_edit": True, "row_error": error, "establishment": item.plan.establishment}
            return render(request, "action_plans/plan.html#item_row", context)
        context = _detail_context(request, item, status_error=error)
        return render(request, "action_plans/item_detail.html#status_panel", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Statut de l'action : %(status)s.") % {"status": item.get_status_display().lower()})
    return redirect("action_plans:detail", pk=item.pk)


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    _require_edit(request, item.plan.establishment)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(item, request.user, form.cleaned_data["body"])
        except services.ActionPlanError as exc:
            form.add_error("body", exc.messages[0])
        else:
            form = CommentForm()
    if request.htmx:
        context = _detail_context(request, item, comment_form=form)
        return render(request, "action_plans/item_detail.html#comments", context)
    if form.errors:
        messages.error(request, form.errors["body"][0])
    return redirect(reverse("action_plans:detail", kwargs={"pk": item.pk}) + "#commentaires")


def export(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    items = selectors.plan_items(request.user, establishment).order_by(*selectors.SORTS["priority"])
    content = xlsx.export_plan(establishment, items)
    response = HttpResponse(content, content_type=xlsx.XLSX_MIME)
    filename = xlsx.export_filename(establishment, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_plan(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_edit(request, establishment)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[xlsx.RowError] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = xlsx.import_plan(establishment, form.cleaned_data["file"], request.user)
        except xlsx.ImportRefused as exc:
            row_errors = exc.errors
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Import terminé : %(created)d action(s) créée(s), %(updated)d mise(s) à jour, %(same)d inchangée(s).")
                % {"created": result.created, "updated": result.updated, "same": result.unchanged},
            )
            return redirect("action_plans:plan", establishment_pk=establishment.pk)
    return render(
        request,
        "action_plans/import.html",
        {"establishment": establishment, "form": form, "row_errors": row_errors, "max_mb": xlsx.MAX_BYTES // 2**20},
    )
