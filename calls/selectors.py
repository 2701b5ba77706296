"""Reads scoped to the requesting user: the calls they may see and the applications of their establishments."""

from django.db.models import Prefetch, Q, QuerySet

from establishments.roles import Capability
from establishments.selectors import establishments_for, establishments_where, staff_regions

from .models import Application, Call


def visible_calls(user) -> QuerySet[Call]:
    """Published calls of the regions of the user's establishments, plus every call of the regions they staff."""
    member_regions = establishments_for(user).values("region_id")
    return Call.objects.filter(Q(is_published=True, region__in=member_regions) | Q(region__in=staff_regions(user)))


def open_calls_for(user) -> QuerySet[Call]:
    return visible_calls(user).open_at().select_related("region").order_by("closes_at")


def applications_for(user) -> QuerySet[Application]:
    return Application.objects.for_user(user).select_related("call", "establishment", "preferred_kind")


def editable_establishments(user, call: Call):
    """The user's establishments in the call's region where their role may write applications."""
    return (
        establishments_where(user, Capability.EDIT_APPLICATIONS)
        .filter(region=call.region_id)
        .select_related("region", "category", "organisation")
    )


def call_with_configuration(queryset: QuerySet[Call]) -> QuerySet[Call]:
    return queryset.select_related("region").prefetch_related(
        "rules", "questions", "documents", "cutoffs", "project_kinds",
        Prefetch("applications", queryset=Application.objects.none()),
    )  # fmt: skip


def answers_with_questions(application: Application) -> list:
    """The application's answers with their questions (and who saved them): the page's prefetch when it made one
    (``with_page_data``), else one query."""
    if "answers" in getattr(application, "_prefetched_objects_cache", {}):
        return list(application.answers.all())
    return list(application.answers.select_related("question", "updated_by"))


def with_page_data(application: Application) -> Application:
    """Read once what the application page asks several times (the form, the documents by phase, what is
    missing, the eligibility report): the answers, and the call's questions, documents and project kinds."""
    from django.db.models import prefetch_related_objects

    from .models import Answer

    prefetch_related_objects(
        [application],
        Prefetch("answers", queryset=Answer.objects.select_related("question", "updated_by")),
        "call__questions",
        "call__documents",
        "call__project_kinds",
    )
    return application


def proof_orders(application: Application) -> QuerySet:
    """The purchase orders ``application`` may point to as its proof of order: the same establishment's, issued and
    not cancelled (a draft commits nobody). Scoped by the application, which the caller already reached through the
    user's tenancy."""
    from offers.models import OrderState, PurchaseOrder

    return (
        PurchaseOrder.objects.filter(establishment=application.establishment_id)
        .exclude(state__in=[OrderState.DRAFT, OrderState.CANCELLED])
        .select_related("agreement", "lot", "awardee__provider")
        .order_by("-issued_on", "-pk")
    )
