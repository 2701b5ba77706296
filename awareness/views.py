"""Awareness pages. Thin: scope through ``selectors`` and ``establishments_for`` (another tenant → 404), names only
for the establishment's sponsor and relays (others get a 403 that says why), every write through ``services``."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crrc.ids import parse_id
from establishments.models import Establishment
from establishments.roles import Capability
from establishments.selectors import can, establishments_for, member_establishments, staff_regions
from reports.models import Report

from . import anonymity, batches, documents, selectors, services, stats
from .choices import EnrolmentSource, ModuleKind, RequestState
from .forms import (
    CampaignRequestForm,
    DecisionForm,
    ModuleUploadForm,
    PhishingUploadForm,
    ScheduleForm,
    StaffInformationForm,
    TableUploadForm,
)
from .models import Campaign, CampaignRequest, PhishingResult, Programme
from .tabular import read_table

NAMES_REFUSED = gettext_lazy(
    "Les noms des personnes ne sont visibles que par le sponsor (direction) et les relais sensibilisation de "
    "l'établissement."
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _establishment(request: HttpRequest, pk: int) -> Establishment:
    return get_object_or_404(establishments_for(request.user).select_related("region", "department"), pk=pk)


def _require_names(request: HttpRequest, establishment: Establishment) -> None:
    if not selectors.can_manage_learners(request.user, establishment):
        raise PermissionDenied(str(NAMES_REFUSED))


def _require_results(request: HttpRequest, establishment: Establishment) -> None:
    if not selectors.can_import_results(request.user, establishment):
        raise PermissionDenied(_("Seuls l'équipe du CRRC, le sponsor et les relais importent les résultats."))


def _programme(establishment: Establishment, request: HttpRequest) -> Programme | None:
    year = request.GET.get("annee", "")
    programmes = selectors.programmes_of(establishment)
    if year.isdigit():
        return programmes.filter(year=int(year)).first()
    return services.current_programme(establishment) or programmes.order_by("-year").first()


def index(request: HttpRequest) -> HttpResponse:
    own = list(member_establishments(request.user).order_by("name"))
    is_staff = staff_regions(request.user).exists()
    if len(own) == 1 and not is_staff:
        return redirect("awareness:establishment", establishment_pk=own[0].pk)
    enrolments = defaultdict(list)
    for enrolment in selectors.enrolments_for(request.user).filter(establishment__in=own):
        enrolments[enrolment.establishment_id].append(enrolment)
    return render(
        request,
        "awareness/index.html",
        {
            "own": [(e, enrolments.get(e.pk, [])) for e in own],
            "is_staff": is_staff,
            "programmes": list(selectors.staff_programmes(request.user)) if is_staff else [],
            "pending_requests": selectors.pending_requests_count(request.user) if is_staff else 0,
        },
    )


def establishment(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    programme = _programme(establishment, request)
    enrolment = selectors.enrolment_of(establishment, programme)
    can_manage = selectors.can_manage_learners(request.user, establishment)
    campaigns = []
    if programme is not None and enrolment is not None:
        latest = {
            r.subject_id: r
            for r in Report.objects.filter(establishment=establishment, kind=documents.QUARTERLY_REPORT).order_by(
                "created_at"
            )
        }
        for campaign in programme.campaigns.select_related("template", "programme").order_by("quarter"):
            campaigns.append(
                {
                    "campaign": campaign,
                    "figures": stats.campaign_figures(establishment, campaign),
                    "report": latest.get(campaign.pk),
                }
            )
    context = {
        "establishment": establishment,
        "programme": programme,
        "enrolment": enrolment,
        "campaigns": campaigns,
        "can_manage": can_manage,
        "can_import": selectors.can_import_results(request.user, establishment),
        "learner_counts": selectors.learner_counts(establishment),
        "retraining_pending": selectors.retraining_list(request.user, establishment)
        .filter(completed_at__isnull=True)
        .count()
        if can_manage
        else None,
        "requests": list(selectors.requests_of(request.user, establishment)[:5]),
        "calendar": _calendar(programme, establishment.sector) if programme else [],
        "report_kind": documents.QUARTERLY_REPORT,
        "leads": _leads(establishment),
        "can_name_relays": can(request.user, establishment, Capability.MANAGE_MEMBERS),
    }
    return render(request, "awareness/establishment.html", context)


def _leads(establishment: Establishment) -> dict:
    """The sponsor (director) and the awareness relays: portal members named by the establishment."""
    from establishments.roles import Role
    from establishments.selectors import active_memberships

    leads = {"sponsors": [], "relays": []}
    for membership in active_memberships(establishment).filter(role__in=[Role.DIRECTOR, Role.AWARENESS_RELAY]):
        leads["sponsors" if membership.role == Role.DIRECTOR else "relays"].append(membership.user)
    return leads


def _calendar(programme: Programme, sector: str | None = None) -> list[dict]:
    """Twelve months: each month's modules and, on the quarter's first month, its phishing campaign."""
    from django.utils.dates import MONTHS

    modules = defaultdict(list)
    for module in programme.modules.all():
        if module.month and (sector is None or module.audience in ("BOTH", sector)):
            modules[module.month].append(module)
    campaigns = defaultdict(list)
    for campaign in programme.campaigns.select_related("template"):
        campaigns[
            campaign.starts_on.month if campaign.starts_on.year == programme.year else 3 * campaign.quarter - 2
        ].append(campaign)
    return [
        {"month": month, "name": MONTHS[month], "modules": modules[month], "campaigns": campaigns[month]}
        for month in range(1, 13)
    ]


@require_POST
def join(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    if not selectors.can_manage_learners(request.user, establishment):
        raise PermissionDenied(_("L'inscription au programme revient au sponsor (direction) ou aux relais."))
    programme = get_object_or_404(
        selectors.programmes_of(establishment), pk=parse_id(request.POST.get("programme")) or 0
    )
    try:
        services.enrol(establishment, programme, by=request.user, source=EnrolmentSource.DIRECT)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("%(name)s est inscrit au programme « %(programme)s ». Étape suivante : importez la liste des personnels.")
            % {"name": establishment.name, "programme": programme.title},
        )
    return redirect(reverse("awareness:establishment", args=[establishment.pk]) + f"?annee={programme.year}")


def learners(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_names(request, establishment)
    queryset = selectors.learners_of(request.user, establishment).order_by(
        "-is_active", "last_name", "first_name", "email"
    )
    page = Paginator(queryset, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "awareness/learners.html",
        {"establishment": establishment, "page": page, "counts": selectors.learner_counts(establishment)},
    )


def _read_upload(form) -> tuple:
    upload = form.cleaned_data["file"]
    data = upload.read()
    from crrc.uploads import detect_type

    upload.seek(0)
    return read_table(data, detect_type(upload)), data, upload.name


def _run_import(request, form, run) -> tuple[object | None, bool]:
    """Read the checked upload and run the service; French errors land on the form, nothing written."""
    try:
        table, data, name = _read_upload(form)
        return run(table, services.digest(data), name), True
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field_name, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(field_name if field_name in form.fields else None, error)
        else:
            form.add_error("file", exc)
        return None, False


def import_learners(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_names(request, establishment)
    form = TableUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report, _ok = _run_import(
            request,
            form,
            lambda table, file_digest, name: services.import_learners(
                establishment, table, by=request.user, filename=name, file_digest=file_digest
            ),
        )
    return render(
        request,
        "awareness/import.html",
        {
            "establishment": establishment,
            "form": form,
            "report": report,
            "title": _("Importer la liste des personnels"),
            "intro": _(
                "Le fichier est la liste complète : les personnes absentes du fichier sont désactivées (leur "
                "historique est conservé). Colonne obligatoire : e-mail (email, courriel, adresse e-mail…). "
                "Facultatives : nom, prénom, service (service, position, département, unité)."
            ),
        },
    )


def export_gophish(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    """The active learners in GoPhish's group-import format, formula-safe."""
    establishment = _establishment(request, establishment_pk)
    _require_names(request, establishment)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["First Name", "Last Name", "Email", "Position"])
    for learner in selectors.learners_of(request.user, establishment).filter(is_active=True).order_by("email"):
        writer.writerow([_safe(learner.first_name), _safe(learner.last_name), learner.email, _safe(learner.service)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="groupe-gophish-{establishment.finess}.csv"'
    return response


def _safe(text: str) -> str:
    return "'" + text if text[:1] in FORMULA_PREFIXES else text


def import_results(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_results(request, establishment)
    campaigns = (
        Campaign.objects.filter(
            programme__enrolments__establishment=establishment, programme__region_id=establishment.region_id
        )
        .select_related("programme", "template")
        .order_by("-programme__year", "quarter")
    )
    form = PhishingUploadForm(
        request.POST or None,
        request.FILES or None,
        campaigns=campaigns,
        initial={"campaign": request.GET.get("campagne")},
    )
    report = None
    if request.method == "POST" and form.is_valid():
        campaign = form.cleaned_data["campaign"]
        report, _ok = _run_import(
            request,
            form,
            lambda table, file_digest, name: services.import_phishing_results(
                establishment, campaign, table, by=request.user, filename=name, file_digest=file_digest
            ),
        )
    return render(
        request,
        "awareness/import.html",
        {
            "establishment": establishment,
            "form": form,
            "report": report,
            "title": _("Importer les résultats d'une campagne d'hameçonnage"),
            "intro": _(
                "Réimporter le même fichier ne change rien. Les lignes de personnes inconnues, de dates hors du "
                "trimestre ou illisibles sont écartées et listées ; les autres sont enregistrées ensemble. La "
                "colonne « details » de GoPhish n'est jamais lue ni conservée."
            ),
        },
    )


def import_modules(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_results(request, establishment)
    programme = _programme(establishment, request)
    form = ModuleUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        if programme is None:
            form.add_error(None, _("Aucun programme pour cette année."))
        else:
            report, _ok = _run_import(
                request,
                form,
                lambda table, file_digest, name: services.import_module_results(
                    establishment, programme, table, by=request.user, filename=name, file_digest=file_digest
                ),
            )
    return render(
        request,
        "awareness/import.html",
        {
            "establishment": establishment,
            "form": form,
            "report": report,
            "title": _("Importer les résultats des modules"),
            "intro": _("Un module de remédiation terminé met à jour la liste de remédiation."),
        },
    )


def retraining(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_names(request, establishment)
    rows = list(selectors.retraining_list(request.user, establishment)[:1000])
    return render(
        request,
        "awareness/retraining.html",
        {"establishment": establishment, "rows": rows, "pending": sum(1 for r in rows if r.completed_at is None)},
    )


def information(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_names(request, establishment)
    programme = _programme(establishment, request)
    enrolment = get_object_or_404(
        selectors.enrolments_for(request.user), establishment=establishment, programme=programme
    )
    initial = {"text": enrolment.staff_information_text or programme.staff_information_text}
    if enrolment.staff_informed_on:
        initial["informed_on"] = enrolment.staff_informed_on
    form = StaffInformationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_staff_information(enrolment, request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field_name, errors in exc.error_dict.items():
                form.add_error(field_name, errors)
        else:
            messages.success(request, _("L'information des personnels est enregistrée."))
            return redirect("awareness:establishment", establishment_pk=establishment.pk)
    return render(
        request, "awareness/information.html", {"establishment": establishment, "form": form, "enrolment": enrolment}
    )


def new_request(request: HttpRequest, establishment_pk: int) -> HttpResponse:
    establishment = _establishment(request, establishment_pk)
    _require_names(request, establishment)
    earliest = services.earliest_on_demand_date()
    form = CampaignRequestForm(
        request.POST or None, templates=selectors.templates_for(establishment), earliest=earliest,
        initial={"wanted_on": earliest},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.request_campaign(
                establishment,
                form.cleaned_data["template"],
                form.cleaned_data["wanted_on"],
                by=request.user,
                message=form.cleaned_data["message"],
            )
        except ValidationError as exc:
            for field_name, errors in exc.error_dict.items():
                form.add_error(field_name, errors)
        else:
            messages.success(request, _("Votre demande est transmise au CRRC, qui l'acceptera ou la refusera."))
            return redirect("awareness:establishment", establishment_pk=establishment.pk)
    return render(request, "awareness/request_form.html", {"establishment": establishment, "form": form})


# --- CRRC staff and ARS ------------------------------------------------------------------------------------------


def programme(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(selectors.programmes_for(request.user), pk=pk)
    is_staff = selectors.staff_programmes(request.user).filter(pk=programme.pk).exists()
    can_run = selectors.managed_programmes(request.user).filter(pk=programme.pk).exists()
    campaigns = list(programme.campaigns.select_related("template").order_by("quarter"))
    return render(
        request,
        "awareness/programme.html",
        {
            "programme": programme,
            "calendar": _calendar(programme),
            "campaigns": campaigns,
            "modules": list(programme.modules.order_by("kind", "month", "code")),
            "overview": stats.programme_overview(programme) if is_staff else [],
            "is_staff": is_staff,
            "can_run": can_run,
            "follow_up": programme.modules.filter(kind=ModuleKind.FOLLOW_UP).first(),
        },
    )


def benchmark(request: HttpRequest) -> HttpResponse:
    campaigns = list(
        Campaign.objects.filter(programme__in=selectors.staff_programmes(request.user))
        .select_related("programme__region", "template")
        .order_by("-programme__year", "-quarter", "programme__region__name")
    )
    if not campaigns and not staff_regions(request.user).exists():
        raise PermissionDenied(_("Le référentiel régional est réservé à l'équipe du CRRC et aux référents ARS."))
    selected = next((c for c in campaigns if str(c.pk) == request.GET.get("campagne")), None)
    if selected is None:
        # EXISTS stops at a campaign's first result; the join it replaces read and sorted every result of the
        # region's campaigns (21,600 rows, 80 ms with 200,000 results, issue 15).
        has_results = Exists(PhishingResult.objects.filter(campaign=OuterRef("pk")))
        with_results = set(
            Campaign.objects.filter(has_results, pk__in=[c.pk for c in campaigns])
            .order_by()
            .values_list("pk", flat=True)
        )
        selected = next((c for c in campaigns if c.pk in with_results), campaigns[0] if campaigns else None)
    bench = stats.benchmark(selected) if selected else None
    return render(
        request,
        "awareness/benchmark.html",
        {
            "campaigns": campaigns,
            "selected": selected,
            "bench": bench,
            "chart": _bench_chart(bench),
            "threshold": anonymity.THRESHOLD,
        },
    )


def _bench_chart(bench):
    from crrc import charts

    if not bench or not bench["sectors"]:
        return None
    return charts.bar(
        _("Médiane du taux de personnes piégées, par secteur"),
        [row.label for row in bench["sectors"]],
        [None if row.trapped.median.masked else round(row.trapped.median.value) for row in bench["sectors"]],
        scale_max=100,
        unit="%",
        label_header=_("Secteur"),
        value_header=_("Médiane"),
        missing=anonymity.masked_label(),
    )


def _managed_campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.filter(programme__in=selectors.managed_programmes(request.user)).select_related("programme"),
        pk=pk,
    )


def batch(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _managed_campaign(request, campaign_pk)
    if request.method == "POST":
        started = batches.start_batch(campaign, request.user)
        messages.success(
            request,
            _("Génération de %(n)d rapports lancée.") % {"n": len(started.report_ids)},
        )
        return redirect("awareness:batch_detail", pk=started.pk)
    latest = campaign.batches.order_by("-created_at").first()
    return render(request, "awareness/batch_start.html", {"campaign": campaign, "latest": latest,
                  "enrolled": campaign.programme.enrolments.filter(is_active=True).count()})  # fmt: skip


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ReportBatch

    batch = get_object_or_404(
        ReportBatch.objects.filter(campaign__programme__in=selectors.managed_programmes(request.user)).select_related(
            "campaign__programme"
        ),
        pk=pk,
    )
    progress = batches.progress(batch)
    context = {"batch": batch, "progress": progress}
    if request.htmx:
        if request.GET.get("shown") == progress.state:
            return HttpResponse(status=204)
        return render(request, "awareness/batch_detail.html#progress", context)
    return render(request, "awareness/batch_detail.html", context)


@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ReportBatch

    batch = get_object_or_404(
        ReportBatch.objects.filter(campaign__programme__in=selectors.managed_programmes(request.user)), pk=pk
    )
    count = batches.retry_failed(batch)
    messages.info(request, _("%(n)d rapport(s) relancé(s).") % {"n": count})
    return redirect("awareness:batch_detail", pk=batch.pk)


def staff_requests(request: HttpRequest) -> HttpResponse:
    if not selectors.managed_programmes(request.user).exists() and not staff_regions(request.user).exists():
        raise PermissionDenied(_("Réservé à l'équipe du CRRC."))
    rows = list(selectors.staff_requests(request.user)[:500])
    return render(request, "awareness/staff_requests.html", {"rows": rows, "decision_form": DecisionForm(),
                  "schedule_form": ScheduleForm(), "states": RequestState})  # fmt: skip


def _staff_request(request: HttpRequest, pk: int) -> CampaignRequest:
    return get_object_or_404(selectors.staff_requests(request.user), pk=pk)


@require_POST
def decide_request(request: HttpRequest, pk: int) -> HttpResponse:
    campaign_request = _staff_request(request, pk)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choisissez d'accepter ou de refuser."))
        if form.cleaned_data["decision"] == "approve":
            services.approve_request(campaign_request, request.user, form.cleaned_data["reason"])
            messages.success(request, _("Demande acceptée : planifiez maintenant la date d'envoi."))
        else:
            services.refuse_request(campaign_request, request.user, form.cleaned_data["reason"])
            messages.success(request, _("Demande refusée ; le motif est visible par l'établissement."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("awareness:staff_requests")


@require_POST
def schedule_request(request: HttpRequest, pk: int) -> HttpResponse:
    campaign_request = _staff_request(request, pk)
    form = ScheduleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Indiquez une date d'envoi valide."))
        services.schedule_request(campaign_request, request.user, form.cleaned_data["scheduled_on"])
        messages.success(request, _("Campagne planifiée."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("awareness:staff_requests")
