"""The project's URLs plus ``/__bench__/bare``: the ceiling every page is compared with.

The bare view goes through the same middleware (session, authentication, CSP…) and the same gunicorn, but does
no query and renders no template. It answers only when ``settings.BENCH_MODE`` is on.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import include, path


def bare(request):
    if not getattr(settings, "BENCH_MODE", False):
        raise Http404
    return HttpResponse(b"<!doctype html><title>ok</title><p>ok</p>", content_type="text/html; charset=utf-8")


urlpatterns = [
    path("__bench__/bare", bare, name="bench_bare"),
    path("", include("crrc.urls")),
]
