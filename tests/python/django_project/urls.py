from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("the shop")


urlpatterns = [
    path("", home),
    path("", include("paysera_scanpay.contrib.django.urls")),
]
