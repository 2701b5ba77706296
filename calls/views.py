"""Applicant side of the calls: list, detail with eligibility, the shared draft, uploads, submission and follow-up.

Views stay thin: reads go through ``calls.selectors`` and ``get_for_user_or_404`` (another tenant's object is a
404), writes through ``calls.services`` whose French messages are shown as they are.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crrc.ids import parse_id
from crrc.tenancy import get_for_user_or_404
from crrc.uploads import FILE_TYPES

from . import documents, eligibility, selectors, services
from .forms import ApplicationForm, CorrectionAnswerForm, UploadForm, WithdrawForm, field_name, proof_order_field
from .models import Application, Attachment, Call, RequiredDocument
from .review import services as review_services
from .review import views as review_views
from .workflow import CALL_WORKFLOW, EDITABLE_STATES, UPLOAD_STATES_BY_PHASE, State


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    calls = list(selectors.open_calls_for(request.user))
    applications = list(
        selectors.applications_for(request.user)
        .select_related("call__region", "establishment")
        .order_by("-updated_at")[:50]
    )
    return render(request, "calls/list.html", {"calls": calls, "applications": applications})


def _visible_call(request: HttpRequest, slug: str) -> Call:
    return get_object_or_404(
        selectors.visible_calls(request.user)
        .select_related("region")
        .prefetch_related("rules", "questions", "cutoffs", "project_kinds", "documents"),
        slug=slug,
    )


@require_GET
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _visible_call(request, slug)
    existing = {
        a.establishment_id: a
        for a in Application.objects.for_user(request.user).filter(call=call).exclude(state=State.ABANDONNE)
    }
    candidates = [
        {
            "establishment": establishment,
            "report": eligibility.evaluate(call, establishment, existing.get(establishment.pk)),
            "application": existing.get(establishment.pk),
        }
        for establishment in selectors.editable_establishments(request.user, call)
    ]
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "candidates": candidates,
            "application_documents": [d for d in call.documents.all() if d.phase == RequiredDocument.Phase.APPLICATION],
            "later_documents": [d for d in call.documents.all() if d.phase != RequiredDocument.Phase.APPLICATION],
            "file_types": FILE_TYPES,
        },
    )


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    call = _visible_call(request, slug)
    establishment = get_object_or_404(
        selectors.editable_establishments(request.user, call), pk=parse_id(request.POST.get("establishment")) or 0
    )
    try:
        application = services.start_application(call, establishment, request.user)
    except services.WorkflowError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(call)
    return redirect(application)


# ---- the application page ---------------------------------------------------------------------


def _application(request: HttpRequest, pk: int) -> Application:
    return get_for_user_or_404(
        Application.objects.select_related(
            "call",
            "call__region",
            "establishment",
            "preferred_kind",
            "attributed_kind",
            "cutoff",
            "purchase_order__agreement",
            "purchase_order__lot",
            "purchase_order__awardee__provider",
        ),  # fmt: skip
        request.user,
        pk=pk,
    )


def _form(application: Application, data=None) -> ApplicationForm:
    questions = application.call.questions.all()
    answers = {a.question.code: a for a in selectors.answers_with_questions(application)}
    return ApplicationForm(data, application=application, questions=questions, answers=answers)


def _documents_by_phase(application: Application, can_edit: bool) -> list[dict]:
    current = {a.document_id: a for a in application.attachments.filter(is_current=True).select_related("uploaded_by")}
    phases = []
    required = list(application.call.documents.all())  # once, not once per phase
    for phase, label in RequiredDocument.Phase.choices:
        docs = [d for d in required if d.phase == phase]
        if not docs:
            continue
        open_for_upload = can_edit and application.state in UPLOAD_STATES_BY_PHASE[phase]
        if (
            phase != RequiredDocument.Phase.APPLICATION
            and not open_for_upload
            and not any(d.pk in current for d in docs)
        ):
            continue
        phases.append(
            {
                "phase": phase,
                "label": label,
                "open": open_for_upload,
                "rows": [_document_row(application, d, current.get(d.pk), open_for_upload) for d in docs],
            }
        )
    return phases


def _document_row(application, document, attachment, open_for_upload, error=None, saved=False) -> dict:
    return {
        "application": application,
        "document": document,
        "attachment": attachment,
        "open": open_for_upload,
        "error": error,
        "saved": saved,
        "types": ", ".join(FILE_TYPES[t].label for t in document.accepted_types),
        "accept": ",".join(ext for t in document.accepted_types for ext in FILE_TYPES[t].extensions),
    }


def _page_context(request: HttpRequest, application: Application, form=None) -> dict:
    selectors.with_page_data(application)
    can_edit = services.may_edit(request.user, application)
    content_open = (
        can_edit
        and (application.state in EDITABLE_STATES or application.state == State.CORRECTION)
        and (application.state != State.BROUILLON or application.call.is_open())
    )
    report = eligibility.evaluate(application.call, application.establishment, application)
    corrections = list(application.corrections.select_related("requested_by", "answered_by"))  # latest first
    latest = documents.latest_of(application, documents.RECEIPT, documents.DECISION)
    return {
        "application": application,
        "call": application.call,
        "can_edit": can_edit,
        # The applicant's buttons: the transitions the kit says this user may take now.
        "allowed": {t.name for t in CALL_WORKFLOW.allowed(application, request.user)} if can_edit else set(),
        "content_open": content_open,
        "form": form or _form(application),
        "phases": _documents_by_phase(application, can_edit),
        "report": report,
        "missing": services.missing_items(application) if application.state == State.BROUILLON else [],
        "open_correction": next((c for c in corrections if c.answered_at is None), None),
        "corrections": corrections,
        "log": list(application.transitions.select_related("by")),
        "receipt": latest[documents.RECEIPT],
        "decision": latest[documents.DECISION],
        "withdraw_form": WithdrawForm(),
        "correction_form": CorrectionAnswerForm(),
        "State": State,
        "saved": False,
        "conflict": None,
        "field_error": None,
        "kind_saved": False,
        "kind_error": None,
        "order_saved": False,
        "order_error": None,
    }


@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    context = _page_context(request, application)
    if application.state != State.BROUILLON:
        # The thread with the CRRC's reviewers opens once the application is submitted.
        context |= review_views.thread_context(request.user, application)
        if context["side"]:
            review_services.mark_thread_read(application, context["side"])
    return render(request, "calls/application.html", context)


def _field_context(request, application, form, question, *, saved=False, conflict=None, error=None) -> dict:
    return {
        "application": application,
        "content_open": True,
        "form": form,
        "item": (question, form[field_name(question)], form[f"v_{question.code}"], form.answers.get(question.code)),
        "saved": saved,
        "conflict": conflict,
        "field_error": error,
    }


@require_POST
def save_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx autosave of one field: returns the field, marked saved, in conflict, or with its error."""
    application = _application(request, pk)
    code = request.POST.get("field", "")
    question = application.call.questions.filter(code=code).first()
    if question is None:
        if code == "preferred_kind":
            return _save_preferred_kind(request, application)
        if code == "purchase_order":
            return _save_purchase_order(request, application)
        raise Http404
    form = _form(application, request.POST)
    form.is_valid()
    name = field_name(question)
    if name in form.errors:
        return render(
            request,
            "calls/application.html#field",
            _field_context(request, application, form, question, error=form.errors[name][0]),
        )
    try:
        result = services.save_answers(application, request.user, form.values(only={code}))
    except services.WorkflowError as error:
        return render(
            request,
            "calls/application.html#field",
            _field_context(request, application, form, question, error=" ".join(error.messages)),
        )
    fresh = _form(application)
    conflict = None
    if code in result.conflicts:
        other = result.conflicts[code]
        conflict = {
            "who": other.updated_by.email if other.updated_by else _("un autre membre"),
            "when": other.updated_at,
            "mine": request.POST.getlist(name),
        }
    return render(
        request,
        "calls/application.html#field",
        _field_context(request, application, fresh, question, saved=code in result.saved, conflict=conflict),
    )


def _save_preferred_kind(request: HttpRequest, application: Application) -> HttpResponse:
    kind = application.call.project_kinds.filter(pk=parse_id(request.POST.get("preferred_kind")) or 0).first()
    context = {"application": application, "content_open": True, "kind_saved": False, "kind_error": None}
    try:
        services.set_preferred_kind(application, request.user, kind)
        context["kind_saved"] = True
    except services.WorkflowError as error:
        context["kind_error"] = " ".join(error.messages)
    application.refresh_from_db(fields=["preferred_kind"])
    context["form"] = _form(application)
    return render(request, "calls/application.html#kind", context)


def _save_purchase_order(request: HttpRequest, application: Application) -> HttpResponse:
    """htmx save of the proof of order: only the establishment's issued orders are choices; anything else (another
    establishment's order, an absurd id) is the field's French error, never a 500."""
    field = proof_order_field(application)
    context = {"application": application, "content_open": True, "order_saved": False, "order_error": None}
    try:
        order = field.clean(request.POST.get("purchase_order", ""))
        services.set_purchase_order(application, request.user, order)
        context["order_saved"] = True
    except ValidationError as error:  # the field's refusal, or the kit's WorkflowError (a ValidationError too)
        context["order_error"] = " ".join(error.messages)
    application.refresh_from_db(fields=["purchase_order"])
    context["form"] = _form(application)
    return render(request, "calls/application.html#order", context)


@require_POST
def save_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole form at once (without JavaScript, or the "Enregistrer" button)."""
    application = _application(request, pk)
    form = _form(application, request.POST)
    form.is_valid()
    try:
        if "preferred_kind" in form.fields and "preferred_kind" not in form.errors:
            services.set_preferred_kind(application, request.user, form.cleaned_data.get("preferred_kind"))
        if "purchase_order" in form.fields and "purchase_order" in request.POST and "purchase_order" not in form.errors:
            order = form.cleaned_data.get("purchase_order")
            if (order.pk if order else None) != application.purchase_order_id:
                services.set_purchase_order(application, request.user, order)
        result = services.save_answers(application, request.user, form.values())
    except services.WorkflowError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(application)
    if form.errors:
        messages.warning(request, _("Les réponses valides sont enregistrées ; corrigez les champs signalés."))
        return render(request, "calls/application.html", _page_context(request, application, form), status=400)
    if result.conflicts:
        labels = ", ".join(f"« {a.question.label} »" for a in result.conflicts.values())
        messages.warning(
            request,
            _(
                "Certaines réponses ont été modifiées par un autre membre pendant que vous saisissiez : %(fields)s. "
                "Leur version est affichée ; vérifiez-les et saisissez à nouveau vos modifications si besoin."
            )
            % {"fields": labels},
        )
    else:
        messages.success(request, _("Brouillon enregistré."))
    return redirect(application)


@require_POST
def upload(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """One document at a time; a refused file leaves every other answer and document of the draft untouched."""
    application = _application(request, pk)
    document = get_object_or_404(application.call.documents.all(), pk=document_pk)
    form = UploadForm(request.POST, request.FILES)
    error = None
    attachment = application.attachments.filter(document=document, is_current=True).first()
    if not form.is_valid():
        error = _("Choisissez un fichier à déposer.")
    else:
        try:
            attachment = services.upload_attachment(application, document, form.cleaned_data["file"], request.user)
        except ValidationError as exc:  # a refused file, or the kit's WorkflowError (a ValidationError too)
            error = " ".join(exc.messages)
    if request.htmx:
        row = _document_row(
            application,
            document,
            attachment,
            services.may_edit(request.user, application)
            and application.state in UPLOAD_STATES_BY_PHASE[document.phase],
            error=error,
            saved=error is None,
        )
        return render(request, "calls/application.html#document", {"row": row})
    if error:
        messages.error(request, _("Pièce « %(doc)s » : %(error)s") % {"doc": document.label, "error": error})
    else:
        messages.success(request, _("Pièce « %(doc)s » déposée.") % {"doc": document.label})
    return redirect(application)


@require_POST
def remove(request: HttpRequest, application_pk: int, attachment_pk: int) -> HttpResponse:
    application = _application(request, application_pk)
    attachment = get_object_or_404(application.attachments.filter(is_current=True), pk=attachment_pk)
    try:
        services.remove_attachment(attachment, request.user)
        messages.success(request, _("Pièce retirée du dossier."))
    except services.WorkflowError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(application)


@require_GET
def download(request: HttpRequest, application_pk: int, attachment_pk: int) -> FileResponse:
    """Streamed to members and staff who may see the application; never by a public URL."""
    attachment = get_for_user_or_404(
        Attachment.objects.select_related("application"), request.user, pk=attachment_pk, application_id=application_pk
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=FILE_TYPES[attachment.file_type].mime if attachment.file_type in FILE_TYPES else None,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def template_download(request: HttpRequest, document_pk: int) -> FileResponse:
    document = get_object_or_404(
        RequiredDocument.objects.filter(call__in=selectors.visible_calls(request.user)).exclude(template=""),
        pk=document_pk,
    )
    try:
        handle = document.template.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = document.template.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


APPLICANT_ACTIONS = {"submit", "withdraw", "answer_correction", "declare_service_done", "submit_invoice"}


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in APPLICANT_ACTIONS:
        raise Http404
    application = _application(request, pk)
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    try:
        if action == "submit":
            services.submit(application, request.user, expected_version=expected)
            messages.success(
                request,
                _("Dossier déposé. Un accusé de réception vous est envoyé par e-mail et sera disponible ci-dessous."),
            )
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            form.is_valid()
            services.withdraw(application, request.user, form.cleaned_data.get("reason", ""), expected_version=expected)
            messages.success(request, _("La candidature est abandonnée."))
        elif action == "answer_correction":
            services.answer_correction(application, request.user, request.POST.get("answer", ""))
            messages.success(request, _("Réponse envoyée : l'instruction reprend."))
        elif action == "declare_service_done":
            services.declare_service_done(application, request.user)
            messages.success(request, _("Service fait enregistré. Déposez maintenant la facture."))
        elif action == "submit_invoice":
            services.submit_invoice(application, request.user)
            messages.success(request, _("Facture déposée : le paiement va être traité."))
    except services.WorkflowError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(application)
