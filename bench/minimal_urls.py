"""``/__bench__/minimal`` (and ``/healthz`` for the server's start): the body of the portal's bare view."""

from django.http import HttpResponse
from django.urls import path


def minimal(request):
    return HttpResponse(b"<!doctype html><title>ok</title><p>ok</p>", content_type="text/html; charset=utf-8")


urlpatterns = [path("__bench__/minimal", minimal), path("healthz", minimal)]
