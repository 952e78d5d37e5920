"""WSGI entry for gunicorn: `python3 -m gunicorn --chdir DIR ddsandbox.wsgi:application`, DIR a copy of sandbox/django."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddsandbox.settings")
application = get_wsgi_application()

# Warm up before this worker accepts a request: load the (generated) URLs and, on S3, django-storages' client,
# whose first use loads botocore's S3 model (a second or more). A check sent right after a reload then meets a
# ready worker rather than a deadline.
from django.urls import get_resolver  # noqa: E402

from ddsandbox import urls  # noqa: E402

get_resolver().url_patterns
_storage = getattr(urls, "healthcheck_storage", None)
if hasattr(_storage, "connection"):
    _storage.connection.meta.client
