"""Settings of the sandbox's Django app: a healthcheck download view behind nginx (X-Accel-Redirect, S3) or
Apache (X-Sendfile, disk). The backend, the rule and the view come from download-doctor's Django generator.

Everything that varies (ports, bucket, faults) comes from the JSON file named by DD_SANDBOX_SETTINGS. The sandbox
rewrites that file and sends SIGHUP to gunicorn: its new workers import these settings again (never run gunicorn
with --preload, or the old settings would be kept).
"""
import json
import os

with open(os.environ["DD_SANDBOX_SETTINGS"], encoding="utf-8") as f:
    SANDBOX = json.load(f)

SECRET_KEY = "download-doctor-sandbox-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = SANDBOX["allowedHosts"]
ROOT_URLCONF = "ddsandbox.urls"
# No database, no sessions, no templates: the healthcheck view needs none of them.
DATABASES = {}
INSTALLED_APPS = []
USE_TZ = True
TIME_ZONE = "UTC"

# `offload: false` is the "middleware-disabled" fault: django-downloadview then silently streams the file itself.
# CommonMiddleware validates the Host header against ALLOWED_HOSTS, as in any real project.
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
if SANDBOX["offload"]:
    MIDDLEWARE.append("django_downloadview.SmartDownloadMiddleware")
DOWNLOADVIEW_BACKEND = SANDBOX["backend"]
# The storage's file URL is rewritten into the nginx internal location (destination_url) or into the
# directory Apache reads (destination_dir).
DOWNLOADVIEW_RULES = [{"source_url": SANDBOX["source"], SANDBOX["destinationKey"]: SANDBOX["destination"]}]

STORAGE = SANDBOX["storage"]
if STORAGE["type"] == "s3":
    # The S3 storage (ddsandbox/s3storage.py), pointed at moto. Unsigned URLs: the rule matches them by prefix.
    AWS_S3_ENDPOINT_URL = STORAGE["endpoint"]
    AWS_STORAGE_BUCKET_NAME = STORAGE["bucket"]
    AWS_S3_REGION_NAME = STORAGE["region"]
    AWS_S3_ADDRESSING_STYLE = "path"
    AWS_QUERYSTRING_AUTH = False
    AWS_ACCESS_KEY_ID = "testing"
    AWS_SECRET_ACCESS_KEY = "testing"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
