import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.hashers import make_password


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up stays open: anyone may create an account, access to data comes only from memberships."""

    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "ACCOUNT_ALLOW_SIGNUP", True)

    def send_account_already_exists_mail(self, email: str) -> None:
        """A sign-up with a known address answers like a new one (allauth's ACCOUNT_PREVENT_ENUMERATION) and takes
        as long: a new sign-up hashes its password, the costliest step, so this one hashes a throwaway password.
        Without it the answer came in 0.12 s for a known address and 0.70 s for a new one (issue 9)."""
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """No second password prompt for MFA set-up right after logging in (see ``accounts.mfa_setup``)."""
        from allauth.core import context

        from .mfa_setup import logged_in_recently

        if app == "allauth.mfa" and logged_in_recently(self.request or context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)
