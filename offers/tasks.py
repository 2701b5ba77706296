"""Celery tasks: e-mails queued on commit by ``offers.services``, and the daily end-of-agreement check (beat)."""

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_campaign_reminders(campaign_id: int, establishment_ids: list[int]) -> int:
    from . import notifications
    from .models import Campaign

    campaign = Campaign.objects.select_related("region").filter(pk=campaign_id).first()
    return notifications.campaign_reminders(campaign, establishment_ids) if campaign else 0


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_lot_alert(lot_id: int, threshold: int) -> int:
    from . import notifications, services
    from .models import Lot

    lot = Lot.objects.select_related("agreement__region").filter(pk=lot_id).first()
    if lot is None:
        return 0
    share = round(float(services.ordered_on_lot(lot) / lot.max_amount * 100), 1)
    return notifications.lot_alert(lot, threshold, share)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_agreement_end_alert(agreement_id: int) -> int:
    from . import notifications
    from .models import Agreement

    agreement = Agreement.objects.select_related("region").filter(pk=agreement_id).first()
    return notifications.agreement_end_alert(agreement) if agreement else 0


@shared_task
def check_agreement_ends() -> int:
    from .services import check_agreement_end_alerts

    return len(check_agreement_end_alerts())
