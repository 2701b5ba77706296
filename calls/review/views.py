"""Review pages for CRRC staff (ARS reviewers read only). Thin: reads from ``calls.review.selectors``, writes through
``calls.review.services`` / ``calls.services`` (which hold the workflow and the budget guard)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crrc.ids import parse_id
from establishments.selectors import serves_region

from .. import eligibility, services
from ..models import Application
from ..services import WorkflowError
from ..workflow import CALL_WORKFLOW, State
from . import exports as review_exports
from . import services as review_services
from .forms import (
    AssignForm,
    AttributeKindForm,
    BulkForm,
    CorrectionForm,
    DecisionForm,
    LabelCreateForm,
    LabelsForm,
    MessageForm,
    NoteForm,
    PaidForm,
    PreferenceForm,
    SavedFilterForm,
    ScoreForm,
)
from .models import NotificationPreference, ReviewScore, SavedFilter
from .priority import refresh_stale
from .selectors import (
    _answer_value,
    filter_form,
    filtered_applications,
    labels_for,
    may_act,
    ranking,
    review_application_or_404,
    review_call_or_404,
    review_page,
    reviewable_applications,
    reviewable_calls,
)

PAGE_SIZE = 50


def _errors(error: WorkflowError) -> str:
    return " ".join(error.messages)


def _count_of(condition: Q) -> Coalesce:
    counted = (
        Application.objects.filter(condition, call=OuterRef("pk"))
        .order_by()
        .values("call")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    # One count per call, each an index scan of (call, state), the states listed rather than excluded; a GROUP BY
    # over the join grouped every application by the call's wide columns (38 ms for 20,000 applications, issue 15).
    submitted = [state for state in State.values if state not in (State.BROUILLON, State.ABANDONNE)]
    calls = reviewable_calls(request.user).annotate(
        submitted=_count_of(Q(state__in=submitted)),
        to_review=_count_of(Q(state__in=[State.EN_CONSTRUCTION, State.EN_INSTRUCTION])),
    )
    if not serves_region(request.user):
        # Not staff of any region: the review side does not exist for them.
        raise Http404
    return render(request, "calls/review/index.html", {"calls": calls.order_by("-opens_at")})


def _list_context(request: HttpRequest, call) -> dict:
    form = filter_form(call, request.GET)
    base = reviewable_applications(request.user).filter(call=call)
    refresh_stale(base)
    page = review_page(request.user, call, form, request.GET.get("page"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "call": call,
        "form": form,
        "columns": form.chosen_columns(),
        "page": page,
        "rows": [(a, [c.value(a) for c in form.chosen_columns()]) for a in page.object_list],
        "query": query.urlencode(),
        "can_act": may_act(request.user, call),
        "budget": services.budget_of(call),
        "saved_filters": SavedFilter.objects.filter(owner=request.user, call=call),
        "labels": labels_for(call),
        "bulk_form": BulkForm(call=call, application_ids=[]),
        "label_form": LabelCreateForm(),
        "preference_form": PreferenceForm(
            initial={
                "frequency": NotificationPreference.objects.filter(user=request.user, call=call)
                .values_list("frequency", flat=True)
                .first()
                or NotificationPreference.DEFAULT
            }
        ),
        "saved_filter_form": SavedFilterForm(),
        "results": request.session.pop(f"review-bulk-{call.pk}", None),
    }


@require_GET
def application_list(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    context = _list_context(request, call)
    if request.htmx:
        return render(request, "calls/review/list.html#table", context)
    return render(request, "calls/review/list.html", context)


@require_GET
def ranked(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    return render(
        request,
        "calls/review/ranking.html",
        {"call": call, "waves": ranking(request.user, call), "budget": services.budget_of(call)},
    )


@require_GET
def export(request: HttpRequest, call_pk: int, fmt: str) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    if fmt not in review_exports.FORMATS:
        raise Http404
    form = filter_form(call, request.GET)
    refresh_stale(reviewable_applications(request.user).filter(call=call))
    applications = filtered_applications(request.user, call, form)
    columns = form.chosen_columns()
    filename = review_exports.export_filename(call, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            review_exports.csv_stream(applications, columns), content_type=review_exports.FORMATS[fmt]
        )
    else:
        response = HttpResponse(
            review_exports.table(applications, columns, fmt), content_type=review_exports.FORMATS[fmt]
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def documents_zip(request: HttpRequest, call_pk: int) -> StreamingHttpResponse:
    call = review_call_or_404(request.user, call_pk)
    form = filter_form(call, request.GET)
    attachments = review_exports.current_attachments(filtered_applications(request.user, call, form))
    response = StreamingHttpResponse(
        review_exports.zip_stream(attachments.iterator(chunk_size=200)), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="pieces-{call.slug}.zip"'
    return response


@require_POST
def bulk(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    review_services.require_reviewer(request.user, call)
    ids = [pk for pk in map(parse_id, request.POST.getlist("applications")) if pk is not None]
    form = BulkForm(request.POST, call=call, application_ids=ids)
    back = reverse("calls_review:list", args=[call.pk]) + ("?" + request.POST.get("query", "")).rstrip("?")
    if not ids:
        messages.error(request, _("Cochez au moins un dossier."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    # In the order on screen (best priority first): when the envelope runs out, the best ones are accepted first.
    applications = list(
        reviewable_applications(request.user)
        .filter(call=call, pk__in=form.cleaned_data["applications"])
        .select_related("call", "establishment")
        .order_by("-priority__score", "submitted_at", "pk")
    )
    action, data = form.cleaned_data["action"], form.cleaned_data
    if action == "assign":
        results = review_services.bulk_assign(applications, request.user, data["reviewer"])
    elif action == "label":
        results = review_services.bulk_label(applications, request.user, data["label"])
    elif action == "start_instruction":
        results = review_services.bulk_start_instruction(applications, request.user)
    else:
        results = review_services.bulk_decide(applications, request.user, action, data.get("reason") or "")
    request.session[f"review-bulk-{call.pk}"] = [
        {
            "pk": r.application.pk,
            "reference": r.application.reference,
            "name": r.application.establishment.name,
            "ok": r.ok,
            "message": r.message,
        }
        for r in results
    ]
    done = sum(r.ok for r in results)
    (messages.success if done == len(results) else messages.warning)(
        request,
        _("%(done)d dossier(s) traité(s) sur %(total)d : voir le détail ci-dessous.")
        % {"done": done, "total": len(results)},
    )
    return redirect(back)


@require_POST
def save_filter(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        review_services.save_filter(call, request.user, form.cleaned_data["name"], query)
        messages.success(request, _("Filtre « %(name)s » enregistré.") % {"name": form.cleaned_data["name"]})
    else:
        messages.error(request, _("Donnez un nom au filtre."))
    return redirect(reverse("calls_review:list", args=[call.pk]) + ("?" + query if query else ""))


@require_POST
def delete_filter(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    filter_pk = parse_id(request.POST.get("filter", ""))
    if filter_pk is not None:
        SavedFilter.objects.filter(pk=filter_pk, owner=request.user, call=call).delete()
    messages.success(request, _("Filtre supprimé."))
    return redirect("calls_review:list", call.pk)


@require_POST
def preference(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    form = PreferenceForm(request.POST)
    if form.is_valid():
        pref = review_services.set_preference(call, request.user, form.cleaned_data["frequency"])
        messages.success(request, _("E-mails pour cet appel : %(f)s.") % {"f": pref.get_frequency_display()})
    return redirect("calls_review:list", call.pk)


@require_POST
def create_label(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = review_call_or_404(request.user, call_pk)
    form = LabelCreateForm(request.POST)
    if form.is_valid():
        try:
            label = review_services.create_label(
                call, request.user, form.cleaned_data["name"], form.cleaned_data["colour"],
                region_wide=form.cleaned_data["region_wide"],
            )  # fmt: skip
            messages.success(request, _("Étiquette « %(name)s » créée.") % {"name": label.name})
        except WorkflowError as error:
            messages.error(request, _errors(error))
    else:
        messages.error(request, _("Donnez un nom et une couleur à l'étiquette."))
    return redirect("calls_review:list", call.pk)


# ---- one application ---------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, application: Application, **forms) -> dict:
    call = application.call
    refresh_stale(Application.objects.filter(pk=application.pk))
    application.refresh_from_db(fields=["version"])
    my_score = ReviewScore.objects.filter(application=application, reviewer=request.user).first()
    questions = list(call.questions.all())
    answers = {a.question_id: a for a in application.answers.all()}
    try:
        priority = application.priority
    except Application.priority.RelatedObjectDoesNotExist:
        priority = None
    if may_act(request.user, call):
        review_services.mark_thread_read(application, "staff")
    return {
        "application": application,
        "call": call,
        "establishment": application.establishment,
        "can_act": may_act(request.user, call),
        # The reviewer's buttons: the transitions the kit says this user may take now.
        "allowed": {t.name for t in CALL_WORKFLOW.allowed(application, request.user)},
        "priority": priority,
        "answers": [(q, _answer_value(answers[q.pk].value) if q.pk in answers else "") for q in questions],
        "attachments": application.attachments.filter(is_current=True).select_related("document"),
        "eligibility": eligibility.evaluate(call, application.establishment, application),
        "transitions": application.transitions.select_related("by"),
        "corrections": application.corrections.select_related("requested_by", "answered_by"),
        "notes": application.review_notes.select_related("author"),
        "scores": application.review_scores.select_related("reviewer").order_by("-updated_at"),
        "assignments": application.reviewer_assignments.select_related("reviewer"),
        "labels": application.review_labels.all(),
        "is_followed": application.followers.filter(user=request.user).exists(),
        "budget": services.budget_of(call),
        "project_kinds": list(call.project_kinds.all()),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "score_form": forms.get("score_form")
        or ScoreForm(initial={"motivation": my_score.motivation, "comment": my_score.comment} if my_score else None),
        "assign_form": AssignForm(call=call),
        "labels_form": LabelsForm(call=call, initial={"labels": application.review_labels.all()}),
        "kind_form": AttributeKindForm(
            call=call, initial={"kind": application.attributed_kind_id or application.preferred_kind_id}
        ),
        "paid_form": PaidForm(),
        "State": State,
    }


@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = review_application_or_404(request.user, pk)
    return render(request, "calls/review/detail.html", _detail_context(request, application))


ACTIONS = {
    "start_instruction",
    "request_correction",
    "decide",
    "attribute_kind",
    "mark_paid",
    "note",
    "score",
    "assign",
    "unassign",
    "follow",
    "labels",
}


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = review_application_or_404(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    if action != "follow":
        review_services.require_reviewer(request.user, application.call)
    user, call, post = request.user, application.call, request.POST
    try:
        if action == "follow":
            followed = review_services.toggle_follow(application, user)
            messages.success(
                request, _("Vous suivez ce dossier.") if followed else _("Vous ne suivez plus ce dossier.")
            )
        elif action == "start_instruction":
            services.start_instruction(application, user)
            messages.success(request, _("Dossier passé en instruction : il n'est plus modifiable par le demandeur."))
        elif action == "request_correction":
            form = CorrectionForm(post)
            if not form.is_valid():
                return _invalid(request, application, correction_form=form)
            services.request_correction(application, user, form.cleaned_data["kind"], form.cleaned_data["message"])
            messages.success(request, _("Demande de correction envoyée au demandeur."))
        elif action == "decide":
            form = DecisionForm(post)
            if not form.is_valid():
                return _invalid(request, application, decision_form=form)
            data = form.cleaned_data
            review_services.decide(application, user, data["decision"], data["reason"], data["amount"])
            messages.success(request, _("Décision enregistrée : le demandeur est prévenu par e-mail."))
        elif action == "attribute_kind":
            form = AttributeKindForm(post, call=call)
            if not form.is_valid():
                raise WorkflowError(_("Choisissez un type de projet proposé par l'appel."))
            review_services.attribute_kind(application, user, form.cleaned_data["kind"])
            messages.success(request, _("Type de projet attribué."))
        elif action == "mark_paid":
            form = PaidForm(post)
            if not form.is_valid():
                raise WorkflowError(_("Montant versé invalide."))
            services.mark_paid(application, user, form.cleaned_data["amount"])
            messages.success(request, _("Paiement enregistré."))
        elif action == "note":
            form = NoteForm(post)
            if not form.is_valid():
                return _invalid(request, application, note_form=form)
            review_services.add_note(application, user, form.cleaned_data["text"])
            messages.success(request, _("Note ajoutée."))
        elif action == "score":
            form = ScoreForm(post)
            if not form.is_valid():
                return _invalid(request, application, score_form=form)
            review_services.set_score(application, user, form.cleaned_data["motivation"], form.cleaned_data["comment"])
            messages.success(request, _("Note de motivation enregistrée ; la priorité est recalculée."))
        elif action == "assign":
            form = AssignForm(post, call=call)
            if not form.is_valid():
                raise WorkflowError(_("Choisissez un membre de l'équipe du CRRC."))
            review_services.assign(application, form.cleaned_data["reviewer"], user)
            messages.success(request, _("Instructeur assigné."))
        elif action == "unassign":
            reviewer_id = parse_id(post.get("reviewer"))
            if reviewer_id is None:
                raise Http404
            reviewer = get_object_or_404(application.reviewer_assignments, reviewer_id=reviewer_id).reviewer
            review_services.unassign(application, reviewer, user)
            messages.success(request, _("Assignation retirée."))
        elif action == "labels":
            form = LabelsForm(post, call=call)
            if not form.is_valid():
                raise WorkflowError(_("Étiquette inconnue."))
            review_services.set_labels(application, user, form.cleaned_data["labels"])
            messages.success(request, _("Étiquettes mises à jour."))
    except WorkflowError as error:
        messages.error(request, _errors(error))
    return redirect("calls_review:application", application.pk)


def _invalid(request, application, **forms) -> HttpResponse:
    messages.error(request, _("Le formulaire contient des erreurs : voir ci-dessous."))
    return render(request, "calls/review/detail.html", _detail_context(request, application, **forms), status=400)


# ---- message thread (both sides) -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    """The thread of one application, for reviewers and for the applicant's members alike.

    The applicant page embeds it with ``hx-get`` (``hx-trigger="load"``); the form posts back here and the
    partial is swapped in place. Anyone outside the application's establishment and region gets a 404.
    """
    from crrc.tenancy import get_for_user_or_404

    application = get_for_user_or_404(Application.objects.select_related("call", "establishment"), request.user, pk=pk)
    side = review_services.thread_side(request.user, application)
    if application.state == State.BROUILLON and side != "applicant":
        raise Http404
    form = MessageForm()
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                review_services.post_message(application, request.user, form.cleaned_data["body"])
                form = MessageForm()
            except WorkflowError as error:
                form.add_error("body", _errors(error))
            except PermissionDenied as error:
                form.add_error("body", str(error))
        if not request.htmx:
            if form.errors:
                messages.error(request, " ".join(form.errors["body"]))
            target = "calls_review:application" if side == "staff" else "calls:application"
            return redirect(reverse(target, args=[application.pk]) + "#messagerie")
    if side:
        review_services.mark_thread_read(application, side)
    return render(request, "calls/review/_thread.html", thread_context(request.user, application, form))


def thread_context(user, application: Application, form: MessageForm | None = None) -> dict:
    """What ``calls/review/_thread.html`` needs; the applicant's page renders the same thread."""
    return {
        "application": application,
        "thread_messages": application.messages.select_related("author"),
        "message_form": form or MessageForm(),
        "side": review_services.thread_side(user, application),
        "thread_url": reverse("calls_review:thread", args=[application.pk]),
    }
