"""Settings of the test project. ``PAYSERA`` is completed by the tests (``override_settings``),
or, for a ``run_cashier`` subprocess, from ``SHOP_PAYSERA_*`` environment variables; the
credentials then come from ``PAYSERA_CLIENT_ID`` and ``PAYSERA_MAC_KEY``, as in production."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict

SECRET_KEY = "django-project-for-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = ["paysera_scanpay.contrib.django"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "django_project.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(tempfile.gettempdir(), "paysera-django-tests.sqlite3"),
    }
}
USE_TZ = True

PAYSERA: Dict[str, Any] = {
    "STORE": os.environ.get("SHOP_PAYSERA_STORE", "memory"),
    "PRICE": "django_project.shop.price",
    "ON_EVENT": "django_project.shop.on_event",
}
for _key in ("BASE_URL", "CALLBACK_URI"):
    if os.environ.get(f"SHOP_PAYSERA_{_key}"):
        PAYSERA[_key] = os.environ[f"SHOP_PAYSERA_{_key}"]
