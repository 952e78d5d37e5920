"""`from storages.backends.s3boto3 import S3Boto3Storage`, as the generated urls.py writes it."""
from ddsandbox.s3storage import S3Storage as S3Boto3Storage

__all__ = ["S3Boto3Storage"]
