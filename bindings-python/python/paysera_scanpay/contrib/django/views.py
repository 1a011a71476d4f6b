"""The callback view: Paysera posts a signed form (``event``, ``sign``) to ``CALLBACK_URI``.

``callback`` verifies the signature over the exact bytes posted, with Paysera's public key
(cached by ``get_client()``; fetched again once when a signature does not match), hands the
body to this process's cashier so that it acts at once, and sends ``callback_received``. It
answers 200 ``OK`` for a genuine callback, 400 for anything else (forged, unsigned, malformed),
405 for another method than POST, 413 for a body over ``MAX_BODY`` bytes and 503 when Paysera's
public key cannot be fetched (Paysera posts again later; polling covers it meanwhile).

Which cashier: the one ``run_cashier`` runs in this process (``--callback-port`` serves this
view there), or else one built here with ``get_cashier()`` over the shared store (SQLite or
Postgres), never run: it hands the transaction to the active cashier through the store, which
acts within ``wake_interval`` (50 ms). Over the ``memory`` store nothing is shared: the view
verifies and signals, and the cashier process finds the transaction at its next poll.
"""

from __future__ import annotations

import logging
from typing import Optional

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped, unused-ignore]
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed  # type: ignore[import-untyped, unused-ignore]
from django.views.decorators.csrf import csrf_exempt  # type: ignore[import-untyped, unused-ignore]

from . import conf
from .signals import callback_received

__all__ = ["MAX_BODY", "callback"]

_log = logging.getLogger("paysera_scanpay.django")

#: The largest callback body taken, in bytes (Paysera's are a few KiB).
MAX_BODY = 64 * 1024


def _cashier() -> Optional[object]:
    cashier = conf.existing_cashier()
    if cashier is not None:
        return cashier
    try:
        store = conf.paysera_settings().cashier_store()
        if conf.store_kind(store) == "memory":
            return None  # nothing shared: the cashier process polls it
        return conf.get_cashier()
    except ImproperlyConfigured as e:
        _log.warning("callback: no cashier to hand it to (%s); polling will find it", e)
        return None


@csrf_exempt
def callback(request: HttpRequest) -> HttpResponse:
    """Paysera's callback: 200 when genuine (and ``callback_received`` sent), 400 when not."""
    from paysera_scanpay import CallbackVerifier, Cashier, PayseraError, parse_callback_form

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return HttpResponse("too large", status=413, content_type="text/plain")
    body: bytes = request.body
    if len(body) > MAX_BODY:
        return HttpResponse("too large", status=413, content_type="text/plain")
    try:
        event, sign = parse_callback_form(body)
    except (PayseraError, ValueError) as e:
        _log.warning("callback refused: malformed body (%s)", e)
        return HttpResponse("bad request", status=400, content_type="text/plain")
    try:
        genuine = conf.get_client().verify_callback(event, sign)
    except PayseraError as e:
        _log.warning("callback: Paysera's public key could not be fetched (%s); answering 503", e)
        return HttpResponse("unavailable", status=503, content_type="text/plain")
    if not genuine:
        _log.warning("callback refused: signature does not match Paysera's public key")
        return HttpResponse("bad signature", status=400, content_type="text/plain")
    try:
        decoded = CallbackVerifier.parse_event(event)
    except (PayseraError, ValueError) as e:
        _log.warning("callback refused: the signed event is not an event (%s)", e)
        return HttpResponse("bad request", status=400, content_type="text/plain")

    cashier = _cashier()
    if isinstance(cashier, Cashier):
        try:
            acted = cashier.handle_callback(body)
        except PayseraError as e:  # only the key fetch can fail, and it was just used
            _log.warning("callback: the cashier could not take it (%s); polling will", e)
        else:
            _log.debug("callback: handed to the cashier (acting now: %s)", acted)
    callback_received.send(sender=type(decoded), event=decoded, genuine=True, request=request)
    return HttpResponse("OK", content_type="text/plain")
