"""Paysera callbacks: ``sign`` is an RSA signature over the raw ``event`` string.

Verify the exact text received (Django: ``request.POST["event"]``), never re-serialized JSON.
"""

from __future__ import annotations

import json
from typing import Union

from . import _native
from .models import CallbackEvent

__all__ = ["CallbackVerifier", "parse_callback_form", "verify_callback"]

#: ``verify_callback(event, sign, public_key_pem) -> bool``: ``True`` when ``sign`` is valid for
#: exactly these ``event`` bytes (``bytes`` or ``str``); an unusable key raises
#: ``InvalidInputError``.
verify_callback = _native.verify_callback

#: ``parse_callback_form(body) -> (event, sign)``: the fields of a raw
#: ``application/x-www-form-urlencoded`` callback body; ``event`` is the exact signed bytes.
#: (Django and Flask decode the form for you: use ``request.POST["event"]`` there.)
parse_callback_form = _native.parse_callback_form


class CallbackVerifier:
    """Paysera's public key (``Client.get_public_key()``), parsed once for many callbacks."""

    __slots__ = ("_native",)

    def __init__(self, public_key_pem: str) -> None:
        self._native = _native.CallbackVerifier(public_key_pem)

    def verify(self, event: Union[bytes, str], sign: str) -> bool:
        """``True`` when ``sign`` is valid for exactly these ``event`` bytes."""
        return self._native.verify(event, sign)

    def verify_event(self, event: Union[bytes, str], sign: str) -> CallbackEvent:
        """Verifies, then decodes the event; raises ``InvalidInputError`` when the signature does
        not match or the signed text is not an event."""
        return CallbackEvent._from_wire(self._native.verify_event(event, sign))

    @staticmethod
    def parse_event(event: Union[bytes, str]) -> CallbackEvent:
        """Decodes an event without checking its signature (after you verified it)."""
        return CallbackEvent.from_dict(json.loads(event))
