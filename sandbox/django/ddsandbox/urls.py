from django.conf import settings
from django.urls import path
from django_downloadview import StorageDownloadView
from ddsandbox.s3storage import S3Storage

urlpatterns = [
    # The recipe's healthcheck route: the sentinel from real storage. SmartDownloadMiddleware turns the response
    # into an empty one with X-Accel-Redirect, because the file's URL matches DOWNLOADVIEW_RULES' source_url.
    path(
        "healthcheck-utils/download/",
        StorageDownloadView.as_view(storage=S3Storage(), path=settings.SANDBOX["key"]),
    ),
]
