"""A deliberately unscoped URLconf used only by the isolation matrix's self-check (never by the project)."""

from django.http import HttpResponse
from django.urls import include, path

from establishments.models import Establishment


def leaky_establishment(request, establishment_pk: int) -> HttpResponse:
    # The bug the matrix must catch: no ``for_user`` scoping.
    return HttpResponse(Establishment.objects.get(pk=establishment_pk).name)


def leaky_list(request) -> HttpResponse:
    return HttpResponse(", ".join(Establishment.objects.values_list("finess", flat=True)))


urlpatterns = [
    path("leaky/establishment/<int:establishment_pk>/", leaky_establishment, name="leaky_establishment"),
    path("leaky/list/", leaky_list, name="leaky_list"),
    path("", include("crrc.urls")),
]
