"""The generated urls.py additions (see settings.py), as a user pastes them: one healthcheck route per
sentinel. SmartDownloadMiddleware turns each response into an empty one with the offload header, because the
file's URL matches DOWNLOADVIEW_RULES."""
import os

from django.conf import settings

urlpatterns = []
with open(os.path.join(settings.SNIPPET, "urls.py"), encoding="utf-8") as f:
    exec(compile(f.read(), f.name, "exec"))
