"""Purchase orders: the lifecycle through the workflow kit, every refusal of the issue (nothing written), frozen
unit prices, the lot maximum, the 80 % / 100 % alerts and the late-delivery penalty."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from offers import services
from offers.models import Lot, OrderLine, PurchaseOrder, PurchaseOrderLog
from offers.services import LineInput, OrderRefused
from tests.establishments.factories import EstablishmentFactory

from .factories import AgreementFactory, AwardeeFactory, LotFactory, PriceItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _order(establishment, user, agreement, lot, awardee, lines, **kwargs):
    defaults = {"requested_start": TODAY() + datetime.timedelta(days=5),
                "requested_end": TODAY() + datetime.timedelta(days=20), "legal_commitment": "EJ-2026-0042"}  # fmt: skip
    return services.create_order(establishment, user, agreement=agreement, lot=lot, awardee=awardee, lines=lines,
                                 **(defaults | kwargs))  # fmt: skip


def _refused(establishment, user, agreement, lot, awardee, lines, **kwargs) -> dict:
    with pytest.raises(OrderRefused) as error:
        _order(establishment, user, agreement, lot, awardee, lines, **kwargs)
    assert not PurchaseOrder.objects.exists() and not OrderLine.objects.exists()
    return error.value.message_dict


def test_full_lifecycle(establishment, director, staff, agreement, lot, awardee, price):
    order = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, "3")])
    assert (order.number, order.state, order.total_excl_vat, order.total_incl_vat) == (
        1, "draft", Decimal("3000.00"), Decimal("3600.00"),
    )  # fmt: skip
    price.unit_price = Decimal("2000")
    price.save()
    assert order.lines.get().unit_price == Decimal("1000.00")  # frozen on the order
    services.advance_order(order, "issue", director)
    services.advance_order(order, "acknowledge", staff)
    services.advance_order(order, "schedule", director, data={"scheduled_on": TODAY() + datetime.timedelta(days=6)})
    services.advance_order(order, "deliver", director, data={"delivered_on": TODAY()})
    services.advance_order(order, "invoice", staff, data={"invoice_number": "F-981", "invoiced_on": TODAY()})
    services.advance_order(order, "pay", staff, data={"paid_on": TODAY()})
    order.refresh_from_db()
    assert order.state == "paid" and order.issued_on == TODAY() and order.delivered_by
    steps = list(PurchaseOrderLog.objects.filter(order=order).values_list("transition", "by"))
    assert [s[0] for s in steps] == ["create", "issue", "acknowledge", "schedule", "deliver", "invoice", "pay"]
    assert steps[2][1] == staff.pk


def test_order_numbers_follow_in_sequence(establishment, director, agreement, lot, awardee, price):
    numbers = [_order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)]).number
               for _ in range(3)]  # fmt: skip
    assert numbers == [1, 2, 3]


def test_refused_for_a_non_beneficiary(establishment, agreement, lot, awardee, price):
    from establishments.roles import Role
    from tests.establishments.factories import MembershipFactory

    outsider = EstablishmentFactory(department=establishment.department)
    user = MembershipFactory(establishment=outsider, role=Role.DIRECTOR).user
    errors = _refused(outsider, user, agreement, lot, awardee, [LineInput(price.pk, 1)])
    assert "n'est pas bénéficiaire" in errors["establishment"][0]


def test_refused_when_not_notified_or_ended(establishment, director, agreement, lot, awardee, price):
    agreement.notified_on = None
    agreement.save()
    assert "pas encore notifié" in _refused(establishment, director, agreement, lot, awardee,
                                             [LineInput(price.pk, 1)])["agreement"][0]  # fmt: skip
    agreement.notified_on = TODAY() - datetime.timedelta(days=800)
    agreement.firm_months, agreement.renewal_count = 12, 0
    agreement.save()
    assert "a pris fin" in _refused(establishment, director, agreement, lot, awardee,
                                    [LineInput(price.pk, 1)])["agreement"][0]  # fmt: skip


def test_refused_for_an_awardee_not_on_the_lot(establishment, director, agreement, lot, price):
    other_lot = LotFactory(agreement=agreement, number=2)
    stranger = AwardeeFactory(lot=other_lot)
    errors = _refused(establishment, director, agreement, lot, stranger, [LineInput(price.pk, 1)])
    assert "n'est pas titulaire du lot 1" in errors["awardee"][0]


def test_refused_for_an_unknown_lot(establishment, director, agreement, awardee, price, region):
    foreign_lot = LotFactory(agreement=AgreementFactory(region=region))
    errors = _refused(establishment, director, agreement, foreign_lot, awardee, [LineInput(price.pk, 1)])
    assert "n'existe pas" in errors["lot"][0]


def test_refused_for_an_expired_passi(establishment, director, agreement, lot, awardee, price):
    awardee.passi_expires_on = TODAY() + datetime.timedelta(days=10)  # expires before the requested end
    awardee.save()
    errors = _refused(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)])
    assert "PASSI" in errors["awardee"][0] and "expire" in errors["awardee"][0]


def test_refused_for_a_price_item_of_another_lot(establishment, director, agreement, lot, awardee, price):
    other = PriceItemFactory(awardee=AwardeeFactory(lot=LotFactory(agreement=agreement, number=3)), code="EX-J")
    errors = _refused(
        establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1), LineInput(other.pk, 1)]
    )
    assert "autre lot" in errors["line_1"][0]


def test_refused_past_the_lot_maximum(establishment, director, agreement, lot, awardee, price):
    errors = _refused(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 11)])
    assert "au-delà de son maximum" in errors["lines"][0]


@pytest.mark.parametrize(("quantity", "message"), [("1,5", "nombre entier"), ("0", "supérieure à zéro"),
                                                  ("-2", "supérieure à zéro"), ("deux", "nombre entier")])  # fmt: skip
def test_refused_quantities(establishment, director, agreement, lot, awardee, price, quantity, message):
    errors = _refused(establishment, director, agreement, lot, awardee, [LineInput(price.pk, quantity)])
    assert message in errors["line_0"][0]


def test_refused_dates_in_the_wrong_order(establishment, director, agreement, lot, awardee, price):
    errors = _refused(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)],
                      requested_start=TODAY() + datetime.timedelta(days=9), requested_end=TODAY())  # fmt: skip
    assert "précède" in errors["requested_end"][0]


def test_several_awardees_need_the_reason(establishment, director, agreement, lot, awardee, price):
    AwardeeFactory(lot=lot, rank=2)
    errors = _refused(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)])
    assert "plusieurs titulaires" in errors["choice_reason"][0]
    order = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)],
                   choice_reason="Titulaire de rang 1 disponible")  # fmt: skip
    assert order.allocation_rule == "rank"


def test_issue_rechecks_the_maximum_under_lock(establishment, director, agreement, lot, awardee, price):
    first = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 6)])
    second = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 6)])  # drafts don't count
    services.advance_order(first, "issue", director)
    with pytest.raises(ValidationError, match="maximum"):
        services.advance_order(second, "issue", director)
    second.refresh_from_db()
    assert second.state == "draft" and second.issued_on is None


def test_steps_need_their_data(establishment, director, staff, agreement, lot, awardee, price):
    order = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)], legal_commitment="")
    with pytest.raises(ValidationError, match="engagement juridique"):
        services.advance_order(order, "issue", director)
    services.advance_order(order, "issue", director, data={"legal_commitment": "EJ-1"})
    with pytest.raises(ValidationError, match="accusé de réception"):
        services.advance_order(order, "schedule", director, data={"scheduled_on": TODAY()})
    with pytest.raises(ValidationError):
        services.advance_order(order, "acknowledge", director)  # the provider's acknowledgement is recorded by staff
    services.advance_order(order, "acknowledge", staff)
    with pytest.raises(ValidationError, match="date planifiée"):
        services.advance_order(order, "schedule", director)
    services.advance_order(order, "schedule", director, data={"scheduled_on": TODAY()})
    with pytest.raises(ValidationError, match="futur"):
        services.advance_order(order, "deliver", director, data={"delivered_on": TODAY() + datetime.timedelta(days=2)})
    order.refresh_from_db()
    assert order.state == "scheduled" and order.delivered_on is None


def test_cancel_needs_a_reason_and_not_after_delivery(establishment, director, agreement, lot, awardee, price):
    order = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)])
    with pytest.raises(ValidationError, match="motif"):
        services.advance_order(order, "cancel", director)
    services.advance_order(order, "cancel", director, reason="Projet reporté")
    assert PurchaseOrder.objects.get(pk=order.pk).state == "cancelled"


def test_alerts_at_80_and_100_percent(establishment, director, staff, agreement, lot, awardee, price, mailoutbox,
                                      settings, django_capture_on_commit_callbacks):  # fmt: skip
    settings.CELERY_TASK_ALWAYS_EAGER = True
    orders = [_order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, q)]) for q in (7, 1, 2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.advance_order(orders[0], "issue", director)  # 70 %
    assert not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        services.advance_order(orders[1], "issue", director)  # 80 %
    assert len(mailoutbox) == 1 and "80" in mailoutbox[0].subject and staff.email in mailoutbox[0].to
    with django_capture_on_commit_callbacks(execute=True):
        services.advance_order(orders[2], "issue", director)  # 100 %
    assert len(mailoutbox) == 2 and "100" in mailoutbox[1].subject
    lot = Lot.objects.get(pk=lot.pk)
    assert lot.alert_80_sent_at and lot.alert_100_sent_at
    assert services.check_lot_alerts(lot.pk) == []  # each alert once


def test_agreement_end_alert(agreement, staff, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    end = agreement.current_end
    assert services.check_agreement_end_alerts(end - datetime.timedelta(days=200)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.check_agreement_end_alerts(end - datetime.timedelta(days=30)) == [agreement.pk]
    assert "échéance" in mailoutbox[0].subject
    assert services.check_agreement_end_alerts(end - datetime.timedelta(days=29)) == []


def test_late_delivery_shows_the_penalty(establishment, director, staff, agreement, lot, awardee, price):
    order = _order(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)],
                   requested_start=TODAY() - datetime.timedelta(days=20),
                   requested_end=TODAY() - datetime.timedelta(days=4))  # fmt: skip
    services.advance_order(order, "issue", director)
    assert order.days_late() == 4
    assert order.penalty() == Decimal("200.00")  # 50 € per day in the agreement


def test_firm_period_only_beneficiary(establishment, director, agreement, lot, awardee, price):
    beneficiary = agreement.beneficiaries.get(establishment=establishment)
    beneficiary.firm_period_only = True
    beneficiary.save()
    agreement.notified_on = TODAY() - datetime.timedelta(days=800)
    agreement.renewals_exercised = 1
    agreement.save()
    errors = _refused(establishment, director, agreement, lot, awardee, [LineInput(price.pk, 1)])
    assert "période ferme" in errors["establishment"][0]
