"""Assessment pages. Thin: scoping through ``get_for_user_or_404`` and the selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crrc.ids import parse_id
from crrc.tenancy import get_for_user_or_404
from establishments.roles import Capability
from establishments.selectors import can, staff_regions

from . import prefill, selectors, services
from .models import Assessment, Grid
from .workflow import ASSESSMENT_WORKFLOW, State


def _assessment(request: HttpRequest, pk: int, capability: str | None = None) -> Assessment:
    return get_for_user_or_404(
        Assessment.objects.select_related("grid", "establishment", "establishment__region"),
        request.user,
        capability,
        pk=pk,
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    assessments = list(selectors.assessments_for(request.user).order_by("-created_at")[:200])
    return render(
        request,
        "assessments/index.html",
        {
            "assessments": assessments,
            "establishments": list(selectors.fillable_establishments(request.user)),
            "grids": list(selectors.current_grids()),
            "is_staff_viewer": staff_regions(request.user).exists(),
        },
    )


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    establishment = (
        selectors.fillable_establishments(request.user)
        .filter(pk=parse_id(request.POST.get("establishment")) or 0)
        .first()
    )
    grid = selectors.current_grids().filter(pk=parse_id(request.POST.get("grid")) or 0).first()
    if establishment is None or grid is None:
        messages.error(request, _("Choisissez un établissement dont vous remplissez les évaluations et une grille."))
        return redirect("assessments:index")
    assessment = services.start_assessment(establishment, grid, request.user)
    messages.success(request, _("Évaluation commencée : vos réponses sont enregistrées au fur et à mesure."))
    return redirect("assessments:detail", assessment_pk=assessment.pk)


@require_GET
def detail(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    assessment = _assessment(request, assessment_pk)
    if assessment.state == State.SUBMITTED:
        return redirect("assessments:results", assessment_pk=assessment.pk)
    view = selectors.fill_view(assessment)
    return render(
        request,
        "assessments/fill.html",
        {
            "assessment": assessment,
            "grid": assessment.grid,
            "view": view,
            "can_edit": can(request.user, assessment.establishment, Capability.FILL_ASSESSMENTS),
            "allowed": {t.name for t in ASSESSMENT_WORKFLOW.allowed(assessment, request.user)},
            "prefilled": prefill.prefilled_question_ids(assessment),
        },
    )


@require_POST
def answer(request: HttpRequest, assessment_pk: int, question_pk: int) -> HttpResponse:
    assessment = _assessment(request, assessment_pk, Capability.FILL_ASSESSMENTS)
    # A bad id (a word, a 30-digit number) becomes -1: refused by the service like any unknown option.
    option_ids = [parse_id(value) or -1 for value in request.POST.getlist("option")]
    version = parse_id(request.POST.get("version", "0")) or 0
    changed: set[int] = {question_pk}
    error = ""
    exc_kind: ValidationError | None = None
    try:
        outcome = services.record_answer(assessment, question_pk, option_ids, request.user, version)
        changed = outcome.changed_question_ids
    except ValidationError as exc:
        error, exc_kind = exc.messages[0], exc
    view = selectors.fill_view(assessment)
    if question_pk not in view.snap.questions:
        raise Http404
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('assessments:detail', args=[assessment.pk])}#q-{question_pk}")
    main = view.question_view(question_pk)
    main.error = error
    others = [view.question_view(qid) for qid in changed if qid != question_pk]
    response = render(
        request,
        "assessments/_answered.html",
        {"assessment": assessment, "qv": main, "others": others, "can_edit": True, "view": view},
    )
    if error:
        # htmx swaps only 2xx answers: the refusal is shown in place of the question, with the current answer;
        # the header tells scripts and tests that nothing was saved.
        response["X-Answer-Refused"] = "conflict" if isinstance(exc_kind, services.AnswerConflict) else "invalid"
    return response


@require_POST
def submit(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    assessment = _assessment(request, assessment_pk, Capability.FILL_ASSESSMENTS)
    try:
        services.submit_assessment(assessment, request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("assessments:detail", assessment_pk=assessment.pk)
    messages.success(request, _("Évaluation soumise. Voici vos résultats et les recommandations proposées."))
    return redirect("assessments:results", assessment_pk=assessment.pk)


@require_GET
def results(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    assessment = _assessment(request, assessment_pk)
    if assessment.state != State.SUBMITTED:
        return redirect("assessments:detail", assessment_pk=assessment.pk)
    previous = services.previous_submitted(assessment)
    data = selectors.results_view(assessment, previous)
    can_plan = can(request.user, assessment.establishment, Capability.MANAGE_ACTION_PLAN)
    planned = selectors.planned_keys(assessment) if can_plan else set()
    # A measure already open in the plan (from another question or an earlier run) is not proposed again.
    open_measures = set(services.open_items_by_measure(assessment)) if can_plan else set()
    for measure in data["measures"]:
        key = f"assessment:{assessment.grid.slug}:{measure['question'].code}:{measure['recommendation'].measure_code}"
        measure["planned"] = any(p == key or p.startswith(key[:183] + "~") for p in planned) or (
            measure["recommendation"].measure_code in open_measures
        )
    return render(
        request,
        "assessments/results.html",
        {
            "assessment": assessment,
            "grid": assessment.grid,
            "previous": previous,
            "data": data,
            "can_plan": can_plan,
            "can_view_reports": can(request.user, assessment.establishment, Capability.VIEW),
        },
    )


@require_POST
def add_to_plan(request: HttpRequest, assessment_pk: int) -> HttpResponse:
    assessment = _assessment(request, assessment_pk, Capability.MANAGE_ACTION_PLAN)
    ids = [parse_id(value) or -1 for value in request.POST.getlist("recommendation")]
    try:
        items = services.add_recommendations_to_plan(assessment, ids, request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(f"{reverse('assessments:results', args=[assessment.pk])}#recommandations")
    messages.success(
        request,
        _(
            "%(count)d action(s) dans le plan d'action de l'établissement "
            "(les recommandations déjà ajoutées ne sont pas dupliquées)."
        )
        % {"count": len(items)},
    )
    return redirect("action_plans:plan", establishment_pk=assessment.establishment_id)


@require_GET
def region(request: HttpRequest) -> HttpResponse:
    if not staff_regions(request.user).exists():
        raise Http404
    grid_slug = request.GET.get("grille", "")
    qs = selectors.region_assessments(request.user, grid_slug)
    grids = Grid.objects.filter(is_current=True).order_by("title")
    return render(
        request,
        "assessments/region.html",
        {
            "assessments": list(qs[:500]),
            "distribution": selectors.distribution(qs),
            "grids": grids,
            "grid_slug": grid_slug,
            "regions": list(staff_regions(request.user)),
        },
    )
