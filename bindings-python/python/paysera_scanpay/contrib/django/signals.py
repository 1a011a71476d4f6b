"""``callback_received``: sent by the callback view for every callback whose signature Paysera's
public key verifies, after the process's cashier got it.

Receivers get ``sender`` (``paysera_scanpay.CallbackEvent``), ``event`` (the decoded
``CallbackEvent``: ``type`` and ``data``, the transaction), ``genuine`` (always ``True``) and
``request`` (the ``HttpRequest``). A receiver that raises makes the view answer 500, so that
Paysera posts the callback again: receivers must be idempotent (the same callback may come more
than once), and should act on the transaction's state as read from Paysera or from the
cashier's events rather than on the callback alone.
"""

from __future__ import annotations

from django.dispatch import Signal  # type: ignore[import-untyped, unused-ignore]

callback_received = Signal()
