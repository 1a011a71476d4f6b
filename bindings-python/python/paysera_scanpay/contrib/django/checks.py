"""The system check (``manage.py check``, tag ``paysera``): the ``PAYSERA`` setting, the
handlers' dotted paths, the store and the callback URL. Messages never show the MAC key or a
database password.

- ``paysera_scanpay.E001``: no client id (``PAYSERA['CLIENT_ID']`` nor ``PAYSERA_CLIENT_ID``);
- ``paysera_scanpay.E002``: no MAC key (``PAYSERA['MAC_KEY']`` nor ``PAYSERA_MAC_KEY``);
- ``paysera_scanpay.E003``: ``PAYSERA`` is not a dict, has unknown keys or a value of the wrong
  type;
- ``paysera_scanpay.E004``: ``PRICE``, ``ON_EVENT`` or ``ADJUST`` cannot be imported or is not
  callable;
- ``paysera_scanpay.E005``: the store is unusable (``PAYSERA['STORE']``, or ``DATABASES``
  whose engine cannot hold it);
- ``paysera_scanpay.E006``: ``CALLBACK_URI`` is not an absolute http(s) URL.
"""

from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional, Sequence

from django.core import checks  # type: ignore[import-untyped, unused-ignore]
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped, unused-ignore]

from . import conf


def check_settings(app_configs: Optional[Sequence[Any]] = None, **kwargs: Any) -> List[checks.CheckMessage]:
    _found, problems = conf.read()
    errors = [checks.Error(p.msg, hint=p.hint, id=p.id) for p in problems]
    raw = conf._raw()
    if not isinstance(raw, Mapping):
        return errors
    for key in ("PRICE", "ON_EVENT", "ADJUST"):
        path = raw.get(key)
        if isinstance(path, str):
            try:
                conf.import_handler(path, key)
            except ImproperlyConfigured as e:
                errors.append(
                    checks.Error(
                        str(e),
                        hint="A dotted path to a function, e.g. 'shop.pricing.price'.",
                        id="paysera_scanpay.E004",
                    )
                )
    store = raw.get("STORE")
    if isinstance(store, os.PathLike):
        store = os.fspath(store)
    if store is None or isinstance(store, str):
        try:
            problem = conf.store_problem(store if store is not None else conf.store_url())
            message = f"The cashier's store is unusable: {problem}."
        except ImproperlyConfigured as e:
            problem = message = str(e)
        if problem:
            errors.append(
                checks.Error(
                    message,
                    hint="PAYSERA['STORE']: 'memory', a file path, sqlite:///path or postgres://...; "
                    "without it the store lives in DATABASES['default'].",
                    id="paysera_scanpay.E005",
                )
            )
    return errors
