"""Enrolment from the positioning answer of the offers module (connected only when ``offers`` is installed).

An ``offers.Subscription`` to an offer of kind ``"awareness"`` that becomes ``active`` enrols the establishment in
its region's programme of the current year; ``withdrawn`` withdraws it. ``requested`` waits for the CRRC.
"""

from __future__ import annotations

from django.utils import timezone

from .choices import EnrolmentSource

AWARENESS_KIND = "awareness"


def on_subscription_changed(sender=None, subscription=None, **kwargs) -> None:
    from . import services
    from .models import Enrolment

    if subscription is None or getattr(subscription.offer, "kind", None) != AWARENESS_KIND:
        return
    establishment = subscription.establishment
    programme = services.current_programme(establishment, timezone.localdate())
    if programme is None:
        return
    if subscription.state == "active":
        services.enrol(establishment, programme, by=None, source=EnrolmentSource.OFFER)
    elif subscription.state == "withdrawn":
        enrolment = Enrolment.objects.filter(establishment=establishment, programme=programme).first()
        if enrolment is not None:
            services.withdraw(enrolment)


def connect() -> None:
    from offers.signals import subscription_changed

    subscription_changed.connect(on_subscription_changed, dispatch_uid="awareness.enrol_from_offer")
