"""A minimal Django project for tests/python/test_django*.py: the app installed, its URLconf
routed, and a shop whose handlers price every table at 12.50 EUR."""
