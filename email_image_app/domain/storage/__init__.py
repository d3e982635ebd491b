"""Where image bytes live: a local folder (default) or an S3-compatible bucket, chosen by
`EMAIL_IMAGE_STORAGE` (see `domain.settings.storage_location`). `domain.store.ImageStore` is the one
way in; `serving.StoredFiles` answers `/files` from whichever backend holds the bytes."""

from __future__ import annotations

from pathlib import Path

from email_image_app.domain.storage.base import ObjectInfo, StorageBackend, StorageError, StoredFileMissing
from email_image_app.domain.storage.local import LocalBackend


def backend_for(location: str, *, endpoint_url: str | None = None) -> StorageBackend:
    """`s3://bucket/prefix` → a bucket; anything else is a folder path."""
    if location.startswith("s3://"):
        # Imported here: boto3 takes a noticeable time to import, and the local default never needs it.
        from email_image_app.domain.storage.s3 import S3Backend

        return S3Backend.from_location(location, endpoint_url=endpoint_url)
    return LocalBackend(Path(location))


__all__ = ["LocalBackend", "ObjectInfo", "StorageBackend", "StorageError", "StoredFileMissing", "backend_for"]
