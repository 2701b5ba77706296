"""The "Offres de service du CRRC" section of "Mon établissement": the open campaign and where the answer stands,
the establishment's subscriptions and its purchase orders in progress, each with what to do next."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Campaign, OrderState, PurchaseOrder, Response, Subscription


def _context(request, establishment) -> dict:
    now = timezone.now()
    campaign = (
        Campaign.objects.filter(region=establishment.region_id, opens_at__lte=now, closes_at__gt=now)
        .order_by("closes_at")
        .first()
    )
    response = Response.objects.filter(campaign=campaign, establishment=establishment).first() if campaign else None
    subscriptions = list(
        Subscription.objects.for_user(request.user)
        .filter(establishment=establishment)
        .exclude(state="withdrawn")
        .select_related("offer")[:6]
    )
    orders = list(
        PurchaseOrder.objects.for_user(request.user)
        .filter(establishment=establishment)
        .filter(~Q(state__in=[OrderState.PAID, OrderState.CANCELLED]))
        .select_related("agreement", "lot")
        .order_by("-created_at")[:5]
    )
    return {"campaign": campaign, "response": response, "subscriptions": subscriptions, "orders": orders}


def register_section() -> None:
    from establishments.participation import Section, register

    register(
        Section(
            key="offers",
            title=_("Offres de service du CRRC"),
            order=10,
            template="offers/participation.html#section",
            context=_context,
        )
    )
