"""Test-only guard: a page rendered with an undefined template variable fails loudly.

Django renders undefined variables as ``string_if_invalid``; the test settings set it to a marker and this
middleware turns any marker left in an HTML response into an error, so a typo in a template breaks CI.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

MARKER = b"<<UNDEFINED:"


class UndefinedVariableGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and MARKER in response.content
        ):
            start = response.content.index(MARKER)
            snippet = response.content[start : start + 80].decode(errors="replace")
            raise AssertionError(f"Variable de gabarit non définie sur {request.path} : {snippet}")
        return response
