"""Joining from the offers module: an establishment's positioning on the "community" offer makes its contacts
members of its region's community (when the subscription becomes active) or removes them (withdrawn).

Connected from ``CommunityConfig.ready()`` only when the offers app is installed.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

COMMUNITY_OFFER_KIND = "community"


def on_subscription_changed(sender, subscription, **kwargs) -> None:
    if getattr(getattr(subscription, "offer", None), "kind", None) != COMMUNITY_OFFER_KIND:
        return
    from .services import join_from_subscription

    outcomes = join_from_subscription(subscription)
    logger.info("community: subscription %s → %s", subscription.pk, outcomes)


def connect() -> None:
    from offers.signals import subscription_changed

    subscription_changed.connect(on_subscription_changed, dispatch_uid="community.join_from_subscription")
