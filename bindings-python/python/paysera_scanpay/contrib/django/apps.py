"""The app's configuration: registers the system check, and nothing else. The cashier is never
started here: ``ready()`` runs in every web worker, and one cashier runs per store (see the
``run_cashier`` management command)."""

from __future__ import annotations

from django.apps import AppConfig  # type: ignore[import-untyped, unused-ignore]


class PayseraConfig(AppConfig):
    name = "paysera_scanpay.contrib.django"
    label = "paysera_scanpay"
    verbose_name = "Paysera Scan and Pay"

    def ready(self) -> None:
        from django.core import checks  # type: ignore[import-untyped, unused-ignore]

        from .checks import check_settings

        checks.register(check_settings, "paysera")
