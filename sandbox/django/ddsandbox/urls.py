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


def view(route):
    """The recipe's healthcheck route for one sentinel, from real storage. SmartDownloadMiddleware turns the
    response into an empty one with the offload header, because the file's URL matches DOWNLOADVIEW_RULES."""
    options = {"basename": route["basename"]} if SANDBOX["basenames"] and "basename" in route else {}
    return path(route["route"], StorageDownloadView.as_view(storage=storage, path=route["path"], **options))


urlpatterns = [view(route) for route in SANDBOX["routes"]]
