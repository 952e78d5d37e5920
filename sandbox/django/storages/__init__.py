"""Stands in for django-storages in the sandbox, so that the generated urls.py runs as users paste it.

Debian bookworm's python3-django-storages ships without its backends; see ddsandbox/s3storage.py.
"""
