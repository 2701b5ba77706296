"""Action plans: the shared backbone every other module feeds or reads.

One plan per establishment, made of action items. Assessments turn recommendations into items, crisis-exercise
debriefs and audits will add their findings, calls and dashboards read progress. That is why plans live in their
own app rather than inside ``assessments``: every producer goes through ``action_plans.services`` (``add_items``
with ``ItemProposal``, de-duplicated by ``source_key``), and every reader goes through ``action_plans.selectors``,
so the rules (owner must be a member, status workflow, optimistic concurrency) hold whoever writes.
"""
