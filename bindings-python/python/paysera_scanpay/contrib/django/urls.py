"""``path("", include("paysera_scanpay.contrib.django.urls"))`` in the shop's URLconf routes
``paysera/callback`` (named ``paysera-callback``) to the callback view. ``run_cashier
--callback-port`` serves this URLconf alone."""

from __future__ import annotations

from django.urls import path  # type: ignore[import-untyped, unused-ignore]

from . import views

urlpatterns = [
    path("paysera/callback", views.callback, name="paysera-callback"),
]
