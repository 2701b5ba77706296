"""The portal's authentication backend: allauth's (e-mail log-in), reading the request's user with its scope.

Every signed-in request loads its user from the session, then the scope facts (memberships, staff assignments,
second factor) that the staff MFA rule, the navigation and every selector read (``establishments.selectors``).
Here both come back in one PostgreSQL round trip (issue 15: the bare view made two). Nothing is kept across
requests: the user and the facts are read afresh for each one, so a revoked membership or staff assignment takes
effect on the next request, exactly as before.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model

from establishments.selectors import user_with_scope_facts


class PortalBackend(AuthenticationBackend):
    def get_user(self, user_id):
        user = user_with_scope_facts(get_user_model(), user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
