"""A minimal S3 storage for Django, on boto3: what django-storages' S3Boto3Storage does for a download view.

Debian bookworm's python3-django-storages (1.13.2-1+deb12u1) ships without its backends, so the sandbox brings
the few methods StorageDownloadView calls: open, size, exists, url and modified_time. URLs are unsigned and
path-style (`ENDPOINT/BUCKET/KEY`, the key percent-encoded), as S3Boto3Storage makes them with
AWS_QUERYSTRING_AUTH = False and AWS_S3_ADDRESSING_STYLE = "path".
"""
from urllib.parse import quote

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage


class S3Storage(Storage):
    def __init__(self):
        self.bucket = settings.AWS_STORAGE_BUCKET_NAME
        self.endpoint = settings.AWS_S3_ENDPOINT_URL.rstrip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=settings.AWS_S3_REGION_NAME,
            aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
            aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
            # A healthcheck answers fast or fails: no long retry loops when storage is down.
            config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=5,
                          retries={"max_attempts": 1, "mode": "standard"}),
        )

    def _head(self, name):
        return self.client.head_object(Bucket=self.bucket, Key=name)

    def _open(self, name, mode="rb"):
        body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read()
        return ContentFile(body, name=name)

    def exists(self, name):
        try:
            self._head(name)
            return True
        except self.client.exceptions.ClientError:
            return False

    def size(self, name):
        return self._head(name)["ContentLength"]

    def modified_time(self, name):
        return self._head(name)["LastModified"]

    get_modified_time = modified_time

    def url(self, name):
        return f"{self.endpoint}/{self.bucket}/{quote(name)}"
