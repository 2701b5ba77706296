"""Signals other modules listen to.

``subscription_changed`` is sent once the transaction has committed, with ``subscription=`` (an
``offers.models.Subscription``), whenever a subscription is created or changes state. The community and awareness
modules connect to it to enrol the establishment and the contacts it named (or to release them when withdrawn).
"""

import django.dispatch

subscription_changed = django.dispatch.Signal()
