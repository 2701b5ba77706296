"""Incident pages. Thin: reads through ``selectors`` (another tenant's incident, or an ARS reviewer, gets a 404),
writes through ``services`` whose French messages are shown next to the field they concern."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from establishments.selectors import crrc_staff_regions, establishments_for, staff_regions

from . import contacts, selectors, services
from .forms import CloseForm, DeclarationForm, InterventionForm, RapidResponseForm, ReopenForm, StepDoneForm
from .models import IncidentStep
from .steps import SPECS
from .workflow import INCIDENT_WORKFLOW, State


def _copy_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def index(request: HttpRequest) -> HttpResponse:
    """CRRC staff: the region's incidents. Establishments: theirs, and where to declare. ARS: counts only."""
    user = request.user
    if crrc_staff_regions(user).exists() or user.is_superuser:
        state = request.GET.get("etat", "open")
        incidents = selectors.region_incidents(user, state)[:200]
        return render(
            request,
            "incidents/staff_list.html",
            {"incidents": incidents, "state": state, "states": State.choices, "specs": SPECS},
        )
    regions = staff_regions(user)
    if regions.exists():
        rows = []
        for region in regions.order_by("name"):
            figures = selectors.statistics(establishments_for(user).filter(region=region))
            rows.append({"region": region, "figures": figures, **_delays(figures)})
        return render(request, "incidents/ars.html", {"rows": rows})
    establishments = list(selectors.handled_establishments(user))
    incidents = selectors.with_next_step(selectors.incidents_for(user))[:100]
    return render(
        request, "incidents/index.html", {"establishments": establishments, "incidents": incidents, "specs": SPECS}
    )


def _delays(figures: dict) -> dict:
    return {
        "declaration_delay": selectors.hours_display(figures["declaration_delay"]),
        "support_delay": selectors.hours_display(figures["support_delay"]),
    }


def declare(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = get_object_or_404(establishments_for(request.user).select_related("region"), pk=establishment_pk)
    if not selectors.handled_establishments(request.user).filter(pk=establishment.pk).exists():
        raise PermissionDenied(_("Seuls le directeur et le RSSI de l'établissement peuvent déclarer un incident."))
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.declare(establishment, request.user, services.Declaration(**form.cleaned_data))
        except ValidationError as error:
            _copy_errors(form, error)
        else:
            messages.success(
                request,
                _("Incident déclaré au CRRC. Suivez maintenant les étapes ci-dessous, dans l'ordre de leur échéance."),
            )
            return redirect("incidents:detail", incident.pk)
    return render(
        request,
        "incidents/declare.html",
        {
            "establishment": establishment,
            "form": form,
            "cert_sante": contacts.cert_sante(),
            "on_call": contacts.crrc_on_call(establishment.region),
        },
    )


def _detail_context(request: HttpRequest, incident) -> dict:
    return {
        "incident": incident,
        "establishment": incident.establishment,
        "steps": [{"step": step, "spec": SPECS[step.kind]} for step in incident.steps.all()],
        "is_staff": services.is_region_staff(request.user, incident.establishment),
        "transitions": INCIDENT_WORKFLOW.available(incident, request.user),
        "history": [
            (log, INCIDENT_WORKFLOW.state_label(log.from_state), INCIDENT_WORKFLOW.state_label(log.to_state))
            for log in incident.transitions.all()
        ],
        "delays": {key: selectors.hours_display(value) for key, value in services.delays(incident).items()},
        "hours": sum((i.hours for i in incident.interventions.all()), 0),
        "cert_sante": contacts.cert_sante(),
        "on_call": contacts.crrc_on_call(incident.establishment.region),
        "step_form": StepDoneForm(),
        "rapid_form": RapidResponseForm(),
        "intervention_form": InterventionForm(),
        "close_form": CloseForm(initial={"lessons_learned": incident.lessons_learned}),
        "reopen_form": ReopenForm(),
        "failed_step": None,
        "now": timezone.now(),
    }


def _page(request: HttpRequest, incident, status: int = 200, **forms) -> HttpResponse:
    """The incident page; after a refused write, with the form that failed and its messages (nothing written)."""
    return render(request, "incidents/detail.html", _detail_context(request, incident) | forms, status=status)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.incident_detail(request.user, pk))


def _step(request: HttpRequest, pk: int, step_pk: int) -> tuple:
    incident = selectors.incident_detail(request.user, pk)
    step = get_object_or_404(IncidentStep.objects.filter(incident=incident), pk=step_pk)
    return incident, step


@require_POST
def step_done(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    incident, step = _step(request, pk, step_pk)
    form = StepDoneForm(request.POST)
    if form.is_valid():
        try:
            services.mark_step_done(step, request.user, form.cleaned_data["done_at"], form.cleaned_data["note"])
        except ValidationError as error:
            _copy_errors(form, error)
        else:
            messages.success(request, _("Étape « %(step)s » cochée.") % {"step": step.get_kind_display()})
            return redirect("incidents:detail", incident.pk)
    return _page(request, incident, 400, step_form=form, failed_step=step.pk)


@require_POST
def step_undo(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    incident, step = _step(request, pk, step_pk)
    try:
        services.undo_step(step, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("incidents:detail", incident.pk)


@require_POST
def rapid_response(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_detail(request.user, pk)
    form = RapidResponseForm(request.POST)
    if form.is_valid():
        try:
            services.request_rapid_response(incident, request.user, form.cleaned_data["need"])
        except ValidationError as error:
            _copy_errors(form, error)
        else:
            messages.success(request, _("Demande envoyée à l'équipe du CRRC, qui vous rappelle au plus vite."))
            return redirect("incidents:detail", incident.pk)
    return _page(request, incident, 400, rapid_form=form)


@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_detail(request.user, pk)
    try:
        services.take(incident, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Incident pris en charge."))
    return redirect("incidents:detail", incident.pk)


@require_POST
def intervention(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_detail(request.user, pk)
    form = InterventionForm(request.POST)
    if form.is_valid():
        try:
            services.add_intervention(incident, request.user, **form.cleaned_data)
        except ValidationError as error:
            _copy_errors(form, error)
        else:
            messages.success(request, _("Intervention enregistrée."))
            return redirect("incidents:detail", incident.pk)
    return _page(request, incident, 400, intervention_form=form)


@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_detail(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close(incident, request.user, **form.cleaned_data)
        except ValidationError as error:
            _copy_errors(form, error)
        else:
            messages.success(
                request,
                _("Incident clôturé. Les actions d'amélioration sont dans le plan d'action de l'établissement."),
            )
            return redirect("incidents:detail", incident.pk)
    return _page(request, incident, 400, close_form=form)


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_detail(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.reopen(incident, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            _copy_errors(form, error)
        else:
            messages.success(request, _("Incident rouvert."))
            return redirect("incidents:detail", incident.pk)
    return _page(request, incident, 400, reopen_form=form)
