"""Settings of the sandbox's Django app: a healthcheck download view behind nginx (X-Accel-Redirect, a private
S3 bucket through django-storages' S3Boto3Storage, Debian's python3-django-storages-boto3), or Apache or lighttpd
(X-Sendfile, disk).

The healthcheck part is what `download-doctor snippets django` prints for the sandbox's target: the sandbox
writes it to the directory named by DD_SANDBOX_SNIPPET (settings.py and urls.py there), with the app faults as
the generator's options. To switch a fault it rewrites them and sends SIGHUP to gunicorn: its new workers run
them anew (never run gunicorn with --preload, or the old ones would be kept).
"""
import os

SNIPPET = os.environ["DD_SANDBOX_SNIPPET"]

SECRET_KEY = "download-doctor-sandbox-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = []
ROOT_URLCONF = "ddsandbox.urls"
# No database, no sessions, no templates: the healthcheck view needs none of them.
DATABASES = {}
INSTALLED_APPS = []
USE_TZ = True
TIME_ZONE = "UTC"
# CommonMiddleware validates the Host header against ALLOWED_HOSTS, as in any real project.
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
# moto accepts any credentials (and does not verify signatures); a real project takes them from its environment
# or role. django-storages signs each file's URL with them (AWS_QUERYSTRING_AUTH, in the generated settings).
AWS_ACCESS_KEY_ID = "testing"
AWS_SECRET_ACCESS_KEY = "testing"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# The generated settings, as a user pastes them at the end of settings.py.
with open(os.path.join(SNIPPET, "settings.py"), encoding="utf-8") as f:
    exec(compile(f.read(), f.name, "exec"))
