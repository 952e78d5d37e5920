"""WSGI entry for gunicorn: `python3 -m gunicorn --chdir DIR ddsandbox.wsgi:application`, DIR a copy of sandbox/django."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddsandbox.settings")
application = get_wsgi_application()
