"""Reads for the review side, scoped to the requesting staff member's regions.

A reviewer reaches a call only if it belongs to a region they serve (CRRC staff act, ARS reviewers read), and an
application only through ``Application.objects.for_user`` restricted to those regions: another region's call or
application is a 404. The list, the exports and the documents zip all start from ``filtered_applications`` so
that what is downloaded is exactly what is on screen.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Avg, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from establishments.models import Department
from establishments.roles import Sector, StaffKind
from establishments.selectors import serves_region, staff_regions

from ..models import Answer, Application, Call
from ..workflow import State
from .models import Follow, Label, ReviewerAssignment, ReviewScore

# ---- scope ------------------------------------------------------------------------------------------


def reviewable_calls(user) -> QuerySet[Call]:
    return Call.objects.filter(region__in=staff_regions(user)).select_related("region")


def review_call_or_404(user, pk: int) -> Call:
    call = reviewable_calls(user).filter(pk=pk).first()
    if call is None:
        raise Http404
    return call


def may_act(user, call: Call) -> bool:
    """CRRC staff of the call's region act; ARS reviewers only read."""
    return serves_region(user, call.region_id, (StaffKind.CRRC_STAFF,))


def reviewable_applications(user) -> QuerySet[Application]:
    """Submitted applications of the calls the user reviews (drafts are the applicant's business)."""
    return (
        Application.objects.for_user(user).filter(call__region__in=staff_regions(user)).exclude(state=State.BROUILLON)
    )


def review_application_or_404(user, pk: int) -> Application:
    """One application of the user's regions. Drafts are not listed, but staff may open one read-only (the
    applicant's page already shows it to them), e.g. from a link in a message."""
    application = (
        Application.objects.for_user(user)
        .filter(call__region__in=staff_regions(user))
        .select_related(
            "call__region",
            "establishment__department",
            "establishment__category",
            "establishment__organisation",
            "cutoff",
            "preferred_kind",
            "attributed_kind",
            "priority",
            "decided_by",
            "purchase_order__agreement",
            "purchase_order__lot",
            "purchase_order__awardee__provider",
        )
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404
    return application


def region_reviewers(call: Call):
    """CRRC staff of the call's region: the people applications can be assigned to."""
    from accounts.models import User
    from establishments.models import StaffAssignment
    from establishments.roles import StaffKind

    return User.objects.filter(
        is_active=True,
        pk__in=StaffAssignment.objects.filter(region=call.region_id, is_active=True, kind=StaffKind.CRRC_STAFF).values(
            "user_id"
        ),
    ).order_by("last_name", "first_name", "email")


def labels_for(call: Call) -> QuerySet[Label]:
    return Label.objects.filter(Q(call=call) | Q(call__isnull=True, region=call.region_id)).order_by("name")


# ---- columns ----------------------------------------------------------------------------------------


def _date(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _answer_value(value) -> str:
    if value is True:
        return "Oui"
    if value is False:
        return "Non"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


STATE_LABELS = dict(State.choices)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Application], object]
    sort: str | None = None


BASE_COLUMNS: list[Column] = [
    Column("reference", _("Référence"), lambda a: a.reference),
    Column("establishment", _("Établissement"), lambda a: a.establishment.name, "establishment__name"),
    Column("finess", _("FINESS"), lambda a: a.establishment.finess),
    Column(
        "department",
        _("Département"),
        lambda a: a.establishment.department.code if a.establishment.department_id else "",
    ),
    Column("sector", _("Secteur"), lambda a: a.establishment.get_sector_display()),
    Column("category", _("Catégorie"), lambda a: a.establishment.category.label if a.establishment.category_id else ""),
    # The label from a dict built once (``get_state_display`` rebuilds the choices' dict on every call).
    Column("state", _("État"), lambda a: str(STATE_LABELS.get(a.state, a.state)), "state"),
    Column("cutoff", _("Vague"), lambda a: str(a.cutoff) if a.cutoff_id else ""),
    Column("submitted_at", _("Déposé le"), lambda a: _date(a.submitted_at), "submitted_at"),
    Column("priority", _("Priorité"), lambda a: getattr(a, "priority_score", None)),
    Column("risk", _("Risque déclaré"), lambda a: a.get_declared_risk_level_display()),
    Column("motivation", _("Motivation (moy. /5)"), lambda a: _mean(a)),
    Column("preferred_kind", _("Type souhaité"), lambda a: str(a.preferred_kind or "")),
    Column("attributed_kind", _("Type attribué"), lambda a: str(a.attributed_kind or "")),
    Column("granted_amount", _("Montant accordé (€)"), lambda a: a.granted_amount),
    Column(
        "purchase_order",
        _("Bon de commande"),
        lambda a: a.purchase_order.reference if a.purchase_order_id else "",
    ),
    Column("labels", _("Étiquettes"), lambda a: ", ".join(label.name for label in a.review_labels.all())),
    Column(
        "reviewers",
        _("Instructeurs"),
        lambda a: ", ".join(r.reviewer.get_full_name() or r.reviewer.email for r in a.reviewer_assignments.all()),
    ),
]
DEFAULT_COLUMNS = ["reference", "establishment", "finess", "department", "state", "submitted_at", "priority", "labels"]


def _mean(application: Application):
    mean = getattr(application, "mean_motivation", None)
    return None if mean is None else round(float(mean), 1)


def columns_for(call: Call) -> list[Column]:
    """The fixed columns, then one per question of the call (``q:<code>``)."""
    columns = list(BASE_COLUMNS)
    for question in call.questions.all():
        code = question.code
        columns.append(
            Column(
                f"q:{code}",
                question.label,
                lambda a, code=code: _answer_value(
                    next((ans.value for ans in a.answers.all() if ans.question.code == code), None)
                ),
            )
        )
    return columns


# ---- filters ----------------------------------------------------------------------------------------

SORTS = {
    "-priority": (_("Priorité (la plus haute d'abord)"), ["-priority__score", "submitted_at", "pk"]),
    "priority": (_("Priorité (la plus basse d'abord)"), ["priority__score", "submitted_at", "pk"]),
    "submitted": (_("Date de dépôt (la plus ancienne d'abord)"), ["submitted_at", "pk"]),
    "-submitted": (_("Date de dépôt (la plus récente d'abord)"), ["-submitted_at", "-pk"]),
    "name": (_("Établissement (A → Z)"), ["establishment__name", "pk"]),
}


class ReviewFilterForm(forms.Form):
    """Filters, sort and columns of a call's application list; the query string is what a saved filter stores."""

    q = forms.CharField(label=_("Recherche (nom, FINESS)"), required=False, max_length=100)
    state = forms.MultipleChoiceField(
        label=_("État"),
        required=False,
        choices=[c for c in State.choices if c[0] != State.BROUILLON],
        widget=forms.CheckboxSelectMultiple,
    )
    cutoff = forms.TypedChoiceField(label=_("Vague"), required=False, coerce=int, empty_value=None)
    department = forms.ChoiceField(label=_("Département"), required=False)
    sector = forms.ChoiceField(label=_("Secteur"), required=False, choices=[("", _("Tous"))] + list(Sector.choices))
    label = forms.TypedChoiceField(label=_("Étiquette"), required=False, coerce=int, empty_value=None)
    mine = forms.BooleanField(label=_("Assignés à moi"), required=False)
    followed = forms.BooleanField(label=_("Suivis"), required=False)
    sort = forms.ChoiceField(
        label=_("Tri"), required=False, choices=[(k, v[0]) for k, v in SORTS.items()], initial="-priority"
    )
    columns = forms.MultipleChoiceField(
        label=_("Colonnes affichées et exportées"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data, *, call: Call, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.call = call
        self.fields["cutoff"].choices = [("", _("Toutes"))] + [(c.pk, str(c)) for c in call.cutoffs.all()]
        self.fields["department"].choices = [("", _("Tous"))] + [
            (d.code, f"{d.code} – {d.name}") for d in Department.objects.filter(region=call.region_id).order_by("code")
        ]
        self.fields["label"].choices = [("", _("Toutes"))] + [(label.pk, label.name) for label in labels_for(call)]
        self.all_columns = columns_for(call)
        self.fields["columns"].choices = [(c.key, c.label) for c in self.all_columns]

    def chosen_columns(self) -> list[Column]:
        keys = (self.cleaned_data.get("columns") if self.is_valid() else None) or DEFAULT_COLUMNS
        by_key = {c.key: c for c in self.all_columns}
        return [by_key[k] for k in keys if k in by_key]


def filter_form(call: Call, params: QueryDict) -> ReviewFilterForm:
    form = ReviewFilterForm(params, call=call)
    form.is_valid()  # invalid values are dropped (cleaned_data keeps the valid ones)
    return form


def filtered_applications(user, call: Call, form: ReviewFilterForm) -> QuerySet[Application]:
    """The applications on screen: scope, then each filter of ``form``, then its sort, with their row data."""
    return with_review_data(_filtered(user, call, form), user).order_by(*_order(form))


def _order(form: ReviewFilterForm) -> list[str]:
    return SORTS.get(form.cleaned_data.get("sort") or "-priority", SORTS["-priority"])[1]


def review_page(user, call: Call, form: ReviewFilterForm, number, per_page: int) -> Page:
    """One page of ``filtered_applications``, read in two steps: the page's ids from the filtered and sorted
    applications alone (no row data), then the row data of those ids only.

    One query with the row data joins thirteen tables for every application of the call before sorting and
    cutting the page (PostgreSQL planned it in 60 ms and joined every row of the call, issue 15); the ids query
    joins only what the filters and the sort need, and the rows query reads the page's rows by primary key."""
    narrow = _filtered(user, call, form).order_by(*_order(form))
    page = Paginator(narrow.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {a.pk: a for a in with_review_data(reviewable_applications(user).filter(call=call, pk__in=ids), user)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def _filtered(user, call: Call, form: ReviewFilterForm) -> QuerySet[Application]:
    data = form.cleaned_data
    qs = reviewable_applications(user).filter(call=call)
    if search := (data.get("q") or "").strip():
        qs = qs.filter(Q(establishment__name__icontains=search) | Q(establishment__finess__startswith=search))
    if data.get("state"):
        qs = qs.filter(state__in=data["state"])
    if data.get("cutoff"):
        qs = qs.filter(cutoff_id=data["cutoff"])
    if data.get("department"):
        qs = qs.filter(establishment__department__code=data["department"])
    if data.get("sector"):
        qs = qs.filter(establishment__sector=data["sector"])
    if data.get("label"):
        qs = qs.filter(review_labels=data["label"])
    if data.get("mine"):
        qs = qs.filter(Exists(ReviewerAssignment.objects.filter(application=OuterRef("pk"), reviewer=user)))
    if data.get("followed"):
        qs = qs.filter(Exists(Follow.objects.filter(application=OuterRef("pk"), user=user)))
    return qs


def with_review_data(qs: QuerySet[Application], user) -> QuerySet[Application]:
    """Everything a list row or an export line shows, in a fixed number of queries."""
    mean = (
        ReviewScore.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(mean=Avg("motivation"))
        .values("mean")
    )
    return (
        qs.select_related(
            "call",
            "establishment__department",
            "establishment__category",
            "cutoff",
            "preferred_kind",
            "attributed_kind",
            "priority",
            "purchase_order__agreement",
        )
        .prefetch_related(
            "review_labels",
            Prefetch("reviewer_assignments", queryset=ReviewerAssignment.objects.select_related("reviewer")),
            Prefetch("answers", queryset=Answer.objects.select_related("question")),
        )
        .annotate(
            mean_motivation=Subquery(mean),
            priority_score=F("priority__score"),
            is_followed=Exists(Follow.objects.filter(application=OuterRef("pk"), user=user)),
            assigned_to_me=Exists(ReviewerAssignment.objects.filter(application=OuterRef("pk"), reviewer=user)),
        )
    )


def ranking(user, call: Call) -> list[dict]:
    """Ranked list per cut-off: applications still competing for funding or decided, best priority first."""
    from .priority import refresh_stale

    base = reviewable_applications(user).filter(call=call).exclude(state=State.ABANDONNE)
    refresh_stale(base)
    qs = with_review_data(base, user).order_by("cutoff__date", "-priority__score", "submitted_at", "pk")
    waves: dict = {}
    for application in qs:
        key = application.cutoff_id
        wave = waves.setdefault(key, {"cutoff": application.cutoff, "applications": []})
        application.rank = len(wave["applications"]) + 1
        wave["applications"].append(application)
    # Applications outside any cut-off (calls without waves) come last.
    return sorted(waves.values(), key=lambda w: (w["cutoff"] is None, w["cutoff"].date if w["cutoff"] else 0))
