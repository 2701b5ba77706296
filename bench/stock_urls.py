"""``/__bench__/stock`` (and ``/healthz``): a signed-in request through Django's stock sessions and authentication."""

from django.http import HttpResponse, HttpResponseForbidden
from django.urls import path


def stock(request):
    if not request.user.is_authenticated:  # the session and the user are read: the point of the figure
        return HttpResponseForbidden(b"signed out")
    return HttpResponse(b"<!doctype html><title>ok</title><p>ok</p>", content_type="text/html; charset=utf-8")


def healthz(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bench__/stock", stock), path("healthz", healthz)]
