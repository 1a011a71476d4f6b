"""The shop's handlers, as PAYSERA['PRICE'] and PAYSERA['ON_EVENT'] name them."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from paysera_scanpay import Event, Spot

#: Events received in this process.
EVENTS: List[Event] = []
_log = logging.getLogger("shop")


def price(spot: Spot) -> List[Dict[str, Any]]:
    return [
        {
            "description": f"Table {spot.identifier}",
            "price": 1250,
            "currency": "EUR",
            "parameters": {"orderid": f"A-{spot.id}"},
        }
    ]


def on_event(event: Event) -> None:
    EVENTS.append(event)
    _log.warning("shop: %s for spot %s", event.kind, event.spot_id)


NOT_A_FUNCTION = 42
