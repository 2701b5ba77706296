"""Exercise pages. Thin: the object is fetched through ``get_for_user_or_404`` (another tenant → 404), every
write goes through ``services`` whose French message is shown next to the field or at the top of the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from action_plans.workflow import Priority
from crrc.ids import parse_id
from crrc.tenancy import get_for_user_or_404
from establishments.selectors import establishments_for, staff_regions

from . import forms, selectors, services, xlsx
from .choices import EDITABLE_STATES, LIVE_STATES, ReactionScore, State
from .models import Exercise, LogisticsItem, Participant, Stimulus
from .permissions import can_animate, can_observe, can_plan
from .workflow import EXERCISE_WORKFLOW

RETEX_SALT = "exercises.retex"
RETEX_MAX_AGE = 90 * 24 * 3600


def _exercise(request: HttpRequest, exercise_pk: int) -> Exercise:
    return get_for_user_or_404(selectors.detail_queryset(), request.user, pk=exercise_pk)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _to_detail(exercise: Exercise, anchor: str = "") -> HttpResponse:
    return redirect(reverse("exercises:detail", kwargs={"exercise_pk": exercise.pk}) + (f"#{anchor}" if anchor else ""))


# ---- lists -------------------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.list_for(request.user)[:200])
    return render(
        request,
        "exercises/index.html",
        {
            "exercises": rows,
            "can_create": selectors.can_create_somewhere(request.user),
            "is_staff_reader": selectors.is_staff_reader(request.user),
        },
    )


def create(request: HttpRequest) -> HttpResponse:
    establishments = selectors.creatable_establishments(request.user)
    if not establishments.exists():
        raise PermissionDenied(_("Seuls le CRRC, la direction et le RSSI d'un établissement préparent un exercice."))
    initial = {}
    chosen = request.GET.get("establishment")
    if chosen and chosen.isdigit():
        initial["establishment"] = chosen
    # The establishment chosen (posted, or ``?establishment=`` after "reload"): its own sites are then offered.
    wanted = parse_id(request.POST.get("establishment")) or parse_id(chosen)
    target = establishments.filter(pk=wanted).first() if wanted else None
    form = forms.CreateForm(
        request.POST or None, establishments=establishments, user=request.user, target=target, initial=initial
    )
    proposal = None
    if target is not None and target.pk == parse_id(chosen):
        proposal = services.proposed_kit_level(target)
        if proposal[0]:
            form.initial.setdefault("kit_level", proposal[0])
    if request.method == "POST" and form.is_valid():
        establishment = form.cleaned_data["establishment"]
        values = {k: v for k, v in form.plan_values().items() if k != "establishment"}
        try:
            exercise = services.create_exercise(
                establishment, request.user, objectives=form.objectives(), sites=form.chosen_sites(), **values
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Exercice créé : complétez les participants et le chronogramme."))
            return _to_detail(exercise)
    return render(request, "exercises/form.html", {"form": form, "creating": True, "proposal": proposal})


def detail(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    plan = can_plan(request.user, exercise)
    sites = list(exercise.sites.select_related("site").order_by("site__name"))
    context = {
        "exercise": exercise,
        "can_plan": plan,
        "can_animate": can_animate(request.user, exercise),
        "editable": plan and exercise.state in EDITABLE_STATES,
        "objectives": list(exercise.objectives.all()),
        "sites": sites,
        "participants": list(exercise.participants.select_related("user", "site")),
        "logistics": list(exercise.logistics.all()),
        "stimuli": list(exercise.stimuli.all()),
        "available": EXERCISE_WORKFLOW.available(exercise, request.user),
        "history": list(exercise.transitions.select_related("by").order_by("-at", "-pk")[:20]),
        "participant_form": forms.ParticipantForm(exercise=exercise, sites=sites),
        "logistics_form": forms.LogisticsForm(),
        "stimulus_form": forms.StimulusForm(),
        "proposed_level_label": dict(forms.KitLevel.choices).get(exercise.kit_level_proposed, ""),
    }
    return render(request, "exercises/detail.html", context)


def edit(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    if not can_plan(request.user, exercise):
        raise PermissionDenied(_("Vous pouvez consulter cet exercice mais pas le préparer."))
    form = forms.ExerciseForm(
        request.POST or None, instance=exercise, establishment=exercise.establishment, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_exercise(
                exercise,
                request.user,
                expected_version=request.POST.get("version"),
                sites=form.chosen_sites(),
                **form.plan_values(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Exercice enregistré."))
            return _to_detail(exercise)
    exercise.refresh_from_db()
    return render(request, "exercises/form.html", {"form": form, "exercise": exercise, "creating": False})


@require_POST
def transition(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    name = request.POST.get("name", "")
    try:
        version = int(request.POST["version"]) if request.POST.get("version") else None
    except ValueError:
        version = None
    try:
        services.transition(
            exercise, request.user, name, reason=request.POST.get("reason", ""), expected_version=version
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("État de l'exercice : %(state)s.") % {"state": exercise.get_state_display()})
    if name in {"start", "pause", "resume"} and exercise.state in LIVE_STATES:
        return redirect("exercises:console", exercise_pk=exercise.pk)
    return _to_detail(exercise)


# ---- participants, logistics -------------------------------------------------------------------------------


@require_POST
def participant_add(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    form = forms.ParticipantForm(request.POST, exercise=exercise, sites=list(exercise.sites.all()))
    if form.is_valid():
        try:
            services.add_participant(exercise, request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Participant ajouté."))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return _to_detail(exercise, "participants")


@require_POST
def participant_delete(request: HttpRequest, exercise_pk: int, participant_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    participant = get_object_or_404(exercise.participants, pk=participant_pk)
    try:
        services.remove_participant(participant, request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _to_detail(exercise, "participants")


@require_POST
def invitations(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    try:
        services.send_invitations_now(exercise, request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Invitations envoyées à chaque participant (fichier d'agenda joint)."))
    return _to_detail(exercise, "participants")


@require_POST
def logistics_add(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    form = forms.LogisticsForm(request.POST)
    if form.is_valid():
        try:
            services.add_logistics(exercise, request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return _to_detail(exercise, "logistique")


@require_POST
def logistics_toggle(request: HttpRequest, exercise_pk: int, item_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    item: LogisticsItem = get_object_or_404(exercise.logistics, pk=item_pk)
    services.toggle_logistics(item, request.user)
    return _to_detail(exercise, "logistique")


# ---- chronogram --------------------------------------------------------------------------------------------


def stimulus_edit(request: HttpRequest, exercise_pk: int, stimulus_pk: int | None = None) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    if not can_plan(request.user, exercise):
        raise PermissionDenied(_("Vous pouvez consulter cet exercice mais pas le préparer."))
    stimulus = get_object_or_404(exercise.stimuli, pk=stimulus_pk) if stimulus_pk else None
    initial = {}
    if stimulus:
        initial = {
            "offset": stimulus.offset_display,
            "channel": stimulus.channel,
            "sender": stimulus.sender,
            "recipient_cell": stimulus.recipient_cell,
            "content": stimulus.content,
            "expected_reaction": stimulus.expected_reaction,
        }
    form = forms.StimulusForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_stimulus(exercise, request.user, stimulus, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Chronogramme enregistré."))
            return _to_detail(exercise, "chronogramme")
    return render(request, "exercises/stimulus_form.html", {"exercise": exercise, "form": form, "stimulus": stimulus})


@require_POST
def stimulus_delete(request: HttpRequest, exercise_pk: int, stimulus_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    stimulus = get_object_or_404(exercise.stimuli, pk=stimulus_pk)
    try:
        services.delete_stimulus(stimulus, request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _to_detail(exercise, "chronogramme")


@require_POST
def stimulus_move(request: HttpRequest, exercise_pk: int, stimulus_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    stimulus = get_object_or_404(exercise.stimuli, pk=stimulus_pk)
    try:
        services.move_stimulus(stimulus, request.user, "up" if request.POST.get("direction") == "up" else "down")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _to_detail(exercise, "chronogramme")


def chronogram_import(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    if not can_plan(request.user, exercise):
        raise PermissionDenied(_("Vous pouvez consulter cet exercice mais pas le préparer."))
    form = forms.ChronogramImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = xlsx.read_chronogram(form.cleaned_data["file"])
        if report.ok and request.POST.get("action") == "import":
            try:
                count = services.replace_chronogram(exercise, request.user, report.lines)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request, _("Chronogramme importé : %(count)s stimuli remplacent les précédents.") % {"count": count}
                )
                return _to_detail(exercise, "chronogramme")
    return render(
        request,
        "exercises/import.html",
        {"exercise": exercise, "form": form, "report": report, "dry_run": request.POST.get("action") != "import"},
    )


@require_GET
def chronogram_export(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    response = HttpResponse(xlsx.export_chronogram(exercise), content_type=xlsx.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{exercise.reference}-chronogramme.xlsx"'
    return response


@require_GET
def chronogram_print(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    return render(request, "exercises/chronogram_print.html", {"exercise": exercise, "stimuli": exercise.stimuli.all()})


@require_GET
def export(request: HttpRequest, exercise_pk: int, what: str, fmt: str) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    if what not in xlsx.EXPORTS or fmt not in {"csv", "xlsx"}:
        raise Http404
    body, content_type, filename = xlsx.export_table(exercise, what, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- console -----------------------------------------------------------------------------------------------


def _console_context(request: HttpRequest, exercise: Exercise) -> dict:
    return {
        "exercise": exercise,
        "data": selectors.console_data(exercise),
        "can_animate": can_animate(request.user, exercise),
        "can_observe": can_observe(request.user, exercise),
        "live": exercise.state in LIVE_STATES,
        "scores": ReactionScore.choices,
        "available": [t for t, blocked in EXERCISE_WORKFLOW.available(exercise, request.user) if blocked is None]
        if exercise.state in LIVE_STATES | {State.READY}
        else [],
    }


def console(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    if not can_observe(request.user, exercise):
        raise PermissionDenied(_("La console est réservée à la cellule d'animation et aux observateurs."))
    context = _console_context(request, exercise)
    context["journal_form"] = forms.JournalForm()
    context["observation_form"] = forms.ObservationForm(exercise=exercise)
    return render(request, "exercises/console.html", context)


@require_GET
def console_live(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    """The part of the console every animator's screen refreshes (htmx, every few seconds)."""
    exercise = _exercise(request, exercise_pk)
    if not can_observe(request.user, exercise):
        raise PermissionDenied(_("La console est réservée à la cellule d'animation et aux observateurs."))
    return render(request, "exercises/console.html#live", _console_context(request, exercise))


def _console_answer(request: HttpRequest, exercise: Exercise) -> HttpResponse:
    if request.htmx:
        return render(request, "exercises/console.html#live", _console_context(request, exercise))
    return redirect("exercises:console", exercise_pk=exercise.pk)


@require_POST
def stimulus_play(request: HttpRequest, exercise_pk: int, stimulus_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    stimulus: Stimulus = get_object_or_404(exercise.stimuli, pk=stimulus_pk)
    try:
        played, now = services.play_stimulus(stimulus, request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if not now:
            messages.info(request, _("Ce stimulus a déjà été joué ou passé par un autre animateur."))
    return _console_answer(request, exercise)


@require_POST
def stimulus_skip(request: HttpRequest, exercise_pk: int, stimulus_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    stimulus = get_object_or_404(exercise.stimuli, pk=stimulus_pk)
    try:
        services.skip_stimulus(stimulus, request.user, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _console_answer(request, exercise)


@require_POST
def stimulus_score(request: HttpRequest, exercise_pk: int, stimulus_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    stimulus = get_object_or_404(exercise.stimuli, pk=stimulus_pk)
    try:
        services.score_stimulus(stimulus, request.user, request.POST.get("score", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return _console_answer(request, exercise)


@require_POST
def journal_add(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    try:
        services.add_journal_entry(exercise, request.user, request.POST.get("text", ""), request.POST.get("client_key"))
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(_error_text(exc), status=422)
        messages.error(request, _error_text(exc))
    return _console_answer(request, exercise)


@require_POST
def observation_add(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    objective = None
    if request.POST.get("objective", "").isdigit():
        objective = exercise.objectives.filter(pk=request.POST["objective"]).first()
    try:
        services.add_observation(
            exercise,
            request.user,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
            objective=objective,
            client_key=request.POST.get("client_key"),
        )
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(_error_text(exc), status=422)
        messages.error(request, _error_text(exc))
    return _console_answer(request, exercise)


# ---- debrief -----------------------------------------------------------------------------------------------


def _retex_link(request: HttpRequest, participant: Participant) -> str:
    token = signing.dumps(str(participant.token), salt=RETEX_SALT)
    return request.build_absolute_uri(reverse("exercises:retex_public", kwargs={"token": token}))


def debrief(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    from reports.models import Report

    from .documents import REPORT_KIND

    exercise = _exercise(request, exercise_pk)
    plan = can_plan(request.user, exercise)
    participants = list(exercise.participants.all())
    keys = selectors.planned_keys(exercise)
    improvements = [(o, services.improvement_key(o) in keys) for o in selectors.improvement_points(exercise)]
    members = []
    if plan:
        from establishments.selectors import active_memberships

        members = [m.user for m in active_memberships(exercise.establishment) if m.user.is_active]
    latest_report = (
        Report.objects.filter(establishment=exercise.establishment, kind=REPORT_KIND, subject_id=exercise.pk)
        .order_by("-created_at")
        .first()
    )
    return render(
        request,
        "exercises/debrief.html",
        {
            "exercise": exercise,
            "can_plan": plan,
            "participants": [(p, _retex_link(request, p) if plan and not p.user_id else "") for p in participants],
            "my_participation": next((p for p in participants if p.user_id == request.user.pk), None),
            "retex_open": services.retex_open(exercise),
            "summary": selectors.retex_summary(exercise),
            "improvements": improvements,
            "members": members,
            "deadline": services.proposed_deadline(exercise),
            "priorities": Priority.choices,
            "sections_form": forms.ReportSectionsForm(
                initial={"sections": exercise.report_sections or [k for k, _l in forms.REPORT_SECTIONS]}
            ),
            "latest_report": latest_report,
            "available": EXERCISE_WORKFLOW.available(exercise, request.user),
        },
    )


@require_POST
def retex_mode(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    try:
        services.set_retex_anonymous(exercise, request.user, request.POST.get("anonymous") == "on")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("exercises:debrief", exercise_pk=exercise.pk)


@require_POST
def improvements(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    from datetime import date

    from django.contrib.auth import get_user_model

    exercise = _exercise(request, exercise_pk)
    picks = []
    for raw in request.POST.getlist("observation"):
        if not raw.isdigit():
            continue
        observation = exercise.observations.filter(pk=raw).select_related("objective").first()
        if observation is None:
            continue
        owner_id = request.POST.get(f"owner_{raw}", "")
        deadline_raw = request.POST.get(f"deadline_{raw}", "")
        try:
            deadline = date.fromisoformat(deadline_raw) if deadline_raw else None
        except ValueError:
            messages.error(request, _("Échéance illisible pour « %(text)s ».") % {"text": observation.text[:60]})
            return redirect("exercises:debrief", exercise_pk=exercise.pk)
        picks.append(
            {
                "observation": observation,
                "priority": request.POST.get(f"priority_{raw}", "P2"),
                "deadline": deadline,
                "owner": get_user_model().objects.filter(pk=owner_id).first() if owner_id.isdigit() else None,
            }
        )
    try:
        items = services.add_improvements_to_plan(exercise, request.user, picks)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("%(count)s point(s) d'amélioration figurent au plan d'action de l'établissement.")
            % {"count": len(items)},
        )
    return redirect("exercises:debrief", exercise_pk=exercise.pk)


@require_POST
def report_sections(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    if not can_plan(request.user, exercise):
        raise PermissionDenied(_("Vous pouvez consulter cet exercice mais pas le préparer."))
    form = forms.ReportSectionsForm(request.POST)
    if form.is_valid():
        Exercise.objects.filter(pk=exercise.pk).update(report_sections=form.cleaned_data["sections"])
        messages.success(request, _("Sections du rapport enregistrées : générez le document."))
    return redirect(reverse("exercises:debrief", kwargs={"exercise_pk": exercise.pk}) + "#rapport")


def _retex_form(request: HttpRequest, participant: Participant, public: bool) -> HttpResponse:
    exercise = participant.exercise
    questions = list(exercise.retex_template.questions.all()) if exercise.retex_template_id else []
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = {
            q.pk: {
                "score": request.POST.get(f"q{q.pk}_score"),
                "worked": request.POST.get(f"q{q.pk}_worked", ""),
                "did_not_work": request.POST.get(f"q{q.pk}_did_not_work", ""),
            }
            for q in questions
        }
        try:
            services.submit_retex(participant, answers)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}
        else:
            return render(request, "exercises/retex_done.html", {"exercise": exercise, "public": public})
    rows = []
    for q in questions:
        raw = request.POST.get(f"q{q.pk}_score", "")
        rows.append(
            {
                "question": q,
                "score": int(raw) if raw.isdigit() else None,
                "worked": request.POST.get(f"q{q.pk}_worked", ""),
                "did_not_work": request.POST.get(f"q{q.pk}_did_not_work", ""),
                "error": " ".join(errors.get(f"q{q.pk}_score", [])),
            }
        )
    return render(
        request,
        "exercises/retex.html",
        {
            "exercise": exercise,
            "participant": participant,
            "rows": rows,
            "errors": errors,
            "general_errors": errors.get("general", []),
            "public": public,
            "steps": range(0, 101, 10),
            "open": services.retex_open(exercise),
        },
    )


def retex(request: HttpRequest, exercise_pk: int) -> HttpResponse:
    exercise = _exercise(request, exercise_pk)
    participant = exercise.participants.filter(user=request.user).first()
    if participant is None:
        raise PermissionDenied(_("Seuls les participants de l'exercice répondent au RETEX."))
    return _retex_form(request, participant, public=False)


@login_not_required
def retex_public(request: HttpRequest, token: str) -> HttpResponse:
    """The RETEX for a participant without an account: the link carries a signed, expiring token."""
    try:
        raw = signing.loads(token, salt=RETEX_SALT, max_age=RETEX_MAX_AGE)
        participant = Participant.objects.select_related("exercise__retex_template", "exercise__establishment").get(
            token=raw
        )
    except (signing.BadSignature, Participant.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    return _retex_form(request, participant, public=True)


# ---- the CRRC register -------------------------------------------------------------------------------------


def _register_filters(request: HttpRequest):
    from establishments.models import Department

    departments = Department.objects.filter(region__in=staff_regions(request.user)).order_by("code")
    form = forms.RegisterFilterForm(request.GET or None, departments=departments)
    filters = selectors.RegisterFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.RegisterFilters(
            state_group=data.get("state_group") or "",
            kit_level=data.get("kit_level") or "",
            sector=data.get("sector") or "",
            department=data["department"].pk if data.get("department") else None,
            year=data.get("year"),
        )
    return form, filters


def register(request: HttpRequest) -> HttpResponse:
    if not selectors.is_staff_reader(request.user):
        raise PermissionDenied(_("Le registre régional des exercices est réservé au CRRC et à l'ARS."))
    form, filters = _register_filters(request)
    qs = selectors.register_queryset(request.user, filters)
    rows = selectors.with_labels(
        list(selectors.register_rows(qs)[:100]), state_label="state", kit_level_label="kit_level"
    )
    stats = selectors.register_stats(qs)
    from .register_charts import register_charts

    return render(
        request,
        "exercises/register.html",
        {
            "form": form,
            "stats": stats,
            "charts": register_charts(qs, filters, stats),
            "rows": rows,
            "query": request.GET.urlencode(),
            "can_create": selectors.is_crrc_staff_somewhere(request.user),
        },
    )


def register_export(request: HttpRequest) -> HttpResponse:
    if not selectors.is_staff_reader(request.user):
        raise PermissionDenied(_("Le registre régional des exercices est réservé au CRRC et à l'ARS."))
    from .register_export import register_xlsx

    _form, filters = _register_filters(request)
    qs = selectors.register_rows(selectors.register_queryset(request.user, filters))
    response = HttpResponse(register_xlsx(qs), content_type=xlsx.XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="registre-exercices.xlsx"'
    return response


# ---- HAS 3.14 evidence -------------------------------------------------------------------------------------


def evidence(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    from reports.services import request_report

    from .documents import EVIDENCE_KIND
    from .models import EvidenceRequest

    establishment = get_object_or_404(establishments_for(request.user), pk=establishment_pk)
    form = forms.EvidenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        evidence_request = EvidenceRequest.objects.create(
            establishment=establishment, requested_by=request.user, **form.cleaned_data
        )
        report = request_report(establishment, EVIDENCE_KIND, request.user, subject_id=evidence_request.pk)
        return redirect("reports:status", report.pk)
    return render(request, "exercises/evidence.html", {"establishment": establishment, "form": form})
