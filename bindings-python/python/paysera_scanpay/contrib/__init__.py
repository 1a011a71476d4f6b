"""Framework integrations. Each is optional and imports its framework only when imported itself:
``paysera_scanpay.contrib.django`` is the Django app (settings, a system check, the
``run_cashier`` management command and the callback view)."""
