from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import member_establishments


def my_establishments(request: HttpRequest) -> HttpResponse:
    establishments = member_establishments(request.user).select_related("region", "department", "category")
    return render(request, "establishments/mine.html", {"establishments": establishments})
