from django.conf import settings
from django.urls import path
from django_downloadview import StorageDownloadView

SANDBOX = settings.SANDBOX
STORAGE = SANDBOX["storage"]
if STORAGE["type"] == "s3":
    from ddsandbox.s3storage import S3Storage

    storage = S3Storage()
else:
    from django.core.files.storage import FileSystemStorage

    # base_url only labels the files' URLs (file://...) for the rule's source_url: it is never served.
    storage = FileSystemStorage(location=STORAGE["location"], base_url=STORAGE["baseUrl"])

options = {"basename": SANDBOX["basename"]} if "basename" in SANDBOX else {}
urlpatterns = [
    # The recipe's healthcheck route: the sentinel from real storage. SmartDownloadMiddleware turns the response
    # into an empty one with the offload header, because the file's URL matches DOWNLOADVIEW_RULES' source_url.
    path(
        "healthcheck-utils/download/",
        StorageDownloadView.as_view(storage=storage, path=SANDBOX["path"], **options),
    ),
]
