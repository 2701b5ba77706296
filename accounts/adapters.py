from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up stays open: anyone may create an account, access to data comes only from memberships."""

    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """No second password prompt for MFA set-up right after logging in (see ``accounts.mfa_setup``)."""
        from allauth.core import context

        from .mfa_setup import logged_in_recently

        if app == "allauth.mfa" and logged_in_recently(self.request or context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)
