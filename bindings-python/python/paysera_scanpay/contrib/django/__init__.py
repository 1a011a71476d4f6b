"""The Django app: add ``"paysera_scanpay.contrib.django"`` to ``INSTALLED_APPS``.

- ``PAYSERA = {...}`` in the settings (``CLIENT_ID`` and ``MAC_KEY`` fall back to the
  ``PAYSERA_CLIENT_ID`` and ``PAYSERA_MAC_KEY`` environment variables), checked by
  ``manage.py check`` (ids ``paysera_scanpay.E001``…);
- ``get_client()``: one ``Client`` per process, a new one in a forked child;
- ``python manage.py run_cashier``: the cashier, in its own process (never in web workers nor in
  ``AppConfig.ready()``), with ``--callback-port`` to serve Paysera's callbacks from that process;
- ``paysera_scanpay.contrib.django.urls``: the callback view, ``paysera/callback``, named
  ``paysera-callback``; genuine callbacks send the ``callback_received`` signal.

See docs/django.md.
"""

from .conf import PayseraSettings, get_cashier, get_client, paysera_settings, store_url

__all__ = ["PayseraSettings", "get_cashier", "get_client", "paysera_settings", "store_url"]
